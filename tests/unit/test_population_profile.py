"""Tables 6.1 and 6.2 on a hand-made case: two PCNs, three practices, four LSOAs.

U1 = practices P81001 (10,000 patients) and P81002 (30,000): population 40,000, within the range.
U2 = practice P81003 (20,000): population 20,000, under the range.
LSOA L1 is rural, IMD decile 1; L2 urban, decile 2; L3 urban, decile 5; L4 rural, decile 10.
Every expected value below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pcnreport.analysis import measures, population_profile
from pcnreport.report.numbers import count
from pcnreport.report.sections import population_profile as population_profile_section

L1, L2, L3, L4 = "E01000001", "E01000002", "E01000003", "E01000004"


@pytest.fixture
def members():
    return pd.DataFrame({"practice_code": ["P81001", "P81002", "P81003"], "pcn_code": ["U00001", "U00001", "U00002"]})


@pytest.fixture
def list_sizes():
    return pd.DataFrame({"practice_code": ["P81001", "P81002", "P81003"], "list_size": [10_000, 30_000, 20_000]})


@pytest.fixture
def ages():
    return pd.DataFrame(
        {"practice_code": ["P81001", "P81002", "P81003"], "list_size": [1000, 3000, 2000], "aged_65_plus": [200, 300, 1000]}
    )


@pytest.fixture
def lsoa_patients():
    rows = [
        ("P81001", L1, 4000), ("P81001", L2, 6000),
        ("P81002", L2, 10_000), ("P81002", L3, 15_000), ("P81002", L4, 5000),
        ("P81003", L3, 5000), ("P81003", L4, 15_000),
    ]
    return pd.DataFrame(rows, columns=["practice_code", "lsoa_code", "patients"])


@pytest.fixture
def ruc():
    return pd.DataFrame(
        {"lsoa_code": [L1, L2, L3, L4], "ruc_code": ["E1", "A1", "C1", "D1"],
         "ruc_name": ["", "", "", ""], "rural": [True, False, False, True]}
    )


@pytest.fixture
def imd():
    return pd.DataFrame({"lsoa_code": [L1, L2, L3, L4], "imd_rank": [100, 5000, 15000, 32000], "imd_decile": [1, 2, 5, 10]})


@pytest.fixture
def qof():
    rows = [
        ("P81001", "DM", 50, "17OV", 800), ("P81002", "DM", 100, "17OV", 2400), ("P81003", "DM", 60, "17OV", 1600),
        # P81003 has no COPD row: U2 has no COPD data and drops out of that row only.
        ("P81001", "COPD", 20, "TOTAL", 1000), ("P81002", "COPD", 40, "TOTAL", 3000),
    ]
    return pd.DataFrame(rows, columns=["practice_code", "indicator", "register", "list_type", "list_size"])


@pytest.fixture
def payments():
    return pd.DataFrame(
        {"practice_code": ["P81001", "P81002", "P81003"],
         "registered_patients": [1000.0, 3000.0, 2000.0], "weighted_patients": [1100.0, 2900.0, 2400.0]}
    )


@pytest.fixture
def profile(members, list_sizes, ages, lsoa_patients, ruc, imd, qof, payments):
    return population_profile.pcn_profile(
        members, list_sizes, ages=ages, lsoa_patients=lsoa_patients, ruc=ruc, imd=imd, qof=qof, payments=payments
    )


def test_share_aged_65_plus_is_a_ratio_of_sums(members, ages):
    share = measures.share_aged_65_plus(members, ages)
    assert share["U00001"] == pytest.approx(500 / 4000)  # (200 + 300) / (1000 + 3000), not mean(20%, 10%)
    assert share["U00002"] == pytest.approx(1000 / 2000)


def test_rural_and_deprivation_shares(members, lsoa_patients, ruc, imd):
    rural = measures.share_in_flagged_lsoas(members, lsoa_patients, measures.rural_flags(ruc))
    assert rural["U00001"] == pytest.approx((4000 + 5000) / 40_000)  # L1 of P81001, L4 of P81002
    assert rural["U00002"] == pytest.approx(15_000 / 20_000)
    deprived = measures.share_in_flagged_lsoas(members, lsoa_patients, measures.deprivation_flags(imd, (1, 2)))
    assert deprived["U00001"] == pytest.approx((4000 + 6000 + 10_000) / 40_000)
    assert deprived["U00002"] == 0
    affluent = measures.share_in_flagged_lsoas(members, lsoa_patients, measures.deprivation_flags(imd, (9, 10)))
    assert affluent["U00001"] == pytest.approx(5000 / 40_000)
    assert affluent["U00002"] == pytest.approx(15_000 / 20_000)


def test_patients_in_unclassified_lsoas_leave_both_sums(members, lsoa_patients, ruc):
    welsh = pd.DataFrame({"practice_code": ["P81003"], "lsoa_code": ["W01000001"], "patients": [999]})
    table = pd.concat([lsoa_patients, welsh], ignore_index=True)
    flags = measures.rural_flags(ruc)
    assert measures.share_in_flagged_lsoas(members, table, flags)["U00002"] == pytest.approx(0.75)
    assert measures.unclassified_patients(members, table, flags) == 999


def test_qof_prevalence_per_indicator_over_its_own_list(members, qof):
    prevalence = measures.qof_prevalence(members, qof, ["DM", "COPD"])
    assert prevalence.loc["U00001", "DM"] == pytest.approx(150 / 3200)
    assert prevalence.loc["U00002", "DM"] == pytest.approx(60 / 1600)
    assert prevalence.loc["U00001", "COPD"] == pytest.approx(60 / 4000)
    assert math.isnan(prevalence.loc["U00002", "COPD"])


def test_qof_indicator_with_two_list_types_is_refused(members, qof):
    mixed = qof.copy()
    mixed.loc[0, "list_type"] = "TOTAL"
    with pytest.raises(ValueError, match="DM comes with several list types"):
        measures.qof_prevalence(members, mixed, ["DM"])


def test_workload_index(members, payments):
    index = measures.workload_index(members, payments)
    assert index["U00001"] == pytest.approx(4000 / 4000)
    assert index["U00002"] == pytest.approx(2400 / 2000)


def test_ratio_by_pcn_is_nan_for_a_pcn_without_data(members):
    table = pd.DataFrame({"practice_code": ["P81001"], "a": [1], "b": [0]})
    ratio = measures.ratio_by_pcn(members, table, "a", "b")
    assert ratio.index.tolist() == ["U00001", "U00002"]
    assert ratio.isna().all()  # a zero denominator and an absent PCN are both undefined


def test_profile_per_pcn(profile):
    pcns = profile.pcns.set_index("pcn_code")
    assert pcns.loc["U00001", "size_band"] == "within" and pcns.loc["U00002", "size_band"] == "under"
    assert pcns.loc["U00001", "pct_65_plus"] == pytest.approx(12.5)
    assert pcns.loc["U00002", "pct_rural"] == pytest.approx(75)
    assert pcns.loc["U00001", "pct_deprived"] == pytest.approx(50)
    assert pcns.loc["U00001", "pct_affluent"] == pytest.approx(12.5)
    assert pcns.loc["U00001", "prev_DM"] == pytest.approx(4.6875)
    assert pcns.loc["U00002", "workload_index"] == pytest.approx(1.2)
    assert profile.qof_list_types["DM"] == "17OV"


def test_distributions_and_n_per_measure(profile):
    dist = profile.distributions["pct_65_plus"]
    # Two values, 12.5 and 50: type-7 P10 = 12.5 + 0.1 * 37.5 = 16.25, P90 = 12.5 + 0.9 * 37.5 = 46.25.
    assert (dist.n, dist.mean, dist.median) == (2, pytest.approx(31.25), pytest.approx(31.25))
    assert (dist.p10, dist.p90) == (pytest.approx(16.25), pytest.approx(46.25))
    assert profile.distributions["prev_COPD"].n == 1  # U2 has no COPD data
    # deprived: 50 (U1) and 0 (U2): P10 = 0 + 0.1 * 50 = 5, so the decile ratio is defined (P90 45 / 5).
    assert profile.distributions["pct_deprived"].decile_ratio == pytest.approx(9.0)


def test_characteristics_table(profile):
    printed, data = population_profile_section.characteristics_table(profile)
    assert list(printed.columns) == [
        "Population characteristic", "PCNs", "Mean", "10th percentile", "Median", "90th percentile", "Decile ratio",
    ]
    # Rows in the report's order, only measures with data (8 QOF indicators given only DM and COPD).
    assert data["measure"].tolist() == [
        "pct_65_plus", "pct_rural", "pct_deprived", "pct_affluent", "prev_COPD", "prev_DM", "workload_index",
    ]
    workload = printed.set_index("Population characteristic").loc[
        "Workload index (weighted / registered patients)"
    ]
    assert workload.tolist() == ["2", "1.10", "1.02", "1.10", "1.18", "1.2"]  # 1.0 and 1.2
    copd = data.set_index("measure").loc["prev_COPD"]
    assert (copd["n"], copd["mean"]) == (1, pytest.approx(1.5))  # unrounded in the CSV


def test_by_size_table_and_numbers(profile):
    printed, data = population_profile_section.by_size_table(profile)
    assert list(printed.columns) == [
        "Population characteristic", "Under 30,000 (1 PCNs)", "30,000 to 50,000 (1 PCNs)", "Over 50,000 (0 PCNs)",
    ]
    row = printed.set_index("Population characteristic").loc["Percentage aged 65 years and over"]
    assert row.tolist() == ["50.0", "12.5", "-"]  # no PCN over 50,000: undefined, printed '-'
    cell = data.set_index(["measure", "size_band"]).loc[("prev_COPD", "under")]
    assert cell["n"] == 0 and math.isnan(cell["mean"])
    text = population_profile_section.numbers_for_report(profile)
    assert text["measures"]["pct_65_plus"]["p90"] == "46.2"  # 46.25 rounds half to even in format()
    assert text["by_size"]["under"]["pct_rural"] == "75.0"
    assert text["by_size"]["within"]["pcns"] == count(1)
    assert text["qof_pcns"] == "1"  # the fewest PCNs any QOF row covers
    raw = population_profile.raw_numbers(profile)
    assert raw["band_means"]["pct_65_plus"] == {"under": 50.0, "within": 12.5, "over": None}


def test_lsoa_shares_need_the_lsoa_file_to_cover_the_pcn(members, list_sizes, lsoa_patients, ruc):
    # Drop P81001's 6,000 patients in L2: U1's file covers 34,000 of its 40,000 patients (85%), below
    # the 90% bound, while the file as a whole still covers 54,000 of 60,000 (90%): national enough.
    partial = lsoa_patients[~((lsoa_patients["practice_code"] == "P81001") & (lsoa_patients["lsoa_code"] == L2))]
    profile = population_profile.pcn_profile(members, list_sizes, lsoa_patients=partial, ruc=ruc)
    pcns = profile.pcns.set_index("pcn_code")
    assert profile.lsoa_available and profile.lsoa_coverage == pytest.approx(0.9)
    assert pcns.loc["U00001", "lsoa_coverage"] == pytest.approx(0.85)
    assert math.isnan(pcns.loc["U00001", "pct_rural"])
    assert pcns.loc["U00002", "pct_rural"] == pytest.approx(75)
    assert profile.lsoa_low_coverage_pcns == 1
    assert profile.distributions["pct_rural"].n == 1


def test_a_regional_lsoa_file_gives_no_lsoa_rows(members, list_sizes, lsoa_patients, ruc):
    # Without P81002 the file covers 30,000 of 60,000 patients: a regional extract, not national.
    regional = lsoa_patients[lsoa_patients["practice_code"] != "P81002"]
    profile = population_profile.pcn_profile(members, list_sizes, lsoa_patients=regional, ruc=ruc)
    assert not profile.lsoa_available
    assert profile.lsoa_coverage == pytest.approx(0.5)
    assert "pct_rural" not in profile.distributions
    text = population_profile_section.numbers_for_report(profile)
    assert text["lsoa_available"] is False and text["lsoa_coverage_pct"] == "50.0%"


def test_profile_without_optional_inputs_has_only_the_size_columns(members, list_sizes):
    profile = population_profile.pcn_profile(members, list_sizes)
    assert profile.measures == ()
    printed, _ = population_profile_section.characteristics_table(profile)
    assert printed.empty


def test_alignment_puts_figures_right(profile):
    printed, _ = population_profile_section.characteristics_table(profile)
    align = population_profile_section.alignment(printed)
    assert align["Population characteristic"] == "l" and set(list(align.values())[1:]) == {"r"}
