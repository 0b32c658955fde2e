"""Every area's numbers, computed once for all areas and kept one file an area: what a profile run reads.

Why a file an area: each profile compares its area with England, so its numbers depend on nearly
every dataset (QOF, IMD, ePCN, registrations, ages, rural-urban, payments). Were the 142 profile
runs to read those files, any change to any of them would re-run all 142, even one that moves no
number a profile shows. Instead `analysis/profile-areas.ipynb` reads the data once, computes every
area (`profiles.national`, `profiles.area_profile`) and writes `_build/areas/<slug>.json`; a profile
run reads only its own file, which its run log records as a generated input, so its key is the hash
of its own numbers. A change that leaves an area's numbers as they were leaves its file byte for
byte the same, and that profile is skipped (early cut-off, as in Shake and Bazel).

The numbers are kept to `EXTRA_PLACES` decimals beyond those the report prints, and populations'
summaries to `POPULATION_PLACES`: enough for the downloadable tables to be re-used, while a change
far below any printed digit (one register in one practice, seen from England) leaves the files alone.
The files are canonical JSON (sorted keys, no spaces), so the same numbers are always the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from pcnreport.analysis import measures
from pcnreport.analysis.profiles import Area, AreaProfile, National, area_profile, icb_of, region_of
from pcnreport.core import runlog
from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import DataNotFoundError

FOLDER = Path("_build") / "areas"
EXTRA_PLACES = 2  # decimals kept beyond those printed (a characteristic printed to 1 decimal is kept to 3)
POPULATION_PLACES = 2  # decimals of the summaries of PCN populations (printed as whole patients)

PCN_COLUMNS = ("pcn_code", "pcn_name", "ccg_code", "practices", "population", "size_band")
CHARACTERISTIC_VALUES = ("area", "england", "pcn_median", "england_p10", "england_median", "england_p90")
CHARACTERISTIC_COLUMNS = ("key", "label", "places", *CHARACTERISTIC_VALUES)  # AreaProfile.characteristics' order


@dataclass(frozen=True)
class AreaRecord:
    """One area's file, read back: all a profile run needs to write its page."""

    profile: AreaProfile
    region: Area | None  # a CCG's region (None for a region)
    ccg_ons_code: str  # a CCG's ONS code, its boundary's key ("" for a region or when unknown)
    england_pcn_populations: pd.DataFrame  # population of every PCN in England (the chart's England row)
    releases: dict[str, str]  # dataset -> release the numbers were computed from
    population_source: str
    icb: Area | None = None  # a sub-ICB location's ICB (None for other areas, and in files written before ICBs)


def path_of(output_dir: Path, area_type: str, area_code: str) -> Path:
    return Path(output_dir) / FOLDER / f"{area_type}-{area_code}.json"


def _rounded(value, places: int):
    return None if value is None or pd.isna(value) else round(float(value), places)


def _distribution(dist: measures.Distribution | None) -> dict | None:
    if dist is None:
        return None
    return {f.name: (getattr(dist, f.name) if f.name == "n" else _rounded(getattr(dist, f.name), POPULATION_PLACES))
            for f in fields(dist)}


def _records(table: pd.DataFrame | None, columns) -> list[dict] | None:
    if table is None:
        return None
    chosen = table[list(columns)]
    plain = chosen.astype(object).where(chosen.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in plain.to_dict("records")]


def england_populations(national: National) -> list[int]:
    """Every PCN's population, sorted: the England row of each profile's chart (the same in every file)."""
    return sorted(int(v) for v in national.pcns["population"])


def record_of(national: National, area: Area, releases: dict[str, str], population_source: str,
              england: list[int] | None = None) -> dict:
    """The area's file as a dict (see the module for the precision kept); `england`: `england_populations`,
    when the caller writes many areas."""
    profile = area_profile(national, area.type, area.code)
    characteristics = profile.characteristics.copy()
    for column in CHARACTERISTIC_VALUES:
        characteristics[column] = [_rounded(v, places + EXTRA_PLACES)
                                   for v, places in zip(characteristics[column], characteristics["places"])]
    region, icb = region_of(national, area), icb_of(national, area)
    return {
        "area": {"type": area.type, "code": area.code, "name": area.name},
        "region": None if region is None else {"type": region.type, "code": region.code, "name": region.name},
        # The key of the area's boundary: a commissioner's ONS code (E38), or an ICB's (E54).
        "ccg_ons_code": (national.icb_ons if area.type == "icb" else national.ccg_ons).get(area.code, "")
        if area.type != "region" else "",
        "commissioner_type": profile.commissioner_type,
        "releases": dict(sorted(releases.items())),
        "population_source": population_source,
        "pcns": _records(profile.pcns, PCN_COLUMNS),
        "ccgs": _records(profile.ccgs, ("ccg_code", "ccg_name", "pcns", "population", "pcns_in_range")),
        "bands": profile.bands.__dict__,
        "england_bands": profile.england_bands.__dict__,
        "population": profile.population,
        "practices": profile.practices,
        "england_population": profile.england_population,
        "england_pcns": profile.england_pcns,
        "population_distribution": _distribution(profile.population_distribution),
        "england_population_distribution": _distribution(profile.england_population_distribution),
        "characteristics": _records(characteristics, CHARACTERISTIC_COLUMNS),
        "england_pcn_populations": england_populations(national) if england is None else england,
        # Only a sub-ICB location has an ICB: other areas' files stay as they were before ICBs.
        **({} if icb is None else {"icb": {"type": icb.type, "code": icb.code, "name": icb.name}}),
    }


def encode(record: dict) -> str:
    """Canonical JSON: the same numbers are always the same bytes."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


def write_all(output_dir: Path, national: National, releases: dict[str, str], population_source: str) -> list[Path]:
    """Every area's file (`_build/areas/<slug>.json`), and none for an area no longer in the data.

    A file whose bytes would not change is left untouched, so its modification time, like its hash,
    still says the profile that reads it has nothing new."""
    folder = Path(output_dir) / FOLDER
    england = england_populations(national)
    written = []
    for area in national.area_list:
        path = path_of(output_dir, area.type, area.code)
        text = encode(record_of(national, area, releases, population_source, england))
        try:
            unchanged = path.read_text(encoding="utf-8") == text
        except OSError:
            unchanged = False
        if unchanged:
            runlog.record_write(path)  # still this run's output: the build caches and restores it
        else:
            write_text_atomic(path, text)
        written.append(path)
    wanted = set(written)
    for stale in folder.glob("*.json"):
        if stale not in wanted:
            stale.unlink()
    return written


def read(output_dir: Path, area_type: str, area_code: str) -> AreaRecord:
    """The area's file, recorded in the run log as a generated input (the profile run's key covers it)."""
    path = path_of(output_dir, area_type, area_code)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataNotFoundError(
            f"'{path}': no numbers for {area_type} {area_code}; analysis/profile-areas.ipynb writes one file "
            "for each region, ICB and commissioner of the practice mapping, so run it (or `pcnreport build`) first"
        ) from None
    runlog.record_generated(path)
    area = Area(**data["area"])
    pcns = pd.DataFrame(data["pcns"], columns=list(PCN_COLUMNS)).astype({"practices": "int64", "population": "int64"})
    ccgs = None
    if data["ccgs"] is not None:
        ccgs = pd.DataFrame(data["ccgs"], columns=["ccg_code", "ccg_name", "pcns", "population", "pcns_in_range"])
        ccgs = ccgs.astype({"pcns": "int64", "population": "int64", "pcns_in_range": "int64"})
    dist = data["population_distribution"]
    profile = AreaProfile(
        area=area,
        pcns=pcns,
        bands=measures.SizeBands(**data["bands"]),
        england_bands=measures.SizeBands(**data["england_bands"]),
        population=data["population"],
        practices=data["practices"],
        england_population=data["england_population"],
        england_pcns=data["england_pcns"],
        population_distribution=None if dist is None else measures.Distribution(**dist),
        england_population_distribution=measures.Distribution(**data["england_population_distribution"]),
        characteristics=pd.DataFrame(data["characteristics"], columns=list(CHARACTERISTIC_COLUMNS)),
        ccgs=ccgs,
        commissioner_type=data.get("commissioner_type", "ccg"),  # files written before the key: CCGs
    )
    return AreaRecord(
        profile=profile,
        region=None if data["region"] is None else Area(**data["region"]),
        ccg_ons_code=data["ccg_ons_code"],
        england_pcn_populations=pd.DataFrame({"population": data["england_pcn_populations"]}, dtype="int64"),
        releases=data["releases"],
        population_source=data["population_source"],
        icb=None if data.get("icb") is None else Area(**data["icb"]),
    )
