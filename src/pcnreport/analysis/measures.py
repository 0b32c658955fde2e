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
    so they need not be values that occur in the data. The decile ratio is P90 / P10, left undefined
    (NaN, printed "-") when P10 is below MIN_P10_OF_MEDIAN of the median (see there).
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
        if self.p10 <= 0 or self.p10 < MIN_P10_OF_MEDIAN * self.median:
            return float("nan")
        return self.p90 / self.p10


# A decile ratio is printed only when P10 is at least this share of the median. Below it the lowest tenth
# of networks sits near zero (shares of patients in rural, deprived or affluent areas, where many networks
# have almost none), and P90 / P10 measures how close to zero P10 happens to be rather than the spread: a
# P10 of 0.1% against a P90 of 56% gives 510. The interim report prints "-" for those rows (its P10s 0,
# 0 and 0.3 against medians of 2.5 to 12.8, all under a fortieth of the median) and a ratio for every
# other (P10 at least half the median); a fifth separates the two kinds with room on both sides.
MIN_P10_OF_MEDIAN = 0.2

# A dataset "covers" a national analysis when it accounts for this share of the registered patients
# of PCN member practices. The national LSOA file accounts for all of them (less the movement
# between releases, well under 1%); a regional extract accounts for a few percent.
MIN_COVERAGE = 0.9


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
            # Counted with one vectorised pass, not a function a group: the landscape chapter sizes every
            # PCN of every month (about 80,000 groups).
            "practices_without_list_size": joined["list_size"].isna().groupby(joined["pcn_code"], sort=True).sum().astype("int64"),
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


# --- Chapter 6, Tables 6.1 to 6.3: population profiles of PCNs and their CCGs ------------------------
# A PCN's share or rate is always a ratio of sums over its member practices (never a mean of the
# practices' own rates), so a large practice weighs as many times more as it has more patients.


def ratio_by_pcn(members: pd.DataFrame, table: pd.DataFrame, numerator: str, denominator: str) -> pd.Series:
    """sum(numerator) / sum(denominator) over each PCN's member practices found in `table`.

    `members` has practice_code and pcn_code; `table` has practice_code and the two columns (one or
    more rows a practice). Returns one value a PCN of `members`, indexed by pcn_code and sorted; NaN
    for a PCN none of whose practices is in `table` (or whose denominator sums to zero), so that
    `describe` leaves it out and its n says how many PCNs a statistic covers.
    """
    joined = members[["practice_code", "pcn_code"]].merge(
        table[["practice_code", numerator, denominator]], on="practice_code", how="inner"
    )
    sums = joined.groupby("pcn_code")[[numerator, denominator]].sum()
    ratio = (sums[numerator].astype(float) / sums[denominator].astype(float).where(sums[denominator] != 0))
    pcns = pd.Index(sorted(members["pcn_code"].unique()), name="pcn_code")
    result = ratio.reindex(pcns).astype(float)
    result.name = None
    return result


def share_aged_65_plus(members: pd.DataFrame, ages: pd.DataFrame) -> pd.Series:
    """Fraction of each PCN's registered patients aged 65 and over (registrations-age table)."""
    return ratio_by_pcn(members, ages, "aged_65_plus", "list_size")


def share_in_flagged_lsoas(members: pd.DataFrame, lsoa_patients: pd.DataFrame, flags: pd.Series) -> pd.Series:
    """Fraction of each PCN's patients who live in an LSOA that `flags` marks True.

    `lsoa_patients` has practice_code, lsoa_code, patients; `flags` is a boolean Series indexed by
    lsoa_code (e.g. rural, or IMD decile 1-2). Patients whose LSOA `flags` does not classify (Welsh
    or unknown LSOAs, or codes the lookup lacks) are left out of both numerator and denominator: the
    share is of patients whose area is known (`unclassified_patients` counts the others).
    """
    # A positional lookup rather than Series.map: mapping ~870,000 text codes casts every result back
    # one by one (0.2 s a call); the lookup gives the same flags, <NA> where `flags` lacks the code.
    position = flags.index.get_indexer(lsoa_patients["lsoa_code"])
    flag = pd.Series(flags.astype("boolean").array.take(position, allow_fill=True), index=lsoa_patients.index)
    known = lsoa_patients.loc[flag.notna(), ["practice_code", "patients"]].copy()
    known["in_flagged"] = known["patients"].where(flag[flag.notna()].astype(bool), 0)
    return ratio_by_pcn(members, known, "in_flagged", "patients")


def unclassified_patients(members: pd.DataFrame, lsoa_patients: pd.DataFrame, flags: pd.Series) -> int:
    """Patients of member practices living in an LSOA that `flags` does not classify."""
    rows = lsoa_patients[lsoa_patients["practice_code"].isin(members["practice_code"])]
    return int(rows.loc[~rows["lsoa_code"].isin(flags.index), "patients"].sum())


def deprivation_flags(imd: pd.DataFrame, deciles: tuple[int, ...]) -> pd.Series:
    """True for LSOAs whose IMD decile is one of `deciles` (1 = most deprived), indexed by lsoa_code."""
    return imd.set_index("lsoa_code")["imd_decile"].isin(deciles)


def rural_flags(ruc: pd.DataFrame) -> pd.Series:
    """The rural flag of the Rural-Urban Classification table, indexed by lsoa_code."""
    return ruc.set_index("lsoa_code")["rural"].astype(bool)


def qof_prevalence(members: pd.DataFrame, qof: pd.DataFrame, indicators: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Each PCN's recorded prevalence (fraction) of each QOF indicator: sum(register) / sum(list_size).

    `qof` has practice_code, indicator, register, list_type, list_size. Each indicator is published
    against one list (e.g. DM against patients aged 17 and over): mixing two would divide a register
    by a sum of unlike lists, so an indicator with more than one list type is an error. One column an
    indicator, one row a PCN (NaN where no member practice has that indicator).
    """
    columns = {}
    for indicator in indicators:
        rows = qof[qof["indicator"] == indicator]
        list_types = sorted(rows["list_type"].dropna().unique())
        if len(list_types) > 1:
            raise ValueError(f"QOF indicator {indicator} comes with several list types: {', '.join(list_types)}")
        columns[indicator] = ratio_by_pcn(members, rows, "register", "list_size")
    return pd.DataFrame(columns)


def workload_index(members: pd.DataFrame, payments: pd.DataFrame) -> pd.Series:
    """Each PCN's weighted patients divided by its registered patients (NHS Payments' Carr-Hill weighting).

    Practices missing either count are left out of both sums.
    """
    table = payments[["practice_code", "registered_patients", "weighted_patients"]].dropna()
    return ratio_by_pcn(members, table, "weighted_patients", "registered_patients")


def band_means(values: pd.DataFrame, bands: pd.Series, order: tuple[str, ...] = ("under", "within", "over")) -> pd.DataFrame:
    """Mean of each column of `values` within each size band (NaNs left out); one column a band."""
    means = values.groupby(bands).mean()
    return means.reindex(list(order)).T


def majority_ccg(members: pd.DataFrame, list_sizes: pd.DataFrame, practice_ccg: pd.DataFrame) -> pd.DataFrame:
    """Assign each PCN to the CCG holding most of its member practices' registered patients.

    `members`: practice_code, pcn_code; `list_sizes`: practice_code, list_size; `practice_ccg`:
    practice_code, ccg_code. Practices without a CCG in the mapping, or without a list size, add no
    patients. Ties (two CCGs with the same, largest number of patients, including a PCN with no
    patients at all) go to the CCG with more member practices, then to the first CCG code in sort
    order, and are flagged `tied` so a caller can report them. A PCN none of whose practices is in the
    mapping gets no CCG (ccg_code NA). Columns: pcn_code, ccg_code, ccg_patient_share (the chosen
    CCG's share of the PCN's mapped patients; NaN with no patients), ccgs (how many CCGs its practices
    span), tied.
    """
    sizes = list_sizes.set_index("practice_code")["list_size"]
    ccg = practice_ccg.dropna(subset=["ccg_code"]).set_index("practice_code")["ccg_code"]
    table = members[["practice_code", "pcn_code"]].assign(
        ccg_code=lambda d: d["practice_code"].map(ccg),
        patients=lambda d: d["practice_code"].map(sizes).fillna(0).astype(float),
    )
    mapped = table.dropna(subset=["ccg_code"])
    per_ccg = (
        mapped.groupby(["pcn_code", "ccg_code"])
        .agg(patients=("patients", "sum"), practices=("practice_code", "size"))
        .reset_index()
        .sort_values(["pcn_code", "patients", "practices", "ccg_code"], ascending=[True, False, False, True])
    )
    grouped = per_ccg.groupby("pcn_code", sort=True)
    rank = grouped.cumcount()
    first = per_ccg[rank == 0].set_index("pcn_code")
    second = per_ccg[rank == 1].set_index("pcn_code")["patients"]
    totals = grouped["patients"].sum()
    pcns = pd.Index(sorted(members["pcn_code"].unique()), name="pcn_code")
    result = pd.DataFrame(index=pcns)
    result["ccg_code"] = first["ccg_code"].reindex(pcns)
    result["ccg_patient_share"] = (first["patients"] / totals.where(totals > 0)).reindex(pcns).astype(float)
    result["ccgs"] = grouped.size().reindex(pcns).fillna(0).astype("int64")
    result["tied"] = (second.reindex(pcns) == first["patients"].reindex(pcns)).fillna(False).astype(bool)
    return result.reset_index()


def ccg_pcn_configuration(pcns: pd.DataFrame, bounds: tuple[int, int] = RECOMMENDED_RANGE) -> pd.DataFrame:
    """One row a CCG: how its PCNs are configured (Table 6.3's measures, unrounded).

    `pcns` has pcn_code, ccg_code, population and practices (one row a PCN; PCNs without a CCG are
    left out). The CCG's population and practices are those of its PCNs. "Largest" is measured in
    the unit of each share: the share of population is the most populous PCN's, the share of
    practices that of the PCN with the most practices (on the ePCN's 191 CCGs this reading
    reproduces the interim report's Table 6.3 to the printed decimal; the most populous PCN's
    practices would give a mean of 28.2% against the printed 31.3%). Columns:
    ccg_code, pcns, pcns_in_range, pct_in_range, population, practices, largest_pcn_population,
    largest_pcn_practices, pct_population_in_largest, pct_practices_in_largest,
    smallest_pcn_population, largest_to_smallest (NaN for a CCG of one PCN, or whose smallest PCN
    has no patients).
    """
    table = pcns.dropna(subset=["ccg_code"]).assign(
        in_range=lambda d: size_band(d["population"], bounds) == "within"
    )
    grouped = table.groupby("ccg_code", sort=True)
    result = pd.DataFrame(
        {
            "pcns": grouped.size(),
            "pcns_in_range": grouped["in_range"].sum().astype("int64"),
            "population": grouped["population"].sum(),
            "practices": grouped["practices"].sum(),
            "largest_pcn_population": grouped["population"].max(),
            "largest_pcn_practices": grouped["practices"].max(),
            "smallest_pcn_population": grouped["population"].min(),
        }
    )
    result["pct_in_range"] = 100 * result["pcns_in_range"] / result["pcns"]
    result["pct_population_in_largest"] = 100 * result["largest_pcn_population"] / result["population"].where(result["population"] > 0)
    result["pct_practices_in_largest"] = 100 * result["largest_pcn_practices"] / result["practices"].where(result["practices"] > 0)
    smallest = result["smallest_pcn_population"].where((result["pcns"] >= 2) & (result["smallest_pcn_population"] > 0))
    result["largest_to_smallest"] = result["largest_pcn_population"] / smallest
    columns = [
        "pcns", "pcns_in_range", "pct_in_range", "population", "practices", "largest_pcn_population",
        "largest_pcn_practices", "pct_population_in_largest", "pct_practices_in_largest",
        "smallest_pcn_population", "largest_to_smallest",
    ]
    return result[columns].astype(float).astype({"pcns": "int64", "pcns_in_range": "int64"}).reset_index()


def patient_coverage(members: pd.DataFrame, lsoa_patients: pd.DataFrame, list_sizes: pd.DataFrame) -> float:
    """Share of member practices' registered patients that a by-LSOA file accounts for.

    Near 1 for the national file; a few percent for a regional extract, whose patients of practices
    outside the region are missing. NaN when the member practices have no list sizes at all.
    """
    practices = set(members["practice_code"])
    in_file = lsoa_patients.loc[lsoa_patients["practice_code"].isin(practices), "patients"].sum()
    listed = list_sizes.loc[list_sizes["practice_code"].isin(practices), "list_size"].sum()
    return float(in_file / listed) if listed else float("nan")
