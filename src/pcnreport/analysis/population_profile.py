"""Chapter 6, Tables 6.1 and 6.2: the populations PCNs serve, and how they differ by PCN size.

One row a PCN with each measure of the interim report (share aged 65 and over, shares living in
rural, most and least deprived areas, QOF recorded prevalences, the workload index), each a ratio of
sums over the PCN's member practices (see `pcnreport.analysis.measures`). Table 6.1 summarises each measure
across PCNs; Table 6.2 gives its mean by size band. A PCN without data for a measure is left out of
that measure's row only, and every row reports how many PCNs it covers. A QOF register the release
does not publish at all (CVD primary prevention is not in QOF 2020/21) is recorded in `qof_missing`,
so the tables can keep its row and say why it is empty.

This module is the computation; `report.sections.population_profile` prints the tables and
formats the chapter's numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from pcnreport.analysis import measures
from pcnreport.data import small_areas
from pcnreport.data.readers.geography import RUC21_CODES

# QOF indicator groups of Table 6.1, with the report's names. CVDPP (primary prevention of
# cardiovascular disease: patients aged 30-74 with a 10-year risk of 20% or more) is what the report
# calls "Cardiovascular Disease".
QOF_INDICATORS = {
    "COPD": "Chronic Obstructive Pulmonary Disease",
    "CKD": "Chronic Kidney Disease",
    "DM": "Diabetes",
    "CVDPP": "Cardiovascular Disease",
    "HYP": "Hypertension",
    "STIA": "Stroke and Transient Ischemic Attack",
    "MH": "Serious Mental Illness",
    "OB": "Obesity",
}

# IMD deciles (1 = most deprived): the report's "20% most deprived / affluent" LSOAs.
DEPRIVED_DECILES = (1, 2)
AFFLUENT_DECILES = (9, 10)

# An LSOA-based share is computed for a PCN only when the LSOA file accounts for at least this
# fraction of the PCN's registered population. The national file accounts for all of it (less the
# months between releases); a regional cut holds only some patients of practices outside the region,
# whose shares would describe that fragment rather than the PCN. The same bound, over all member
# practices, decides whether the LSOA rows are computed at all (a regional file: not).
MIN_LSOA_COVERAGE = measures.MIN_COVERAGE

BAND_ORDER = ("under", "within", "over")


@dataclass(frozen=True)
class Measure:
    key: str      # column of the per-PCN table
    label: str    # row label of Tables 6.1 and 6.2
    places: int   # decimals the report prints


def _measures() -> tuple[Measure, ...]:
    rows = [
        Measure("pct_65_plus", "Percentage aged 65 years and over", 1),
        Measure("pct_rural", "Percentage living in rural area", 1),
        Measure("pct_deprived", "Percentage living in deprived area (20% most deprived LSOAs)", 1),
        Measure("pct_affluent", "Percentage living in affluent area (20% least deprived LSOAs)", 1),
    ]
    rows += [Measure(f"prev_{code}", f"Percentage diagnosed with {name}", 1) for code, name in QOF_INDICATORS.items()]
    rows.append(Measure("workload_index", "Workload index (weighted / registered patients)", 2))
    return tuple(rows)


MEASURES = _measures()


@dataclass(frozen=True)
class PopulationProfile:
    pcns: pd.DataFrame  # one row a PCN: pcn_code, practices, population, size_band, lsoa_coverage, measures...
    distributions: dict[str, measures.Distribution]  # measure key -> its distribution across PCNs
    bands: measures.SizeBands
    band_means: pd.DataFrame  # measure key x band ("under", "within", "over")
    qof_list_types: dict[str, str]  # indicator -> the list its prevalence is over (TOTAL, 17OV, ...)
    lsoa_unclassified: dict[str, int]  # "rural"/"imd" -> member practices' patients in LSOAs the lookup lacks
    lsoa_low_coverage_pcns: int  # PCNs left out of the LSOA shares (coverage below MIN_LSOA_COVERAGE)
    lsoa_coverage: float | None = None  # share of member practices' patients the LSOA file accounts for
    # QOF_INDICATORS codes the QOF table holds, and those it lacks: a release can drop a register
    # (CVDPP is not in QOF 2020/21), and Table 6.1 must say so rather than lose the row. Both empty
    # when no QOF table was given.
    qof_indicators: tuple[str, ...] = ()
    qof_missing: tuple[str, ...] = ()
    # The small areas the shares used (see `small_area_record`): the LSOA vintage, the tables carried to
    # it from the other vintage, and where the registrations by LSOA place their patients.
    small_areas: dict = field(default_factory=dict)

    @property
    def lsoa_available(self) -> bool:
        """Whether the LSOA file is national enough for the rural and deprivation rows."""
        return self.lsoa_coverage is not None and self.lsoa_coverage >= MIN_LSOA_COVERAGE

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The measures computed (those whose inputs were given), in the report's order."""
        return tuple(m for m in MEASURES if m.key in self.distributions)

    @property
    def not_in_release(self) -> tuple[Measure, ...]:
        """The QOF measures whose register the release lacks, in the report's order."""
        keys = {f"prev_{code}" for code in self.qof_missing}
        return tuple(m for m in MEASURES if m.key in keys)


def pcn_profile(
    members: pd.DataFrame,
    list_sizes: pd.DataFrame,
    *,
    ages: pd.DataFrame | None = None,
    lsoa_patients: pd.DataFrame | None = None,
    ruc: pd.DataFrame | None = None,
    imd: pd.DataFrame | None = None,
    qof: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
) -> PopulationProfile:
    """Every measure whose inputs are given, per PCN, and their summaries.

    Inputs are the readers' tidy tables (docs/tables.md): `members` (practice_code, pcn_code) decides
    membership; `list_sizes` (practice_code, list_size) the PCN population that sets its size band;
    `ages` is registrations-age, `lsoa_patients` registrations-lsoa (shares need `ruc` and/or `imd`
    too), `qof` qof-prevalence, `payments` NHS Payments. Percentages are in percent (0-100).
    """
    sizes = measures.pcn_sizes(members, list_sizes).set_index("pcn_code")
    table = sizes[["practices", "population"]].copy()
    table["size_band"] = measures.size_band(table["population"])
    unclassified: dict[str, int] = {}
    low_coverage = 0
    coverage = None
    if ages is not None:
        table["pct_65_plus"] = 100 * measures.share_aged_65_plus(members, ages)
    if lsoa_patients is not None:
        coverage = measures.patient_coverage(members, lsoa_patients, list_sizes)
    if coverage is not None and coverage >= MIN_LSOA_COVERAGE and (ruc is not None or imd is not None):
        in_file = lsoa_patients.merge(members[["practice_code", "pcn_code"]], on="practice_code")
        lsoa_total = in_file.groupby("pcn_code")["patients"].sum().reindex(table.index)
        table["lsoa_coverage"] = lsoa_total / table["population"].where(table["population"] > 0)
        enough = table["lsoa_coverage"] >= MIN_LSOA_COVERAGE
        low_coverage = int((lsoa_total.notna() & ~enough).sum())
        shares = {}
        if ruc is not None:
            flags = measures.rural_flags(ruc)
            shares["pct_rural"] = measures.share_in_flagged_lsoas(members, lsoa_patients, flags)
            unclassified["rural"] = measures.unclassified_patients(members, lsoa_patients, flags)
        if imd is not None:
            for key, deciles in (("pct_deprived", DEPRIVED_DECILES), ("pct_affluent", AFFLUENT_DECILES)):
                flags = measures.deprivation_flags(imd, deciles)
                shares[key] = measures.share_in_flagged_lsoas(members, lsoa_patients, flags)
            unclassified["imd"] = measures.unclassified_patients(members, lsoa_patients, flags)
        for key, share in shares.items():
            table[key] = (100 * share).where(enough)
    list_types: dict[str, str] = {}
    present: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    if qof is not None:
        in_release = set(qof["indicator"].unique())
        present = tuple(code for code in QOF_INDICATORS if code in in_release)
        missing = tuple(code for code in QOF_INDICATORS if code not in in_release)
        prevalence = measures.qof_prevalence(members, qof, list(present))
        for code in present:
            table[f"prev_{code}"] = 100 * prevalence[code]
            types = qof.loc[qof["indicator"] == code, "list_type"].dropna().unique()
            list_types[code] = str(types[0]) if len(types) else ""
    if payments is not None:
        table["workload_index"] = measures.workload_index(members, payments)
    keys = [m.key for m in MEASURES if m.key in table]
    distributions = {key: measures.describe(table[key]) for key in keys if table[key].notna().any()}
    return PopulationProfile(
        pcns=table.reset_index(),
        distributions=distributions,
        bands=measures.size_bands(table["population"]),
        band_means=measures.band_means(table[list(distributions)], table["size_band"], BAND_ORDER),
        qof_list_types=list_types,
        lsoa_unclassified=unclassified,
        lsoa_low_coverage_pcns=low_coverage,
        lsoa_coverage=coverage,
        qof_indicators=present,
        qof_missing=missing,
        small_areas=small_area_record(lsoa_patients, ruc, imd),
    )


def small_area_record(lsoa_patients: pd.DataFrame | None, ruc: pd.DataFrame | None, imd: pd.DataFrame | None) -> dict:
    """What Appendix B says about the small areas, from the tables as the build read them: `vintage`
    ("2011" or "2021", the deprivation index's LSOAs), `carried` (dataset -> what `small_areas` did to
    carry it from the other vintage; empty when every table was of the build's), and `residence` (the
    registrations' patients in England, in each other nation, and without an area, by the publisher's
    word). Empty when no LSOA table was given."""
    tables = {"registrations-lsoa": lsoa_patients, "ruc": ruc, "imd": imd}
    if all(table is None for table in tables.values()):
        return {}
    vintage = next((small_areas.vintage_of(t) for t in (imd, ruc) if t is not None and small_areas.vintage_of(t)), None)
    carried = {
        name: table.attrs[small_areas.CONVERSION]
        for name, table in tables.items()
        if table is not None and small_areas.CONVERSION in table.attrs
    }
    record = {"vintage": vintage, "carried": carried}
    if ruc is not None:
        # The classification's edition, told by its codes (a table carried across vintages keeps them).
        record["ruc_classification"] = "2021" if ruc["ruc_code"].isin(RUC21_CODES).all() and len(ruc) else "2011"
    if lsoa_patients is not None:
        record["residence"] = small_areas.outside_england(lsoa_patients)
    return record


def raw_numbers(profile: PopulationProfile) -> dict:
    """Every statistic unformatted, for tests and for comparing builds."""
    return {
        "pcns": len(profile.pcns),
        "measures": {
            key: {**asdict(dist), "decile_ratio": dist.decile_ratio} for key, dist in profile.distributions.items()
        },
        "bands": asdict(profile.bands),
        "band_means": {
            key: {band: _none_if_nan(profile.band_means.loc[key, band]) for band in BAND_ORDER}
            for key in profile.distributions
        },
        "qof_list_types": profile.qof_list_types,
        "qof_indicators": list(profile.qof_indicators),
        "qof_missing": list(profile.qof_missing),
        "lsoa_unclassified": profile.lsoa_unclassified,
        "lsoa_low_coverage_pcns": profile.lsoa_low_coverage_pcns,
        "min_lsoa_coverage": MIN_LSOA_COVERAGE,
        "lsoa_coverage": profile.lsoa_coverage,
        "lsoa_available": profile.lsoa_available,
        "small_areas": profile.small_areas,
    }


def _none_if_nan(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
