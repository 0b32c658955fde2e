"""July 2022's geography beyond the profiles: the boundaries' readers, the maps' levels, and the synthetic
sample's ICBs and sub-ICB locations (checked on small hand-made cases)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from pcnreport.core.errors import DataFormatError
from pcnreport.data import readers
from pcnreport.data.readers import Epcn
from pcnreport.data.synth.organisations import icb_index, sub_icb_locations
from pcnreport.report import map_sections, profile_maps

# Four MSOAs in a row, 1 degree wide; one LSOA each; PCN U00001 serves A, U00002 the rest (as in
# test_profile_maps).
MSOAS = pd.DataFrame({"code": [f"E0200000{i}" for i in range(1, 5)], "name": ["A", "B", "C", "D"],
                      "geometry": [box(i, 50, i + 1, 51) for i in range(4)]})
LOOKUP = pd.DataFrame({"lsoa_code": [f"E0100000{i}" for i in range(1, 5)], "msoa_code": list(MSOAS["code"])})
REGISTRATIONS = pd.DataFrame({"practice_code": ["A00001", "A00002", "A00002", "A00002"],
                              "lsoa_code": list(LOOKUP["lsoa_code"]), "patients": [90, 50, 70, 60]})
EPCN = Epcn(pcns=pd.DataFrame({"pcn_code": ["U00001", "U00002"], "pcn_name": ["First PCN", "Second PCN"]}),
            members=pd.DataFrame({"practice_code": ["A00001", "A00002"], "pcn_code": ["U00001", "U00002"]}))


def _geojson(path, properties: list[dict]):
    features = [{"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [
        [[i, 50], [i + 1, 50], [i + 1, 51], [i, 51], [i, 50]]]}} for i, p in enumerate(properties)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_sub_icb_and_icb_boundaries_read_by_onss_property_names(tmp_path):
    sub_icb = readers.read_sub_icb_boundaries(_geojson(tmp_path / "s.geojson", [
        {"SICBL22CD": "E38000240", "SICBL22CDH": "15N", "SICBL22NM": "NHS Devon ICB - 15N"},
        {"sicbl22cd": "E38000007", "sicbl22nm": "NHS Mid and South Essex ICB - 99E"},
    ]))
    assert list(sub_icb["code"]) == ["E38000007", "E38000240"]
    icb = readers.read_icb_boundaries(_geojson(tmp_path / "i.geojson", [{"ICB22CD": "E54000037", "ICB22NM": "NHS Devon ICB"}]))
    assert icb.loc[0, "name"] == "NHS Devon ICB"


def test_an_icb_boundary_with_a_sub_icb_code_names_the_feature_and_what_was_expected(tmp_path):
    path = _geojson(tmp_path / "i.geojson", [{"ICB22CD": "E54000037", "ICB22NM": "A"}, {"ICB22CD": "E38000240", "ICB22NM": "B"}])
    with pytest.raises(DataFormatError, match=r"feature 2: property 'ICB22CD': expected an ICB's ONS code: E54"):
        readers.read_icb_boundaries(path)


def test_the_service_map_names_its_level_and_the_missing_boundaries(tmp_path):
    assert map_sections.level_words("sub-icb")[:3] == ("boundaries-sub-icb", "sub-ICB location", "sub-ICB locations")
    with pytest.raises(ValueError, match="commissioner level 'icb'"):
        map_sections.level_words("icb")
    map_sections.write_service_map(tmp_path, REGISTRATIONS, LOOKUP, EPCN, MSOAS, None, "", {}, synthetic=True,
                                   attribution="", level="sub-icb")
    notice = (tmp_path / "figures" / "fig-ccg-service-map.md").read_text()
    assert "The sub-ICB location boundaries (ONS; catalogue datasets `boundaries-msoa`, `boundaries-sub-icb`)" in notice
    assert "one sub-ICB location's networks" in notice and "CCG" not in notice


def test_the_service_maps_numbers_carry_the_level_words():
    areas = pd.DataFrame({"msoa_code": ["E02000001"], "dominant_pcn": ["U00001"], "dominant_share": [0.6],
                          "pcns_1pct": [2]})
    raw, text = map_sections.service_map_numbers(areas, "E38000001", "NHS One ICB - 00L", 0.01, "sub-icb")
    assert raw["level"] == "sub-icb"
    assert (text["level_name"], text["level_plural"], text["ccg_name"]) == ("sub-ICB location", "sub-ICB locations", "One ICB - 00L")
    assert map_sections.service_map_numbers(areas, "E38000001", "X", 0.01)[1]["level_name"] == "CCG"


SUB_ICBS = pd.DataFrame({"code": ["E38000001", "E38000002"], "name": ["NHS One ICB - 00L", "NHS One ICB - 00M"],
                         "geometry": [box(0, 50, 2.4, 51), box(2.4, 50, 4, 51)]})


def test_profile_maps_of_sub_icb_locations_and_icbs_name_their_level():
    base = profile_maps.map_base(REGISTRATIONS, LOOKUP, EPCN, MSOAS, SUB_ICBS, "sub-icb")
    chart, _ = profile_maps.ccg_map(base, "E38000001", "NHS One ICB - 00L")
    assert chart is not None
    chart, reason = profile_maps.ccg_map(base, "E38999999", "X")
    assert chart is None and "The sub-ICB location boundaries in this build's data folder have no boundary for this sub-ICB location" in reason
    missing = profile_maps.map_base(REGISTRATIONS, LOOKUP, EPCN, MSOAS, None, "icb")
    assert missing.unavailable.startswith("The ICB boundaries (ONS; catalogue datasets `boundaries-msoa`, `boundaries-icb`)")
    assert "this ICB's map could not be drawn" in missing.unavailable


def _ccgs(regions: list[int]) -> pd.DataFrame:
    n = len(regions)
    return pd.DataFrame({"code": [f"Z0{chr(65 + i)}" for i in range(n)], "name": [f"CCG {i}" for i in range(n)],
                         "ons_code": [f"E38{900_001 + i}" for i in range(n)], "region_index": regions})


def test_icbs_share_out_by_region_in_runs_of_consecutive_ccgs():
    # 10 CCGs: 6 in region 0, 4 in region 1; 4 ICBs -> quotas 2.4 and 1.6 -> 2 + 2 (largest remainder: 0.6).
    icb = icb_index(_ccgs([0] * 6 + [1] * 4), 4)
    assert icb.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
    # Never more ICBs than CCGs in a region, and at least one a region.
    assert icb_index(_ccgs([0] * 9 + [1]), 4).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]


def test_the_largest_icbs_ccgs_merge_into_one_sub_icb_location_each():
    many = _ccgs([0] * 60 + [1] * 30)  # 90 CCGs -> 42 ICBs: 28 in region 0, 14 in region 1
    located = sub_icb_locations(many, 2)
    sizes = np.bincount(located["icb"])
    assert len(sizes) == 42 and located.groupby("icb")["region_index"].nunique().max() == 1
    # The two largest ICBs (3 CCGs each; the first two such by position) became one sub-ICB location each.
    largest = list(np.lexsort((np.arange(42), -sizes))[:2])
    assert sizes[largest].tolist() == [3, 3]
    for k, group in enumerate(sorted(largest)):
        rows = located[located["icb"] == group]
        assert rows["code"].nunique() == 1 and rows["ons_code"].nunique() == 1
        assert rows["code"].iat[0] == f"{many['code'][rows.index[0]]}{k}{'XYW'[k]}"
        assert rows["ons_code"].iat[0] == f"E38{950_001 + k}"
    assert located["code"].nunique() == 90 - 2 * (sizes[largest[0]] - 1)
    assert located["name"].iat[0].startswith("NHS SYNTHETIC ICB 01 - ")
