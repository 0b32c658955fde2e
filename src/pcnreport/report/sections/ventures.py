"""Chapter 6, section "Pre-existing GP ventures" (`sec-pcn-ventures`): Table 6.4.

Presents `pcnreport.analysis.ventures`'s results: the printed table, its download and the numbers
the text prints; `write_section` writes them where the chapter includes them, or a notice when the
research data (Forbes et al. 2019) were not supplied. The data are not public, so the download holds
the summary only, never a practice's row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.analysis.ventures import VentureResults, raw_numbers, venture_results
from pcnreport.report.numbers import count, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path, write_unavailable
from pcnreport.report.tables import save_table


def numbers_for_report(results: VentureResults) -> dict:
    raw = raw_numbers(results)
    return {
        "practices": count(raw["practices"]),
        "pcns": count(raw["pcns"]),
        "categories": {
            key: {"practices": count(v["practices"]), "pct": percent(v["share"])} for key, v in raw["categories"].items()
        },
        "together_pct": percent(raw["together_share"]),
        "in_federation_pct": percent(1 - raw["categories"]["none"]["share"]) if raw["practices"] else "-",
        "configurations": {key: count(n) for key, n in raw["configurations"].items()},
        "pcns_with_super_practice": count(raw["pcns_with_super_practice"]),
        "federations": count(raw["federations"]),
        "super_practices": count(raw["super_practices"]),
    }


def display_table(results: VentureResults) -> pd.DataFrame:
    """Table 6.4 as printed: the categories, then a total row."""
    summary = results.summary
    total = int(summary["practices"].sum())
    return pd.DataFrame(
        {
            "Share of the PCN's other practices in the same federation": [*summary["category"], "Total"],
            "Number of GP practices": [*(count(n) for n in summary["practices"]), count(total)],
            "Percent": [*(percent(s) for s in summary["share"]), percent(1.0) if total else "-"],
        }
    )


def align(table: pd.DataFrame) -> dict[str, str]:
    """tables.save_table's alignment for the displayed table: categories left, numbers right."""
    return {column: "l" if i == 0 else "r" for i, column in enumerate(table.columns)}


def download_table(results: VentureResults) -> pd.DataFrame:
    """The CSV beside Table 6.4: the summary, unrounded. No practice-level rows: the data are not public."""
    return results.summary.rename(columns={"share": "share_of_practices"})


# --- The section's outputs --------------------------------------------------------------------------

SECTION = "ventures"
FRAGMENTS = ("tbl-federations",)
NOT_SUPPLIED = (
    "Table 6.4 needs the federation and super-practice data of Forbes et al. (2019): research data "
    "the evaluation team supplies, not a public release. This build had none; the data catalogue "
    "(data/catalogue.yaml, dataset 'federations') describes the file to place in the data folder."
)


def write_section(
    output_dir: Path, members: pd.DataFrame, federations: pd.DataFrame | None, releases: dict[str, str]
) -> VentureResults | None:
    """Table 6.4 and its numbers; a notice instead when the research data were not supplied."""
    if federations is None:
        write_unavailable(output_dir, SECTION, FRAGMENTS, NOT_SUPPLIED, releases)
        return None
    results = venture_results(members, federations)
    text = {**numbers_for_report(results), "available": True, "unavailable_reason": "", "releases": releases}
    raw = {**raw_numbers(results), "available": True, "releases": releases}
    write_numbers(numbers_path(output_dir, SECTION), raw, text)
    table = display_table(results)
    save_table(table, "tbl-federations", figures_dir(output_dir), data=download_table(results), align=align(table))
    return results
