"""Synthetic boundaries: the sample's MSOAs and CCGs as GeoJSON in ONS's format, so the default build
draws every map.

Each synthetic MSOA is a cell of the Hilbert-curve grid that `geography` lays out, so the boundaries are
the grid itself: cell (x, y) is a rectangle of `CELL_LON` by `CELL_LAT` degrees from `ORIGIN`, placed
over England (about 3.5 km square, near a real MSOA's size). A CCG's boundary is the union of its MSOAs'
cells, which are consecutive along the curve and so contiguous. Because every area is generated from the
same grid the registrations were spread over, patients' MSOAs, MSOA boundaries and CCG boundaries agree
exactly. Names say SYNTHETIC, as every name in the sample does.

The files use ONS's property names as its current downloads spell them (msoa11cd, msoa11nm; ccg20cd,
ccg20nm) and RFC 7946's ring order (exterior counter-clockwise), like ONS's files.
"""

from __future__ import annotations

import json

import pandas as pd
import shapely
from shapely.geometry import box, mapping

from pcnreport.data.synth.geography import Geography

ORIGIN = (-4.2, 50.6)  # longitude, latitude of the grid's south-west corner
CELL_LON, CELL_LAT = 0.05, 0.032
DIGITS = 5


def cell_boxes(geography: Geography) -> list:
    """One rectangle an MSOA (rows of `geography.msoas`)."""
    west, south = ORIGIN
    return [
        box(west + x * CELL_LON, south + y * CELL_LAT, west + (x + 1) * CELL_LON, south + (y + 1) * CELL_LAT)
        for x, y in zip(geography.msoas["x"], geography.msoas["y"])
    ]


def msoa_names(geography: Geography) -> list[str]:
    """ONS names an MSOA after its district and a number: the k-th MSOA of a synthetic district is k."""
    msoas = geography.msoas
    number = msoas.groupby("ccg").cumcount() + 1
    return [f"SYNTHETIC DISTRICT {ccg + 1:03d} {n:03d}" for ccg, n in zip(msoas["ccg"], number)]


def msoa_geojson(geography: Geography, census: str = "2011") -> bytes:
    """MSOA boundaries in ONS's GeoJSON format: one feature an MSOA. The sample's MSOAs keep their codes
    and cells in 2021 (as most real ones did), so the 2021 file differs only in its property names
    (msoa21cd, msoa21nm) and title."""
    year = census[2:]
    properties = [
        {f"msoa{year}cd": code, f"msoa{year}nm": name} for code, name in zip(geography.msoas["code"], msoa_names(geography))
    ]
    return _feature_collection(f"SYNTHETIC_MSOA_{census}", cell_boxes(geography), properties)


def ccg_geojson(geography: Geography, ccgs: pd.DataFrame) -> bytes:
    """CCG (April 2020) boundaries: each CCG's MSOA cells merged into one area."""
    cells = cell_boxes(geography)
    by_ccg = pd.Series(range(len(cells))).groupby(geography.msoas["ccg"].to_numpy())
    shapes, properties = [], []
    for ccg, members in by_ccg:
        shapes.append(shapely.union_all([cells[i] for i in members]))
        properties.append({"ccg20cd": ccgs["ons_code"].iloc[ccg], "ccg20nm": ccgs["name"].iloc[ccg]})
    return _feature_collection("SYNTHETIC_CCG_APR_2020", shapes, properties)


def _feature_collection(name: str, shapes: list, properties: list[dict]) -> bytes:
    oriented = shapely.orient_polygons(shapely.set_precision(shapes, 10**-DIGITS), exterior_cw=False)
    features = [
        {"type": "Feature", "properties": props, "geometry": _rounded(mapping(shape))}
        for shape, props in zip(oriented, properties)
    ]
    document = {"type": "FeatureCollection", "name": name, "features": features}
    return (json.dumps(document, separators=(",", ":")) + "\n").encode("utf-8")


def _rounded(geometry: dict) -> dict:
    """Coordinates as plain rounded floats (no float noise like 50.632000000000005 in the file)."""

    def walk(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, DIGITS) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
