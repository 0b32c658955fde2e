"""Chapter 6, section 6.1: how PCNs vary in registered population and number of practices.

Joins the ePCN membership with practice list sizes and summarises the result with the statistics
the notes of Figures 6.1 to 6.3 give. The chapter's numbers come from `numbers_for_report`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pathlib import Path

from pcnreport.report import figures
from pcnreport.analysis import measures
from pcnreport.report.numbers import count, decimal, percent, rounded, write_numbers
from pcnreport.data.readers import Epcn
from pcnreport.report.outputs import figures_dir, numbers_path

# Thresholds the report names in the text of Figure 6.1 (1% under 24,000; 5% over 80,000).
SMALL_TAIL, LARGE_TAIL = 24_000, 80_000


@dataclass(frozen=True)
class PcnSizeResults:
    sizes: pd.DataFrame  # one row a PCN: pcn_code, pcn_name, ccg_code, practices, population, ...
    population: measures.Distribution
    practices: measures.Distribution
    bands: measures.SizeBands
    extremes: measures.PracticeCountExtremes
    share_below_small_tail: float
    share_above_large_tail: float
    correlation: float
    member_practices: int
    practices_without_list_size: int


def pcn_size_results(epcn: Epcn, list_sizes: pd.DataFrame) -> PcnSizeResults:
    sizes = measures.pcn_sizes(epcn.members, list_sizes)
    sizes = sizes.merge(epcn.pcns[["pcn_code", "pcn_name", "ccg_code"]], on="pcn_code", how="left")
    sizes["size_band"] = measures.size_band(sizes["population"])
    return PcnSizeResults(
        sizes=sizes,
        population=measures.describe(sizes["population"]),
        practices=measures.describe(sizes["practices"]),
        bands=measures.size_bands(sizes["population"]),
        extremes=measures.practice_count_extremes(sizes["practices"]),
        share_below_small_tail=measures.share_below(sizes["population"], SMALL_TAIL),
        share_above_large_tail=measures.share_above(sizes["population"], LARGE_TAIL),
        correlation=measures.correlation(sizes["practices"], sizes["population"]),
        member_practices=int(sizes["practices"].sum()),
        practices_without_list_size=int(sizes["practices_without_list_size"].sum()),
    )


def raw_numbers(results: PcnSizeResults) -> dict:
    """Every statistic unformatted, for tests and for comparing builds."""
    return {
        "pcns": len(results.sizes),
        "member_practices": results.member_practices,
        "practices_without_list_size": results.practices_without_list_size,
        "population": {**asdict(results.population), "decile_ratio": results.population.decile_ratio},
        "practices": {**asdict(results.practices), "decile_ratio": results.practices.decile_ratio},
        "bands": asdict(results.bands),
        "extremes": asdict(results.extremes),
        "share_below_small_tail": results.share_below_small_tail,
        "share_above_large_tail": results.share_above_large_tail,
        "correlation": results.correlation,
    }


def numbers_for_report(results: PcnSizeResults) -> dict:
    """The chapter's numbers, formatted as the report prints them (see pcnreport.report.numbers)."""
    pop, prac, bands, ext = results.population, results.practices, results.bands, results.extremes
    n = len(results.sizes)
    return {
        "pcns": count(n),
        "member_practices": count(results.member_practices),
        "practices_without_list_size": count(results.practices_without_list_size),
        "ccgs": count(results.sizes["ccg_code"].nunique()),
        "population": {
            "mean": rounded(pop.mean, 100),
            "median": rounded(pop.median, 100),
            "p10": rounded(pop.p10, 100),
            "p90": rounded(pop.p90, 100),
            "min": count(pop.minimum),
            "max": count(pop.maximum),
            "decile_ratio": decimal(pop.decile_ratio, 1),
            "under_n": count(bands.under),
            "within_n": count(bands.within),
            "over_n": count(bands.over),
            "under_pct": percent(bands.share("under")),
            "within_pct": percent(bands.share("within")),
            "over_pct": percent(bands.share("over")),
            "below_small_tail_pct": percent(results.share_below_small_tail),
            "above_large_tail_pct": percent(results.share_above_large_tail),
            "small_tail": count(SMALL_TAIL),
            "large_tail": count(LARGE_TAIL),
            "range_lower": count(bands.lower),
            "range_upper": count(bands.upper),
        },
        "practices": {
            "mean": decimal(prac.mean, 1),
            "median": decimal(prac.median, 0),
            "p10": decimal(prac.p10, 0),
            "p90": decimal(prac.p90, 0),
            "max": count(prac.maximum),
            "decile_ratio": decimal(prac.decile_ratio, 1),
            "single": count(ext.single_practice),
            "ten_or_more": count(ext.ten_or_more),
            "more_than_ten": count(ext.more_than_ten),
            "at_most_p10_pct": percent(ext.at_most_p10 / n),
            "at_least_p90_pct": percent(ext.at_least_p90 / n),
            "correlation": decimal(results.correlation, 2),
        },
    }


def alt_texts(results: PcnSizeResults) -> dict[str, str]:
    """Alternative text for each figure, stating what it shows with the computed numbers."""
    text = numbers_for_report(results)
    pop, prac = text["population"], text["practices"]
    return {
        "fig-pcn-population": (
            f"Histogram of {text['pcns']} PCNs by registered population, from {pop['min']} to {pop['max']}. "
            f"{pop['within_pct']} lie within {pop['range_lower']} to {pop['range_upper']}, "
            f"{pop['under_pct']} under and {pop['over_pct']} over; median {pop['median']}."
        ),
        "fig-pcn-practices": (
            f"Bar chart of {text['pcns']} PCNs by number of member practices, from 1 to {prac['max']}; "
            f"median {prac['median']}, {prac['single']} PCNs of a single practice and "
            f"{prac['ten_or_more']} of ten or more."
        ),
        "fig-pcn-practices-population": (
            f"Scatter plot of {text['pcns']} PCNs, number of practices against registered population, "
            f"with the {pop['range_lower']} to {pop['range_upper']} range marked; correlation {prac['correlation']}."
        ),
    }


SECTION = "pcn_size"


def write_section(
    output_dir: Path, epcn: Epcn, list_sizes: pd.DataFrame, releases: dict[str, str], population_source: str
) -> PcnSizeResults:
    """Figures 6.1 to 6.3 and the section's numbers."""
    results = pcn_size_results(epcn, list_sizes)
    text = {**numbers_for_report(results), "population_source": population_source, "releases": releases}
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(results), text)
    out, alts = figures_dir(output_dir), alt_texts(results)
    charts = {
        "fig-pcn-population": figures.population_histogram(results.sizes),
        "fig-pcn-practices": figures.practices_histogram(results.sizes),
        "fig-pcn-practices-population": figures.practices_vs_population(results.sizes),
    }
    for name, chart in charts.items():
        figures.save_figure(chart, name, out, alts[name])
    return results
