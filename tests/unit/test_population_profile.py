"""Tables 6.1 and 6.2 on a hand-made case: two PCNs, three practices, four LSOAs.

U1 = practices P81001 (10,000 patients) and P81002 (30,000): population 40,000, within the range.
U2 = practice P81003 (20,000): population 20,000, under the range.
LSOA L1 is rural, IMD decile 1; L2 urban, decile 2; L3 urban, decile 5; L4 rural, decile 10.
Every expected value below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import json
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
    # Rows in the report's order. The QOF table given has only COPD and DM: the other six registers
    # keep their rows, each saying it is not in this release.
    assert data["measure"].tolist() == [
        "pct_65_plus", "pct_rural", "pct_deprived", "pct_affluent", "prev_COPD", "prev_CKD", "prev_DM",
        "prev_CVDPP", "prev_HYP", "prev_STIA", "prev_MH", "prev_OB", "workload_index",
    ]
    ckd = printed.set_index("Population characteristic").loc["Percentage diagnosed with Chronic Kidney Disease"]
    assert ckd.tolist() == ["not in this release", "", "", "", "", ""]
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


# --- a QOF release without a register ---------------------------------------------------------------

def _qof_release(codes):
    """One practice row per indicator code: register 10 over a list of 1,000 (prevalence 1%)."""
    list_types = {"DM": "17OV", "CKD": "18OV", "CVDPP": "30_74", "OB": "18OV"}
    rows = [(p, code, 10, list_types.get(code, "TOTAL"), 1000) for p in ("P81001", "P81002", "P81003") for code in codes]
    return pd.DataFrame(rows, columns=["practice_code", "indicator", "register", "list_type", "list_size"])


ALL_EIGHT = list(population_profile.QOF_INDICATORS)
WITHOUT_CVDPP = [code for code in ALL_EIGHT if code != "CVDPP"]  # QOF 2020/21 has no CVD-PP register


def test_a_register_missing_from_the_release_keeps_its_row_in_table_6_1(members, list_sizes):
    profile = population_profile.pcn_profile(members, list_sizes, qof=_qof_release(WITHOUT_CVDPP))
    assert profile.qof_missing == ("CVDPP",) and len(profile.qof_indicators) == 7
    assert "prev_CVDPP" not in profile.distributions and "prev_CVDPP" not in profile.pcns
    releases = {"qof-prevalence": "2020-21"}
    printed, data = population_profile_section.characteristics_table(profile, releases)
    labels = printed["Population characteristic"].tolist()
    # In its place between diabetes and hypertension, as in the interim report's Table 6.1.
    assert labels.index("Percentage diagnosed with Cardiovascular Disease") == labels.index(
        "Percentage diagnosed with Diabetes") + 1
    row = printed.set_index("Population characteristic").loc["Percentage diagnosed with Cardiovascular Disease"]
    assert row["PCNs"] == "not in this release" and set(row.iloc[1:]) == {""}
    note = data.set_index("measure").loc["prev_CVDPP", "note"]
    assert note == ("Cardiovascular Disease (CVDPP) is not in this release: "
                    "its register is not in QOF 2020/21.")
    assert data.set_index("measure").loc["prev_DM", "note"] == ""
    by_size, by_size_data = population_profile_section.by_size_table(profile)
    cvd = by_size.set_index("Population characteristic").loc["Percentage diagnosed with Cardiovascular Disease"]
    assert cvd.tolist() == ["not in this release", "", ""]
    assert (by_size_data.loc[by_size_data["measure"] == "prev_CVDPP", "n"] == 0).all()


def test_the_numbers_count_only_the_conditions_the_release_has(members, list_sizes):
    full = population_profile.pcn_profile(members, list_sizes, qof=_qof_release(ALL_EIGHT))
    short = population_profile.pcn_profile(members, list_sizes, qof=_qof_release(WITHOUT_CVDPP))
    full_text = population_profile_section.numbers_for_report(full, {"qof-prevalence": "2017-18"})
    short_text = population_profile_section.numbers_for_report(short, {"qof-prevalence": "2020-21"})
    assert (full_text["qof_conditions"], full_text["qof_conditions_words"]) == ("8", "eight")
    assert (short_text["qof_conditions"], short_text["qof_conditions_words"]) == ("7", "seven")
    assert full_text["qof_missing_note"] == ""
    assert short_text["qof_missing_note"].endswith("not in QOF 2020/21.")
    assert "prev_CVDPP" in full_text["measures"] and "prev_CVDPP" not in short_text["measures"]
    assert all("prev_CVDPP" not in band for band in short_text["by_size"].values())
    raw = population_profile.raw_numbers(short)
    assert raw["qof_missing"] == ["CVDPP"] and "prev_CVDPP" not in raw["measures"]


def test_two_missing_registers_are_named_together(members, list_sizes):
    profile = population_profile.pcn_profile(
        members, list_sizes, qof=_qof_release([c for c in ALL_EIGHT if c not in ("CVDPP", "OB")])
    )
    assert population_profile_section.missing_reason(profile, {"qof-prevalence": "2021-22"}) == (
        "Cardiovascular Disease (CVDPP) and Obesity (OB) are not in this release: "
        "their registers are not in QOF 2021/22."
    )


def test_no_qof_table_given_is_not_a_release_without_registers(members, list_sizes):
    profile = population_profile.pcn_profile(members, list_sizes)
    assert profile.qof_missing == () and profile.not_in_release == ()


@pytest.mark.parametrize(
    ("release", "year"),
    [("2017-18", "2017/18"), ("2019-20", "2019/20"), ("2020-21", "2020/21"), ("2023-24", "2023/24"),
     ("latest", "latest"), (None, "-")],
)
def test_the_qof_year_follows_the_release_id(release, year):
    assert population_profile_section.qof_year(release) == year


def test_the_texts_name_the_editions_read(members, list_sizes):
    profile = population_profile.pcn_profile(members, list_sizes, qof=_qof_release(ALL_EIGHT))
    text = population_profile_section.numbers_for_report(
        profile, {"qof-prevalence": "2019-20", "imd": "2019", "ruc": "2011"}
    )
    assert (text["qof_year"], text["imd_year"], text["ruc_year"]) == ("2019/20", "2019", "2011")
    assert population_profile_section.edition_year("2025") == "2025"


def test_counts_in_words():
    assert [population_profile_section.in_words(n) for n in (0, 7, 8, 10, 12)] == ["none", "seven", "eight", "ten", "12"]


@pytest.mark.parametrize(
    ("source", "dataset", "title"),
    [("registrations", "registrations", "Patients Registered at a GP Practice"),
     ("payments", "payments", "NHS Payments to General Practice")],
)
def test_the_section_names_its_population_source_and_release(tmp_path, members, list_sizes, source, dataset, title):
    profile = population_profile.pcn_profile(members, list_sizes, qof=_qof_release(WITHOUT_CVDPP))
    releases = {"qof-prevalence": "2020-21", dataset: "2021-04"}
    population_profile_section.write_section(tmp_path, profile, releases, source)
    text = json.loads((tmp_path / "_generated" / "numbers" / "population_profile.json").read_text())["text"]
    assert (text["population_source_title"], text["population_release"]) == (title, "2021-04")
    assert text["qof_year"] == "2020/21" and text["qof_conditions_words"] == "seven"
    table = (tmp_path / "figures" / "tbl-pcn-characteristics.md").read_text()
    assert "not in this release" in table


def test_ratio_rule_names_the_rows_it_blanks():
    from types import SimpleNamespace

    from pcnreport.analysis.measures import Distribution
    from pcnreport.analysis.population_profile import Measure
    from pcnreport.report.sections.population_profile import ratio_rule

    def spread(p10, median):
        return Distribution(n=10, mean=median, median=median, p10=p10, p90=2 * median, minimum=0, maximum=2 * median)

    rows = (Measure("pct_rural", "Percentage living in rural area", 1), Measure("prev_DM", "Percentage diagnosed with Diabetes", 1))
    blanked = SimpleNamespace(measures=rows, distributions={"pct_rural": spread(0.1, 6.6), "prev_DM": spread(5, 7)})
    text = ratio_rule(blanked)
    assert 'under 20% of the median' in text
    assert text.endswith("In this build that blanks 1 row: percentage living in rural area.")
    kept = SimpleNamespace(measures=rows, distributions={"pct_rural": spread(3, 6.6), "prev_DM": spread(5, 7)})
    assert ratio_rule(kept).endswith("in this build no row is blanked.")


def test_size_contrast_follows_the_band_means():
    from types import SimpleNamespace

    from pcnreport.report.sections.population_profile import size_contrast

    def profile(age, dm, hyp):
        means = pd.DataFrame([age, dm, hyp], index=["pct_65_plus", "prev_DM", "prev_HYP"], columns=["under", "within", "over"])
        return SimpleNamespace(band_means=means, qof_indicators=("DM", "HYP"))

    # Under the range: the oldest band and the highest prevalence of both conditions (the interim report's pattern).
    assert size_contrast(profile([21.3, 17.8, 16.9], [7.5, 7.0, 6.9], [16.0, 14.0, 13.9])) == (
        "smaller networks serve older populations, with the highest recorded prevalence of all 2 conditions")
    # Youngest band, lowest prevalence of both.
    assert size_contrast(profile([15.0, 17.8, 16.9], [6.0, 7.0, 6.9], [12.0, 14.0, 13.9])) == (
        "smaller networks serve younger populations, with the lowest recorded prevalence of all 2 conditions")
    # Between the others in age; one condition highest, one lowest: no claim of a pattern.
    text = size_contrast(profile([17.0, 17.8, 16.9], [7.5, 7.0, 6.9], [12.0, 14.0, 13.9]))
    assert text.startswith("networks under the range are neither the oldest nor the youngest")
    assert text.endswith("(1 of the 2 conditions is highest among them, 1 lowest)")
