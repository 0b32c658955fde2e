"""Synthetic boundaries of July 2022's NHS geography: sub-ICB locations and ICBs, in ONS's GeoJSON format.

Written in the sub-ICB vintages only. Like the CCG boundaries (`boundaries.ccg_geojson`), each area is
the union of its MSOAs' cells: a sub-ICB location's are its CCGs' (merged CCGs share one), an ICB's its
sub-ICB locations'. The CCGs of an ICB are consecutive along the map's curve (`organisations.icb_index`),
so each area is contiguous, and every boundary agrees exactly with the patients' MSOAs. Property names
as ONS's newer downloads spell them: sicbl22cd / sicbl22nm, icb22cd / icb22nm.
"""

from __future__ import annotations

import pandas as pd
import shapely

from pcnreport.data.synth.boundaries import _feature_collection, cell_boxes
from pcnreport.data.synth.geography import Geography
from pcnreport.data.synth.qof import icb_name


def _dissolved(geography: Geography, key_of_ccg: pd.Series) -> tuple[list, list]:
    """(keys, shapes): the MSOA cells merged by the key of their CCG, in key order."""
    cells = cell_boxes(geography)
    keys = key_of_ccg.to_numpy()[geography.msoas["ccg"].to_numpy()]
    groups = pd.Series(range(len(cells))).groupby(keys)
    return [key for key, _ in groups], [shapely.union_all([cells[i] for i in members]) for _, members in groups]


def sub_icb_geojson(geography: Geography, ccgs: pd.DataFrame) -> bytes:
    """Sub-ICB locations (July 2022): `ccgs` as `organisations.sub_icb_locations` labels them."""
    codes, shapes = _dissolved(geography, ccgs["ons_code"].reset_index(drop=True))
    names = ccgs.drop_duplicates("ons_code").set_index("ons_code")["name"]
    properties = [{"sicbl22cd": code, "sicbl22nm": names[code]} for code in codes]
    return _feature_collection("SYNTHETIC_SICBL_JUL_2022", shapes, properties)


def icb_geojson(geography: Geography, ccgs: pd.DataFrame) -> bytes:
    """Integrated Care Boards (July 2022), with the ONS codes (E54...) the practice mappings give them."""
    numbers, shapes = _dissolved(geography, ccgs["icb"].reset_index(drop=True))
    properties = [{"icb22cd": f"E54{900_001 + i}", "icb22nm": icb_name(i)} for i in numbers]
    return _feature_collection("SYNTHETIC_ICB_JUL_2022", shapes, properties)
