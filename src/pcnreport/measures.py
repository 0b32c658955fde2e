"""The analysis: pure functions from validated tables to results.

Nothing here reads files or draws: readers supply tidy tables, figures and notebooks consume results.
Every function is small enough to check by hand in tests/unit/test_measures.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The Network Contract DES's recommended PCN size: 30,000 to 50,000 registered patients, both ends included.
RECOMMENDED_RANGE = (30_000, 50_000)


@dataclass(frozen=True)
class Distribution:
    """Summary the interim report gives for a measure across PCNs (or CCGs).

    Percentiles use linear interpolation between order statistics (numpy's default, "type 7"),
    so they need not be values that occur in the data. The decile ratio is P90 / P10, undefined
    (NaN) when P10 is zero, as the report prints "-" for such measures.
    """

    n: int
    mean: float
    median: float
    p10: float
    p90: float
    minimum: float
    maximum: float

    @property
    def decile_ratio(self) -> float:
        return self.p90 / self.p10 if self.p10 else float("nan")


def describe(values: pd.Series | np.ndarray) -> Distribution:
    """Mean, median, P10, P90, min and max of the non-missing values."""
    array = np.asarray(pd.Series(values).dropna(), dtype=float)
    if array.size == 0:
        raise ValueError("cannot describe an empty set of values")
    p10, median, p90 = np.percentile(array, [10, 50, 90])
    return Distribution(
        n=int(array.size),
        mean=float(array.mean()),
        median=float(median),
        p10=float(p10),
        p90=float(p90),
        minimum=float(array.min()),
        maximum=float(array.max()),
    )


def pcn_sizes(members: pd.DataFrame, list_sizes: pd.DataFrame) -> pd.DataFrame:
    """One row a PCN: its number of core partner practices and registered population.

    `members` has practice_code and pcn_code (one row a practice: readers reject a practice in two
    PCNs); `list_sizes` has practice_code and list_size. A member practice with no list size (closed,
    merged or not yet registering patients in that release) still counts as a practice, adds nothing
    to the population and is counted in `practices_without_list_size`, so a caller can report the gap
    rather than have it silently shrink PCNs.
    """
    sizes = list_sizes.set_index("practice_code")["list_size"]
    joined = members[["practice_code", "pcn_code"]].assign(
        list_size=lambda df: df["practice_code"].map(sizes)
    )
    grouped = joined.groupby("pcn_code", sort=True)
    result = pd.DataFrame(
        {
            "practices": grouped.size(),
            "population": grouped["list_size"].sum(min_count=0).round().astype("int64"),
            "practices_without_list_size": grouped["list_size"].apply(lambda s: int(s.isna().sum())),
        }
    )
    return result.reset_index()


@dataclass(frozen=True)
class SizeBands:
    """How many PCNs fall under, within and over a population range (both ends inside)."""

    lower: int
    upper: int
    under: int
    within: int
    over: int

    @property
    def total(self) -> int:
        return self.under + self.within + self.over

    def share(self, band: str) -> float:
        """Share of PCNs in `band` ("under", "within" or "over"), as a fraction of all PCNs."""
        return getattr(self, band) / self.total


def size_band(population: pd.Series, bounds: tuple[int, int] = RECOMMENDED_RANGE) -> pd.Series:
    """Label each population "under", "within" or "over" the range."""
    lower, upper = bounds
    labels = np.select([population < lower, population > upper], ["under", "over"], default="within")
    return pd.Series(labels, index=population.index, name="size_band")


def size_bands(population: pd.Series, bounds: tuple[int, int] = RECOMMENDED_RANGE) -> SizeBands:
    counts = size_band(population, bounds).value_counts()
    return SizeBands(
        lower=bounds[0],
        upper=bounds[1],
        under=int(counts.get("under", 0)),
        within=int(counts.get("within", 0)),
        over=int(counts.get("over", 0)),
    )


@dataclass(frozen=True)
class PracticeCountExtremes:
    """The tails the report names for practices per PCN."""

    single_practice: int       # PCNs of exactly one practice
    ten_or_more: int           # PCNs of 10 or more practices
    more_than_ten: int         # PCNs of 11 or more (the report's text says "more than ten": see chapter note)
    at_most_p10: int           # PCNs with no more practices than the 10th percentile
    at_least_p90: int          # PCNs with at least as many practices as the 90th percentile


def practice_count_extremes(practices: pd.Series) -> PracticeCountExtremes:
    dist = describe(practices)
    return PracticeCountExtremes(
        single_practice=int((practices == 1).sum()),
        ten_or_more=int((practices >= 10).sum()),
        more_than_ten=int((practices > 10).sum()),
        at_most_p10=int((practices <= dist.p10).sum()),
        at_least_p90=int((practices >= dist.p90).sum()),
    )


def share_below(values: pd.Series, threshold: float) -> float:
    """Fraction of values strictly below `threshold`."""
    return float((values < threshold).mean())


def share_above(values: pd.Series, threshold: float) -> float:
    """Fraction of values strictly above `threshold`."""
    return float((values > threshold).mean())


def correlation(x: pd.Series, y: pd.Series) -> float:
    """Pearson correlation, the "two measures of size are correlated" of Figure 6.3."""
    return float(np.corrcoef(np.asarray(x, dtype=float), np.asarray(y, dtype=float))[0, 1])
