"""Chapter 6, section "The populations networks serve" (`sec-pcn-populations`): Tables 6.1 and 6.2.

Presents `pcnreport.analysis.population_profile`'s results: the printed tables (with their
unrounded data for the CSV download) and the numbers the text prints; `write_section` writes them
where the chapter includes them. `alignment` serves Table 6.3 too (`sections.ccg_configuration`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd

from pcnreport.analysis.population_profile import (
    AFFLUENT_DECILES,
    BAND_ORDER,
    DEPRIVED_DECILES,
    MIN_LSOA_COVERAGE,
    QOF_INDICATORS,
    PopulationProfile,
    raw_numbers,
)
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.tables import save_table

BAND_HEADINGS = {"under": "Under 30,000", "within": "30,000 to 50,000", "over": "Over 50,000"}


def alignment(table: pd.DataFrame) -> dict[str, str]:
    """`tables.save_table`'s align for a printed table: the label column left, the figures right
    (its cells are all formatted text, which `pipe_table` would otherwise align left)."""
    return {column: "l" if i == 0 else "r" for i, column in enumerate(table.columns)}


def _format(value: float, places: int) -> str:
    return decimal(value, places)


def characteristics_table(profile: PopulationProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.1: (the printed table, its unrounded data for the CSV download)."""
    printed, data = [], []
    for m in profile.measures:
        dist = profile.distributions[m.key]
        printed.append(
            {
                "Population characteristic": m.label,
                "PCNs": count(dist.n),
                "Mean": _format(dist.mean, m.places),
                "10th percentile": _format(dist.p10, m.places),
                "Median": _format(dist.median, m.places),
                "90th percentile": _format(dist.p90, m.places),
                "Decile ratio": decimal(dist.decile_ratio, 1),
            }
        )
        data.append({"measure": m.key, "label": m.label, **asdict(dist), "decile_ratio": dist.decile_ratio})
    return pd.DataFrame(printed), pd.DataFrame(data)


def band_heading(profile: PopulationProfile, band: str) -> str:
    return f"{BAND_HEADINGS[band]} ({count(getattr(profile.bands, band))} PCNs)"


def by_size_table(profile: PopulationProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.2: the mean of each measure by size band, (printed, unrounded data with n per cell)."""
    printed, data = [], []
    for m in profile.measures:
        row = {"Population characteristic": m.label}
        for band in BAND_ORDER:
            row[band_heading(profile, band)] = _format(profile.band_means.loc[m.key, band], m.places)
            in_band = profile.pcns.loc[profile.pcns["size_band"] == band, m.key]
            data.append(
                {"measure": m.key, "label": m.label, "size_band": band, "n": int(in_band.notna().sum()),
                 "mean": profile.band_means.loc[m.key, band]}
            )
        printed.append(row)
    return pd.DataFrame(printed), pd.DataFrame(data)


def numbers_for_report(profile: PopulationProfile) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers)."""
    text: dict = {"pcns": count(len(profile.pcns)), "measures": {}, "by_size": {}}
    for m in profile.measures:
        dist = profile.distributions[m.key]
        text["measures"][m.key] = {
            "n": count(dist.n),
            "mean": _format(dist.mean, m.places),
            "p10": _format(dist.p10, m.places),
            "median": _format(dist.median, m.places),
            "p90": _format(dist.p90, m.places),
            "decile_ratio": decimal(dist.decile_ratio, 1),
        }
    for band in BAND_ORDER:
        text["by_size"][band] = {"pcns": count(getattr(profile.bands, band))}
        for m in profile.measures:
            text["by_size"][band][m.key] = _format(profile.band_means.loc[m.key, band], m.places)
    qof_n = [profile.distributions[k].n for k in (f"prev_{c}" for c in QOF_INDICATORS) if k in profile.distributions]
    text["qof_pcns"] = count(min(qof_n)) if qof_n else "-"
    text["qof_list_types"] = dict(profile.qof_list_types)
    text["lsoa_low_coverage_pcns"] = count(profile.lsoa_low_coverage_pcns)
    text["lsoa_unclassified"] = {k: count(v) for k, v in profile.lsoa_unclassified.items()}
    text["min_lsoa_coverage_pct"] = f"{100 * MIN_LSOA_COVERAGE:.0f}%"
    text["lsoa_available"] = profile.lsoa_available
    text["lsoa_coverage_pct"] = percent(profile.lsoa_coverage, 1) if profile.lsoa_coverage is not None else "-"
    text["deprived_deciles"] = "–".join(str(d) for d in (DEPRIVED_DECILES[0], DEPRIVED_DECILES[-1]))
    text["affluent_deciles"] = "–".join(str(d) for d in (AFFLUENT_DECILES[0], AFFLUENT_DECILES[-1]))
    return text


SECTION = "population_profile"


def write_section(output_dir: Path, profile: PopulationProfile, releases: dict[str, str], population_source: str) -> None:
    """Tables 6.1 and 6.2 and the section's numbers."""
    text = {**numbers_for_report(profile), "population_source": population_source, "releases": releases}
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(profile), text)
    out = figures_dir(output_dir)
    for name, (table, data) in (
        ("tbl-pcn-characteristics", characteristics_table(profile)),
        ("tbl-pcn-characteristics-by-size", by_size_table(profile)),
    ):
        save_table(table, name, out, data=data, align=alignment(table))
