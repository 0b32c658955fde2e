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
from pcnreport.report.wording import capitalise, count_or_none, counted, join, verb


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
        "wording": {
            "federations": federations_phrase(raw["federations"]),
            "super_practices": super_practices_clause(raw["super_practices"]),
            "configurations": configurations_sentence(raw["configurations"]),
        },
    }


def federations_phrase(n: int) -> str:
    """What member practices belong to: 'one of 212 federations', 'the one federation', 'a federation'."""
    if n == 0:
        return "a federation"
    return "the one federation" if n == 1 else f"one of {count(n)} federations"


def super_practices_clause(n: int) -> str:
    """'166 super-practices are recorded', '1 super-practice is recorded', 'no super-practices are recorded'."""
    return f"{counted(n, 'super-practice')} {verb(n, 'is', 'are')} recorded"


# How each configuration of super-practices is said of n networks: (singular, plural) predicates.
_CONFIGURATION_WORDS = {
    "stand_alone": ("is a super-practice on its own", "are each a super-practice on its own"),
    "one_plus_small": ("joins one super-practice with smaller partners", "join one super-practice with smaller partners"),
    "two": ("brings two super-practices together", "bring two super-practices together"),
    "three_or_more": ("brings three super-practices or more together", "bring three super-practices or more together"),
}


def configurations_sentence(configurations: dict[str, int]) -> str:
    """The sentence on networks built around super-practices, each configuration with its count; the
    configurations no network has are said once, with 'none', rather than printed as zeros."""
    counts = {key: configurations.get(key, 0) for key in _CONFIGURATION_WORDS}
    if not any(counts.values()):
        return "None of the networks includes a super-practice."
    present = [
        f"{count(n)} {verb(n, *_CONFIGURATION_WORDS[key])}" for key, n in counts.items() if n
    ]
    absent = [key for key, n in counts.items() if not n]
    if {"two", "three_or_more"} <= set(absent):
        # One phrase for both, rather than 'none brings two ... and none brings three or more ...'.
        absent = [key for key in absent if key not in ("two", "three_or_more")] + ["two_or_more"]
    singular = {**{key: words[0] for key, words in _CONFIGURATION_WORDS.items()},
                "two_or_more": "brings two super-practices or more together"}
    sentence = f"Of the networks, {join(present)}"
    if absent:
        sentence += f"; {count_or_none(0)} {join([singular[key] for key in absent], 'or')}"
    return capitalise(sentence) + "."


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
