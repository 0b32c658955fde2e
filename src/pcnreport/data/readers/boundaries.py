"""ONS digital boundaries (GeoJSON, WGS84 longitude/latitude): MSOAs and LSOAs (2011), CCGs (April 2020),
sub-ICB locations and ICBs (July 2022).

Each reader returns one row an English area: code, name, geometry (a shapely Polygon or MultiPolygon),
sorted by code. Welsh areas (W02..., W01...) are checked like the rest and then left out, as the
tabular geography readers do. The file is checked whole before anything is returned, and every problem
names the feature as a person counts them (feature 1 is the first), the property and what was expected.

GeoJSON is not a table, so `_files.open_table` does not apply; the property names still go through the
one table of accepted spellings (`_headers.SPELLINGS`), compared ignoring case.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import shapely
from shapely.geometry import shape

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers._checks import capped, raise_if_any
from pcnreport.data.readers._files import existing_file
from pcnreport.data.readers._headers import SPELLINGS, match_header

# Code shapes, England or Wales where ONS's product covers both; England only is kept.
_AREAS = {
    "boundaries-msoa": (r"[EW]02\d{6}", "E02", "an MSOA code: E02 or W02 and 6 digits, like E02000001"),
    "boundaries-lsoa": (r"[EW]01\d{6}", "E01", "an LSOA code: E01 or W01 and 6 digits, like E01000001"),
    "boundaries-ccg": (r"E38\d{6}", "E38", "a CCG's ONS code: E38 and 6 digits, like E38000014"),
    "boundaries-sub-icb": (r"E38\d{6}", "E38", "a sub-ICB location's ONS code: E38 and 6 digits, like E38000240"),
    "boundaries-icb": (r"E54\d{6}", "E54", "an ICB's ONS code: E54 and 6 digits, like E54000050"),
}
_POLYGONAL = ("Polygon", "MultiPolygon")


def read_msoa_boundaries(path) -> pd.DataFrame:
    """MSOA boundaries of 2011 (properties MSOA11CD/MSOA11NM, or msoa11_code/msoa11_name) or of 2021
    (MSOA21CD/MSOA21NM): English MSOAs. Either fits a build whose LSOA to MSOA lookup has the same MSOAs."""
    return _read_boundaries(path, "boundaries-msoa")


def read_lsoa_boundaries(path) -> pd.DataFrame:
    """LSOA boundaries of 2011 (properties LSOA11CD/LSOA11NM, or lsoa11_code/lsoa11_name) or of 2021
    (LSOA21CD/LSOA21NM): English LSOAs."""
    return _read_boundaries(path, "boundaries-lsoa")


def read_ccg_boundaries(path) -> pd.DataFrame:
    """CCG (April 2020) boundaries (properties CCG20CD/CCG20NM, the ONS codes E38...)."""
    return _read_boundaries(path, "boundaries-ccg")


def read_sub_icb_boundaries(path) -> pd.DataFrame:
    """Sub-ICB location (July 2022) boundaries (properties SICBL22CD/SICBL22NM, the ONS codes E38...)."""
    return _read_boundaries(path, "boundaries-sub-icb")


def read_icb_boundaries(path) -> pd.DataFrame:
    """Integrated Care Board (July 2022) boundaries (properties ICB22CD/ICB22NM, the ONS codes E54...)."""
    return _read_boundaries(path, "boundaries-icb")


def _read_boundaries(path, dataset: str) -> pd.DataFrame:
    path = existing_file(path)
    features = _features(path)
    pattern, england, expected = _AREAS[dataset]
    columns = SPELLINGS[dataset]
    codes, names, geometries, problems = [], [], [], []
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}: "
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            problems.append(f"{where}expected a GeoJSON Feature with a 'properties' object")
            continue
        properties = feature["properties"]
        keys = list(properties)
        positions, missing = match_header(keys, columns, where)
        if missing:
            problems.extend(missing)
            continue
        code = properties[keys[positions["code"]]]
        name = properties[keys[positions["name"]]]
        if not isinstance(code, str) or not re.fullmatch(pattern, code.strip()):
            problems.append(f"{where}property '{keys[positions['code']]}': expected {expected}, found {code!r}")
            continue
        geometry, problem = _geometry(feature.get("geometry"))
        if problem:
            problems.append(f"{where}({code}) {problem}")
            continue
        codes.append(code.strip())
        names.append("" if name is None else str(name).strip())
        geometries.append(geometry)
    problems = capped(problems, "features with problems")
    table = pd.DataFrame({"code": codes, "name": names, "geometry": geometries})
    repeated = table.loc[table["code"].duplicated(), "code"].unique()
    problems += capped([f"code '{code}' appears on more than one feature: expected one feature an area" for code in repeated], "repeated codes")
    raise_if_any(path, problems)
    if table.empty:
        raise DataFormatError(path, "no features: expected one feature an area")
    england_only = table[table["code"].str.startswith(england)]
    return england_only.sort_values("code").reset_index(drop=True)


def _features(path) -> list:
    try:
        document = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(path, f"not GeoJSON: the file is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise DataFormatError(
            path, f"expected a GeoJSON FeatureCollection (ONS's GeoJSON download), found type {found!r}"
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise DataFormatError(path, "expected a 'features' list in the FeatureCollection")
    return features


def _geometry(raw) -> tuple[object, str]:
    """The feature's shapely geometry, or a problem saying what is wrong with it."""
    if not isinstance(raw, dict) or raw.get("type") not in _POLYGONAL:
        found = raw.get("type") if isinstance(raw, dict) else raw
        return None, f"geometry: expected a Polygon or MultiPolygon, found {found!r}"
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as error:
        return None, f"geometry: not valid GeoJSON coordinates ({error})"
    if geometry.is_empty:
        return None, "geometry: empty (no coordinates)"
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None, (
            f"geometry: expected WGS84 longitude and latitude, found coordinates up to ({east:.0f}, {north:.0f}) "
            "(British National Grid metres?): download the GeoJSON in WGS84 (EPSG:4326)"
        )
    return geometry, ""
