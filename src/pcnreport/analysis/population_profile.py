"""Chapter 6, Tables 6.1 and 6.2: the populations PCNs serve, and how they differ by PCN size.

One row a PCN with each measure of the interim report (share aged 65 and over, shares living in
rural, most and least deprived areas, QOF recorded prevalences, the workload index), each a ratio of
sums over the PCN's member practices (see `pcnreport.analysis.measures`). Table 6.1 summarises each measure
across PCNs; Table 6.2 gives its mean by size band. A PCN without data for a measure is left out of
that measure's row only, and every row reports how many PCNs it covers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from pathlib import Path

from pcnreport.analysis import measures
from pcnreport.report.numbers import count, decimal, percent, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.tables import save_table

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

# IMD 2019 deciles (1 = most deprived): the report's "20% most deprived / affluent" LSOAs.
DEPRIVED_DECILES = (1, 2)
AFFLUENT_DECILES = (9, 10)

# An LSOA-based share is computed for a PCN only when the LSOA file accounts for at least this
# fraction of the PCN's registered population. The national file accounts for all of it (less the
# months between releases); a regional cut holds only some patients of practices outside the region,
# whose shares would describe that fragment rather than the PCN. The same bound, over all member
# practices, decides whether the LSOA rows are computed at all (a regional file: not).
MIN_LSOA_COVERAGE = measures.MIN_COVERAGE

BAND_ORDER = ("under", "within", "over")
BAND_HEADINGS = {"under": "Under 30,000", "within": "30,000 to 50,000", "over": "Over 50,000"}


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

    @property
    def lsoa_available(self) -> bool:
        """Whether the LSOA file is national enough for the rural and deprivation rows."""
        return self.lsoa_coverage is not None and self.lsoa_coverage >= MIN_LSOA_COVERAGE

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The measures computed (those whose inputs were given), in the report's order."""
        return tuple(m for m in MEASURES if m.key in self.distributions)


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
    if qof is not None:
        prevalence = measures.qof_prevalence(members, qof, list(QOF_INDICATORS))
        for code in QOF_INDICATORS:
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
    )


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
        "lsoa_unclassified": profile.lsoa_unclassified,
        "lsoa_low_coverage_pcns": profile.lsoa_low_coverage_pcns,
        "min_lsoa_coverage": MIN_LSOA_COVERAGE,
        "lsoa_coverage": profile.lsoa_coverage,
        "lsoa_available": profile.lsoa_available,
    }


def _none_if_nan(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


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
