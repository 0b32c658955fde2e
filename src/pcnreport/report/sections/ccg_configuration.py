"""Chapter 6, section "Networks within each commissioner" (`sec-pcn-ccgs`): Table 6.3.

Presents `pcnreport.analysis.ccg_configuration`'s results: the printed table (with the per-CCG
data for the CSV download) and the numbers the text prints; `write_section` writes them where the
chapter includes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.analysis.ccg_configuration import CCG_MEASURES, CcgConfiguration, raw_numbers
from pcnreport.report.numbers import count, decimal, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.sections.population_profile import alignment
from pcnreport.report.tables import save_table

__all__ = ["alignment", "configuration_table", "numbers_for_report"]


def configuration_table(config: CcgConfiguration) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.3: (the printed table, the per-CCG unrounded data for the CSV download)."""
    printed = []
    for m in CCG_MEASURES:
        if m.key not in config.distributions:
            continue
        dist = config.distributions[m.key]
        printed.append(
            {
                "Statistic": m.label,
                "CCGs": count(dist.n),
                "Mean": decimal(dist.mean, 1),
                "10th percentile": decimal(dist.p10, 1),
                "Median": decimal(dist.median, 1),
                "90th percentile": decimal(dist.p90, 1),
                "Decile ratio": decimal(dist.decile_ratio, 1),
            }
        )
    return pd.DataFrame(printed), config.ccgs


def numbers_for_report(config: CcgConfiguration) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers)."""
    text: dict = {"measures": {}}
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
    return text


SECTION = "ccg_configuration"


def write_section(output_dir: Path, config: CcgConfiguration, releases: dict[str, str], population_source: str) -> None:
    """Table 6.3 and the section's numbers."""
    text = {**numbers_for_report(config), "population_source": population_source, "releases": releases}
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(config), text)
    table, data = configuration_table(config)
    save_table(table, "tbl-ccg-configuration", figures_dir(output_dir), data=data, align=alignment(table))
