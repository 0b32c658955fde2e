"""Chapter 6, section 6.1: how PCNs vary in registered population and number of practices.

Joins the ePCN membership with practice list sizes and summarises the result with the statistics
the notes of Figures 6.1 to 6.3 give. This module is the computation; the chapter's formatted
numbers and the figures come from `report.sections.pcn_size`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pcnreport.analysis import measures
from pcnreport.data.readers import Epcn

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
