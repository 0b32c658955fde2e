"""The two maps' outputs: figure fragments, tables, numbers, or a notice where a map cannot be drawn.

- `write_footprint_map` (chapter 6, Figure 6.4's map, section `footprints_map`): needs the footprint
  results (a national registrations-by-LSOA file) and the MSOA boundaries.
- `write_service_map` (chapter 4, Figure 4.2, section `service_map`): needs registrations by LSOA and the
  MSOA and commissioner boundaries; any extract holding the chosen commissioner's residents will do,
  regional or national. The commissioner is the level the build's practice mapping has (`LEVELS`): a CCG
  (boundaries of April 2020) to June 2022, a sub-ICB location (July 2022) after, and the section's text
  names that level (`level_name`), never calling a sub-ICB location a CCG.

Boundaries are optional in the catalogue: without them each map's place shows why it is missing
(`outputs.write_unavailable`; the chapters test `footprints-map-available` / `service-map-available`).
A map drawn from the synthetic sample carries a note saying so, in the chart itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.analysis import footprints, service_areas
from pcnreport.data.readers import Epcn
from pcnreport.report import maps
from pcnreport.report.figures import save_figure
from pcnreport.report.numbers import count, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path, write_unavailable
from pcnreport.report.tables import save_table
from pcnreport.report.wording import counted, verb

SYNTHETIC_NOTE = "SYNTHETIC SAMPLE: made-up areas and patients, not real places"
SYNTHETIC_CREDIT = "Synthetic boundaries made by pcnreport.synth: no ONS or Ordnance Survey data."

FOOTPRINT_MAP_SECTION = "footprints_map"
FOOTPRINT_MAP_FRAGMENTS = ("fig-pcn-footprints-map",)
SERVICE_MAP_SECTION = "service_map"
SERVICE_MAP_FRAGMENTS = ("fig-ccg-service-map", "tbl-ccg-service-map")


# Commissioner level -> (its boundaries' dataset, name, plural, the boundaries' words in a notice).
LEVELS = {
    "ccg": ("boundaries-ccg", "CCG", "CCGs", "CCG"),
    "sub-icb": ("boundaries-sub-icb", "sub-ICB location", "sub-ICB locations", "sub-ICB location"),
}


def level_words(level: str) -> tuple[str, str, str, str]:
    if level not in LEVELS:
        raise ValueError(f"commissioner level {level!r}: expected one of {', '.join(LEVELS)}")
    return LEVELS[level]


def map_labels(synthetic: bool, attribution: str) -> tuple[str, str]:
    """(note, credit) for a map: the synthetic label and credit, or the licence's credit line."""
    return (SYNTHETIC_NOTE, SYNTHETIC_CREDIT) if synthetic else ("", attribution)


def write_footprint_map(
    output_dir: Path,
    results: footprints.FootprintResults | None,
    msoa_boundaries: pd.DataFrame | None,
    releases: dict[str, str],
    *,
    synthetic: bool,
    attribution: str,
) -> Path | None:
    """Figure 6.4's map, or a notice. Returns the spec's path when drawn."""
    reason = _footprint_map_missing(results, msoa_boundaries)
    if reason:
        write_unavailable(output_dir, FOOTPRINT_MAP_SECTION, FOOTPRINT_MAP_FRAGMENTS, reason, releases)
        return None
    note, credit = map_labels(synthetic, attribution)
    chart = maps.footprint_map(results, msoa_boundaries, note=note, attribution=credit)
    drawn = results.msoas["msoa_code"].isin(msoa_boundaries["code"])
    spec_size = maps.spec_bytes(chart)
    raw = {"available": True, "releases": releases, "msoas_drawn": int(drawn.sum()),
           "msoas_without_boundary": int((~drawn).sum()), "spec_bytes": spec_size}
    text = {"available": True, "unavailable_reason": "", "releases": releases, "msoas_drawn": count(drawn.sum()),
            "spec_kb": count(spec_size / 1000)}
    write_numbers(numbers_path(output_dir, FOOTPRINT_MAP_SECTION), raw, text)
    paths = save_figure(chart, FOOTPRINT_MAP_FRAGMENTS[0], figures_dir(output_dir), maps.footprint_map_alt_text(results))
    return paths["spec"]


def _footprint_map_missing(results, msoa_boundaries) -> str:
    if results is None:
        return "The map needs the national registrations by LSOA; see the section's note above."
    if msoa_boundaries is None:
        return ("The MSOA boundaries (ONS, catalogue dataset `boundaries-msoa`) are not in this build's data "
                "folder, so the map could not be drawn; the counts behind it are in the table below.")
    return ""


def write_service_map(
    output_dir: Path,
    registrations: pd.DataFrame,
    lsoa_msoa: pd.DataFrame,
    epcn: Epcn,
    msoa_boundaries: pd.DataFrame | None,
    ccg_boundaries: pd.DataFrame | None,
    ccg_code: str,
    releases: dict[str, str],
    *,
    synthetic: bool,
    attribution: str,
    threshold: float = footprints.DEFAULT_THRESHOLD,
    level: str = "ccg",
) -> pd.DataFrame | None:
    """Figure 4.2 for `ccg_code` (empty: `service_areas.default_ccg`), its table and numbers, or a notice.
    `ccg_boundaries` are the boundaries of the commissioner `level` ("ccg", or "sub-icb": `LEVELS`).
    Returns the per-MSOA table when drawn."""
    dataset, name, _plural, boundary_words = level_words(level)
    if msoa_boundaries is None or ccg_boundaries is None:
        missing = " and ".join(n for n, table in (("MSOA", msoa_boundaries), (boundary_words, ccg_boundaries)) if table is None)
        reason = (f"The {missing} boundaries (ONS; catalogue datasets `boundaries-msoa`, `{dataset}`) are not in "
                  f"this build's data folder, so the map of one {name}'s networks could not be drawn.")
        write_unavailable(output_dir, SERVICE_MAP_SECTION, SERVICE_MAP_FRAGMENTS, reason, releases)
        return None
    residents = footprints.residents_by_msoa_and_pcn(registrations, epcn.members, lsoa_msoa)
    ccg_code = ccg_code or service_areas.default_ccg(residents, msoa_boundaries, ccg_boundaries)
    _, ccg_name = service_areas.ccg_area(ccg_boundaries, ccg_code)
    areas = service_areas.ccg_service_areas(residents, msoa_boundaries, ccg_boundaries, ccg_code, threshold)
    names = epcn.pcns.set_index("pcn_code")["pcn_name"]
    note, credit = map_labels(synthetic, attribution)
    chart = maps.ccg_service_chart(areas, names, msoa_boundaries, ccg_boundaries, ccg_code,
                                   threshold=threshold, note=note, attribution=credit)
    out = figures_dir(output_dir)
    save_figure(chart, SERVICE_MAP_FRAGMENTS[0], out, maps.ccg_map_alt_text(areas, ccg_name, threshold))
    summary = pcn_summary(areas, names, threshold)
    save_table(summary, SERVICE_MAP_FRAGMENTS[1], out, data=msoa_download(areas, names),
               align={column: "l" if i < 2 else "r" for i, column in enumerate(summary.columns)})
    raw, text = service_map_numbers(areas, ccg_code, ccg_name, threshold, level)
    write_numbers(numbers_path(output_dir, SERVICE_MAP_SECTION), {**raw, "releases": releases},
                  {**text, "releases": releases, "unavailable_reason": ""})
    return areas


def service_map_numbers(areas: pd.DataFrame, ccg_code: str, ccg_name: str, threshold: float,
                        level: str = "ccg") -> tuple[dict, dict]:
    """The chapter's numbers about the map: MSOAs, PCNs dominant somewhere, and how shared the areas are;
    and the commissioner level's words (`level_name`, `level_plural`) the chapter prints."""
    _dataset, name, plural, _ = level_words(level)
    served = areas[areas["dominant_pcn"].notna()]
    raw = {
        "available": True,
        "level": level,
        "ccg_code": ccg_code,
        "ccg_name": ccg_name,
        "threshold": threshold,
        "msoas": len(areas),
        "msoas_without_residents": int(areas["dominant_pcn"].isna().sum()),
        "dominant_pcns": int(served["dominant_pcn"].nunique()),
        "msoas_shared": int((served["pcns_1pct"] >= 2).sum()),
        "msoas_no_majority": int((served["dominant_share"] < 0.5).sum()),
        "max_pcns_1pct": int(served["pcns_1pct"].max()) if len(served) else 0,
    }
    text = {
        **{key: count(value) for key, value in raw.items() if isinstance(value, int) and key != "available"},
        "available": True,
        "level": level,
        "level_name": name,
        "level_plural": plural,
        "ccg_code": ccg_code,
        "ccg_name": ccg_name.removeprefix("NHS ").strip(),
        "threshold_pct": percent(threshold, 0 if (100 * threshold).is_integer() else 1),
    }
    text["wording"] = service_map_wording(raw, text["threshold_pct"])
    return raw, text


def service_map_wording(raw: dict, threshold_pct: str) -> dict:
    """Chapter 4's sentences about the map, agreeing with its counts: `dominant` ('15 networks each serve',
    '1 network serves') and `sharing`, how many areas are shared and how many have no majority network."""
    dominant = raw["dominant_pcns"]
    served = raw["msoas"] - raw["msoas_without_residents"]
    shared, no_majority = raw["msoas_shared"], raw["msoas_no_majority"]
    if shared == 0:
        sharing = f"No area has two or more networks each with at least {threshold_pct} of its residents"
    else:
        where = "every one of those areas" if shared == served else f"{count(shared)} of those areas"
        sharing = (f"Two or more networks each have at least {threshold_pct} of the residents in {where}, "
                   f"up to {counted(raw['max_pcns_1pct'], 'network')} in one area")
    if no_majority == 0:
        sharing += "; in every area one network has at least half of the residents"
    elif no_majority == served:
        sharing += "; in none does a single network have half of the residents"
    else:
        sharing += f"; in {count(no_majority)} of them no single network has half of the residents"
    return {
        "dominant": f"{counted(dominant, 'network')} {verb(dominant, 'serves', 'each serve')}",
        "sharing": sharing,
    }


def service_map_inputs(inputs) -> tuple[str, pd.DataFrame | None]:
    """(level, its boundaries or None) for a `pcnreport.data.inputs.DataInputs`: the level of the build's
    practice -> commissioner link (`data.commissioner_link`). A sub-ICB-era build without sub-ICB
    boundaries gets None (the section's notice), not the CCG boundaries: the text would name CCGs."""
    from pcnreport.data import commissioner_link

    level = commissioner_link.practice_commissioners(inputs).table.attrs.get("commissioner_level", "ccg")
    return level, inputs.read_optional(level_words(level)[0])


def pcn_summary(areas: pd.DataFrame, pcn_names: pd.Series, threshold: float = footprints.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """The displayed table: each PCN serving most residents somewhere in the CCG, with its MSOAs, the
    median share it holds there, and the MSOAs of the CCG where it has at least the threshold share."""
    served = areas[areas["dominant_pcn"].notna()]
    rows = []
    for pcn, group in served.groupby("dominant_pcn", sort=True):
        present = areas["pcn_shares"].str.contains(f"{pcn} ", regex=False).sum()
        rows.append((pcn, pcn_names.get(pcn, ""), len(group), percent(group["dominant_share"].median()), count(present)))
    shown = percent(threshold, 0 if (100 * threshold).is_integer() else 1)
    return pd.DataFrame(rows, columns=["PCN", "Name", "MSOAs where it serves most residents",
                                       "Median share there", f"MSOAs where it has at least {shown}"])


def msoa_download(areas: pd.DataFrame, pcn_names: pd.Series) -> pd.DataFrame:
    """The CSV: every MSOA of the map with the numbers it shows."""
    table = areas.copy()
    table.insert(4, "dominant_pcn_name", table["dominant_pcn"].map(pcn_names))
    table["dominant_share"] = table["dominant_share"].round(4)
    return table
