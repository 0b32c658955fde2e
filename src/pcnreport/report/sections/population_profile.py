"""Chapter 6, section "The populations networks serve" (`sec-pcn-populations`): Tables 6.1 and 6.2.

Presents `pcnreport.analysis.population_profile`'s results: the printed tables (with their
unrounded data for the CSV download) and the numbers the text prints; `write_section` writes them
where the chapter includes them. `alignment` serves Table 6.3 too (`sections.ccg_configuration`).
The editions the chapter names (the QOF year, the number of conditions, the IMD and Rural-Urban
Classification years, the population source) come from the releases the notebook read, so a build on
another release says so; a QOF register the release lacks keeps its row, marked "not in this release".
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from pcnreport.analysis.measures import MIN_P10_OF_MEDIAN
from pcnreport.analysis.population_profile import (
    AFFLUENT_DECILES,
    BAND_ORDER,
    DEPRIVED_DECILES,
    MEASURES,
    MIN_LSOA_COVERAGE,
    QOF_INDICATORS,
    Measure,
    PopulationProfile,
    raw_numbers,
)
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.small_area_text import rural_classes, small_areas_note
from pcnreport.report.tables import save_table
from pcnreport.report.wording import count_or_none, counted, join, verb

BAND_HEADINGS = {"under": "Under 30,000", "within": "30,000 to 50,000", "over": "Over 50,000"}

# What a row of Tables 6.1 and 6.2 says for a register the build's QOF release does not publish.
NOT_IN_RELEASE = "not in this release"

# The datasets the PCN populations come from (`--population-source`), named as their publishers do.
POPULATION_SOURCES = {
    "registrations": ("registrations", "Patients Registered at a GP Practice"),
    "payments": ("payments", "NHS Payments to General Practice"),
}

_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(n: int) -> str:
    """A count as the prose writes it: words up to ten, figures above ('eight', '12')."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else count(n)


def qof_year(release: str | None) -> str:
    """The QOF year a release id names, as the report prints it: '2020-21' -> '2020/21'.

    QOF is published by financial year and the catalogue names its releases '<YYYY>-<YY>'; an id of
    another shape is printed as it is rather than guessed at.
    """
    if not release:
        return "-"
    found = re.fullmatch(r"(\d{4})-(\d{2})", release)
    return f"{found[1]}/{found[2]}" if found else release


def edition_year(release: str | None) -> str:
    """The year of an edition such as the IMD's or the Rural-Urban Classification's ('2019' -> '2019')."""
    if not release:
        return "-"
    found = re.match(r"\d{4}", release)
    return found[0] if found else release


def _qof_release(releases: dict[str, str] | None) -> str | None:
    return (releases or {}).get("qof-prevalence")


def missing_reason(profile: PopulationProfile, releases: dict[str, str] | None = None) -> str:
    """One sentence naming the registers the QOF release lacks, or '' when it has them all."""
    if not profile.qof_missing:
        return ""
    names = [f"{QOF_INDICATORS[code]} ({code})" for code in profile.qof_missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb, whose = ("is", "its register is") if len(names) == 1 else ("are", "their registers are")
    return f"{listed} {verb} {NOT_IN_RELEASE}: {whose} not in QOF {qof_year(_qof_release(releases))}."


def _absent_row(m: Measure, columns: list[str]) -> dict[str, str]:
    # The first figure column carries the words, the others stay blank: the row is kept, and says why
    # it has no figures, rather than vanishing from one build to the next.
    return {"Population characteristic": m.label, columns[0]: NOT_IN_RELEASE, **dict.fromkeys(columns[1:], "")}


def alignment(table: pd.DataFrame) -> dict[str, str]:
    """`tables.save_table`'s align for a printed table: the label column left, the figures right
    (its cells are all formatted text, which `pipe_table` would otherwise align left)."""
    return {column: "l" if i == 0 else "r" for i, column in enumerate(table.columns)}


def _format(value: float, places: int) -> str:
    return decimal(value, places)


def _rows(profile: PopulationProfile) -> list[tuple[Measure, bool]]:
    """(measure, computed) in the report's order: those computed, and the QOF registers not in the release."""
    absent = set(profile.not_in_release)
    return [(m, m.key in profile.distributions) for m in MEASURES if m.key in profile.distributions or m in absent]


def characteristics_table(
    profile: PopulationProfile, releases: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.1: (the printed table, its unrounded data for the CSV download).

    A QOF register the release lacks keeps its row, saying "not in this release"; the download's
    `note` gives the reason (`releases` names the QOF release read).
    """
    columns = ["PCNs", "Mean", "10th percentile", "Median", "90th percentile", "Decile ratio"]
    reason = missing_reason(profile, releases)
    printed, data = [], []
    for m, computed in _rows(profile):
        if not computed:
            printed.append(_absent_row(m, columns))
            data.append({"measure": m.key, "label": m.label, "n": 0, "note": reason})
            continue
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
        data.append({"measure": m.key, "label": m.label, **asdict(dist), "decile_ratio": dist.decile_ratio, "note": ""})
    return pd.DataFrame(printed), pd.DataFrame(data)


def band_heading(profile: PopulationProfile, band: str) -> str:
    return f"{BAND_HEADINGS[band]} ({count(getattr(profile.bands, band))} PCNs)"


def by_size_table(profile: PopulationProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 6.2: the mean of each measure by size band, (printed, unrounded data with n per cell)."""
    printed, data = [], []
    headings = [band_heading(profile, band) for band in BAND_ORDER]
    for m, computed in _rows(profile):
        if not computed:
            printed.append(_absent_row(m, headings))
            data += [{"measure": m.key, "label": m.label, "size_band": band, "n": 0, "mean": None} for band in BAND_ORDER]
            continue
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


def _smaller_stands_out(means: pd.Series) -> int:
    """+1 when networks under the range have the highest mean of the three size bands, -1 the lowest, else 0."""
    under, others = means["under"], [means["within"], means["over"]]
    if any(pd.isna(v) for v in [under, *others]):
        return 0
    return 1 if under > max(others) else -1 if under < min(others) else 0


def size_contrast(profile: PopulationProfile) -> str:
    """6.2's claim about smaller networks, as the band means have it: their age, then their recorded illness
    (how many of the QOF conditions are highest, or lowest, among networks under the range)."""
    means = profile.band_means
    age = _smaller_stands_out(means.loc["pct_65_plus"]) if "pct_65_plus" in means.index else 0
    claim = {1: "smaller networks serve older populations",
             -1: "smaller networks serve younger populations",
             0: "networks under the range are neither the oldest nor the youngest of the three size bands"}[age]
    conditions = [f"prev_{code}" for code in profile.qof_indicators if f"prev_{code}" in means.index]
    if not conditions:
        return claim
    signs = [_smaller_stands_out(means.loc[key]) for key in conditions]
    higher, lower, total = signs.count(1), signs.count(-1), len(conditions)
    def of(n: int) -> str:
        return f"all {total} conditions" if n == total else f"{n} of the {total} conditions"

    if higher > total / 2:
        return f"{claim}, with the highest recorded prevalence of {of(higher)}"
    if lower > total / 2:
        return f"{claim}, with the lowest recorded prevalence of {of(lower)}"
    return (f"{claim}; recorded illness shows no steady pattern by size ({count_or_none(higher)} of the {total} "
            f"conditions {verb(higher, 'is', 'are')} highest among them, {count_or_none(lower)} lowest)")


def ratio_rule(profile: PopulationProfile) -> str:
    """The methods note on suppressed decile ratios: the threshold, and which rows of Table 6.1 it blanks."""
    blank = [m.label for m in profile.measures
             if m.key in profile.distributions and math.isnan(profile.distributions[m.key].decile_ratio)]
    rule = (f"A decile ratio is printed as \"-\" where P10 is under {percent(MIN_P10_OF_MEDIAN)} of the median: "
            "there the lowest tenth of networks is close to zero and the ratio would say how close, not how "
            "widely networks differ")
    if not blank:
        return rule + "; in this build no row is blanked."
    rows = join([label[0].lower() + label[1:] for label in blank])
    return rule + f". In this build that blanks {counted(len(blank), 'row')}: {rows}."


def numbers_for_report(profile: PopulationProfile, releases: dict[str, str] | None = None) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers).

    `releases` (dataset -> release read) gives the editions the text names: the QOF year, the IMD's
    and the Rural-Urban Classification's years.
    """
    releases = releases or {}
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
    text["decile_ratio_rule"] = ratio_rule(profile)
    text["size_contrast"] = size_contrast(profile)
    text["qof_list_types"] = dict(profile.qof_list_types)
    text["qof_year"] = qof_year(_qof_release(releases))
    text["qof_conditions"] = count(len(profile.qof_indicators))
    text["qof_conditions_words"] = in_words(len(profile.qof_indicators))
    text["qof_missing_note"] = missing_reason(profile, releases)
    text["imd_year"] = edition_year(releases.get("imd"))
    text["ruc_year"] = edition_year(releases.get("ruc"))
    text["small_areas_note"] = small_areas_note(profile.small_areas)  # Appendix B: the LSOA vintage and how
    text["rural_classes"] = rural_classes(profile.small_areas)  # the RUC edition's rural classes
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
    dataset, title = POPULATION_SOURCES[population_source]
    text = {
        **numbers_for_report(profile, releases),
        "population_source": population_source,
        "population_source_title": title,
        "population_release": releases.get(dataset, "-"),
        "releases": releases,
    }
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(profile), text)
    out = figures_dir(output_dir)
    for name, (table, data) in (
        ("tbl-pcn-characteristics", characteristics_table(profile, releases)),
        ("tbl-pcn-characteristics-by-size", by_size_table(profile)),
    ):
        save_table(table, name, out, data=data, align=alignment(table))
