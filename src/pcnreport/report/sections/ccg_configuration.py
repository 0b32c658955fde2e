"""Chapter 6, section "Networks within each commissioner" (`sec-pcn-ccgs`): Table 6.3.

Presents `pcnreport.analysis.ccg_configuration`'s results: the printed table (with the per-commissioner
data for the CSV download) and the numbers the text prints; `write_section` writes them where the
chapter includes them. The commissioner is named at the level the data have (`LEVELS`): a CCG for
releases to 2021/22, a sub-ICB location after; a sub-ICB location is never called a CCG.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.analysis.ccg_configuration import CCG_MEASURES, CcgConfiguration, raw_numbers
from pcnreport.report.commissioner_words import LEVELS, Level, link_vintage, vintage
from pcnreport.report.numbers import count, decimal, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.sections.population_profile import alignment
from pcnreport.report.tables import save_table
from pcnreport.report.wording import counted, noun, verb, whole_or_decimal

__all__ = ["LEVELS", "Level", "alignment", "configuration_table", "level_text", "numbers_for_report"]


def level_text(level: str, mapping_release: str | None = None) -> dict[str, str]:
    """The level's words, as the chapter prints them ({{< var ccg_configuration.level_name >}}, ...)."""
    words = LEVELS[level]
    return {
        "level": level,
        "level_name": words.name,
        "level_plural": words.plural,
        "level_long": words.long,
        "level_vintage": vintage(level, mapping_release),
    }


def configuration_table(config: CcgConfiguration) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.3: (the printed table, the per-commissioner unrounded data for the CSV download)."""
    words = LEVELS[config.level]
    counted = words.plural[0].upper() + words.plural[1:]  # the column of how many commissioners each row covers
    printed = []
    for m in CCG_MEASURES:
        if m.key not in config.distributions:
            continue
        dist = config.distributions[m.key]
        printed.append(
            {
                "Statistic": m.label.format(level=words.name, levels=words.plural),
                counted: count(dist.n),
                "Mean": decimal(dist.mean, 1),
                "10th percentile": decimal(dist.p10, 1),
                "Median": decimal(dist.median, 1),
                "90th percentile": decimal(dist.p90, 1),
                "Decile ratio": decimal(dist.decile_ratio, 1),
            }
        )
    # The download names its code and name columns by the level too (sub_icb_code, not ccg_code).
    data = config.ccgs.rename(columns={"ccg_code": f"{words.column}_code", "ccg_name": f"{words.column}_name"})
    return pd.DataFrame(printed), data


def numbers_for_report(config: CcgConfiguration, mapping_release: str | None = None) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers), and the
    commissioner level's words (`level_text`)."""
    text: dict = {"measures": {}, **level_text(config.level, mapping_release)}
    for key, dist in config.distributions.items():
        text["measures"][key] = {
            "n": count(dist.n),
            "mean": decimal(dist.mean, 1),
            "p10": decimal(dist.p10, 1),
            "median": decimal(dist.median, 1),
            "p90": decimal(dist.p90, 1),
            "decile_ratio": decimal(dist.decile_ratio, 1),
        }
    for key in ("ccg_count", "one_pcn", "two_or_more", "all_in_range", "none_in_range", "max_pcns", "ties",
                "split_pcns", "pcns_without_ccg"):
        text[key] = count(getattr(config, key))
    text["pcns"] = count(config.ccgs["pcns"].sum())
    text["wording"] = wording(config)
    return text


def wording(config: CcgConfiguration) -> dict[str, str]:
    """The section's sentences whose words follow its counts (`{{< var ccg_configuration.wording.* >}}`)."""
    words = LEVELS[config.level]
    pcns = config.distributions.get("pcns")
    ratio = config.distributions.get("largest_to_smallest")
    median = pcns.median if pcns is not None else float("nan")
    return {
        "median_pcns": f"{whole_or_decimal(median)} {noun(median, 'network')}",
        "single_pcn": f"{counted(config.one_pcn, words.name, words.plural)} {verb(config.one_pcn, 'has', 'have')} "
        "a single network",
        "in_range": in_range_clause(config.all_in_range, config.none_in_range, config.ccg_count, words),
        "largest_to_smallest": largest_to_smallest_clause(
            config.two_or_more, decimal(ratio.median, 1) if ratio is not None else "-", words
        ),
    }


def in_range_clause(all_in: int, none_in: int, total: int, words: Level) -> str:
    """'7 CCGs have every network within it and 1 CCG has none': how many commissioners have all their
    networks in the recommended range, and how many none."""
    if total and all_in == total:
        return f"all {counted(total, words.name, words.plural)} have every network within it"
    if total and none_in == total:
        return f"no {words.name} has a network within it"
    first = f"{counted(all_in, words.name, words.plural)} {verb(all_in, 'has', 'have')} every network within it"
    if none_in == 0:
        return f"{first}, and every {words.name} has at least one"
    return f"{first} and {counted(none_in, words.name, words.plural)} {verb(none_in, 'has', 'have')} none"


def largest_to_smallest_clause(two_or_more: int, median_ratio: str, words: Level) -> str:
    """The end of the sentence on the largest network: its size against the smallest, among the
    commissioners with two networks or more, of which there may be one or none."""
    if two_or_more == 0:
        return f"and no {words.name} has two networks or more to compare"
    if two_or_more == 1:
        return f"and, in the one {words.name} with two networks or more, is {median_ratio} times the size of the smallest"
    return (
        f"and, among the {counted(two_or_more, words.name, words.plural)} with two networks or more, is "
        f"{median_ratio} times the size of the smallest at the median"
    )


SECTION = "ccg_configuration"
MAPPING = "practice-ccg"  # the dataset whose release dates the commissioners


def write_section(output_dir: Path, config: CcgConfiguration, releases: dict[str, str], population_source: str) -> None:
    """Table 6.3 and the section's numbers. The commissioners are dated by the mapping that gave the
    practice link (`data.commissioner_link`: QOF's, or the newer monthly one), as the profiles date theirs."""
    text = {
        **numbers_for_report(config, releases.get(MAPPING)),
        "level_vintage": link_vintage(config.level, releases),
        "population_source": population_source,
        "releases": releases,
    }
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(config), text)
    table, data = configuration_table(config)
    save_table(table, "tbl-ccg-configuration", figures_dir(output_dir), data=data, align=alignment(table))
