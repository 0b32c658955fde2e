"""Chapter 6, section "How many practices, how many patients" (`sec-pcn-size`): Figures 6.1 to 6.3.

Presents `pcnreport.analysis.pcn_size`'s results: the numbers the text and figure notes print,
the figures' alt texts and the charts; `write_section` writes them where the chapter includes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.analysis.pcn_size import LARGE_TAIL, SMALL_TAIL, PcnSizeResults, pcn_size_results, raw_numbers
from pcnreport.data.readers import Epcn
from pcnreport.report import figures
from pcnreport.report.numbers import count, decimal, percent, rounded, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.wording import count_or_none, counted, noun, verb


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
        "wording": wording(results),
    }


def band_clause(n: int, share: str, predicate: tuple[str, str], noun_words: tuple[str, str] | None = None) -> str:
    """'726 PCNs (58%) fall inside it', '1 (0%) is smaller', 'none is smaller': a size band's count, its
    share (left out for none) and the verb agreeing with the count; `noun_words` names the first band."""
    said = verb(n, *predicate)
    if n == 0:
        return f"{counted(0, *noun_words)} {said}" if noun_words else f"none {predicate[0]}"
    subject = counted(n, *noun_words) if noun_words else count(n)
    return f"{subject} ({share}) {said}"


def ten_or_more_clause(n: int, maximum: float) -> str:
    """The networks of ten practices or more, and the most practices a network has."""
    if n == 0:
        return f"none brings together ten practices or more (the largest has {count(maximum)})"
    if n == 1:
        # The one network of ten practices or more is the largest.
        return f"1 brings together {count(maximum)} practices"
    return f"{count(n)} bring together ten practices or more, up to {count(maximum)}"


def wording(results: PcnSizeResults) -> dict[str, str]:
    """The section's phrases whose words follow its counts (`{{< var pcn_size.wording.* >}}`)."""
    bands, ext, prac = results.bands, results.extremes, results.practices
    pcn = ("PCN", "PCNs")
    ten = ext.ten_or_more
    return {
        "within": band_clause(bands.within, percent(bands.share("within")), ("falls inside it", "fall inside it"), pcn),
        "under": band_clause(bands.under, percent(bands.share("under")), ("is smaller", "are smaller")),
        "over": band_clause(bands.over, percent(bands.share("over")), ("is larger", "are larger")),
        "single": f"{counted(ext.single_practice, *pcn)} {verb(ext.single_practice, 'consists', 'consist')} "
        "of a single practice",
        "ten_or_more": ten_or_more_clause(ten, prac.maximum),
        "p10_practices": f"{decimal(prac.p10, 0)} {noun(round(prac.p10), 'practice')}",
        "ten_or_more_edition": f"{counted(ten, *pcn)} {verb(ten, 'has', 'have')} ten or more practices and "
        f"{count_or_none(ext.more_than_ten)} more than ten",
        "practices_without_list_size": count_or_none(results.practices_without_list_size),
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
            f"median {prac['median']}, {counted(results.extremes.single_practice, 'PCN')} of a single practice "
            f"and {count_or_none(results.extremes.ten_or_more)} of ten or more."
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
