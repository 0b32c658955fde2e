"""Chapter 6, Tables 6.1 to 6.3, on the real extracts in ../shared/data against the interim report.

What ../shared/data allows:
- QOF 2017/18 prevalences with the December 2019 ePCN (the releases the report names): Table 6.1's
  rows and Table 6.2's means by size band.
- The workload index from NHS Payments 2019/20 (the report does not name its payments year).
- The share aged 65 and over from age/gp-by-age.csv, a THIRD PARTY's wide derivation of NHS Digital's
  registrations by age (c. 2020), not the publisher's file: the report used the January 2020 release.
- Table 6.3 from QOF 2019-20's practice mapping (the 135 CCGs of April 2020) with the January 2021
  registrations (the report used January 2020's, which ../shared/data lacks).
What it does not allow: the national shares living in rural, most deprived and least deprived areas.
They need the national registrations by LSOA (every practice's patients by area of residence); only a
Pennine Lancashire cut is here, so the method is checked on that cut against an independent
computation, and the report's national figures (17.2 / 20.6 / 19.2% means) are not compared.

Size bands (Table 6.2) come from the January 2021 registrations: 86 / 730 / 434 PCNs under / within /
over, against the report's 84 / 726 / 440 (tests/reproduction/test_pcn_size_reproduction.py).

Disagreements found between the report's text, its tables and these data are written as FINDING
comments where they are tested; the code is not bent towards either.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pcnreport.analysis import ccg_configuration, measures, population_profile
from pcnreport.data import readers

# The report's printed values, kept with their source in data/published.yaml.
PUBLISHED = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "published.yaml").read_text())

# Table 6.1 as printed: mean, P10, median, P90, decile ratio.
TABLE_6_1 = {k: tuple(v) for k, v in PUBLISHED['population_profile']['table_6_1'].items()}
# Table 6.2 as printed: mean under 30,000 (84 PCNs), 30,000-50,000 (726), over 50,000 (440).
TABLE_6_2 = {k: tuple(v) for k, v in PUBLISHED['population_profile']['table_6_2'].items()}
# Table 6.3 as printed: mean, P10, median, P90, decile ratio.
TABLE_6_3 = {k: tuple(v) for k, v in PUBLISHED['ccg_configuration']['table_6_3'].items()}
STATISTICS = ("mean", "p10", "median", "p90")
BANDS = ("under", "within", "over")


def _statistics(dist) -> tuple[float, ...]:
    return tuple(getattr(dist, s) for s in STATISTICS)


@pytest.fixture(scope="module")
def epcn(shared_data):
    return readers.read_epcn(shared_data / "epcn" / "2019-12" / "ePCN.xlsx")


@pytest.fixture(scope="module")
def list_sizes(shared_data):
    registrations = readers.read_registrations(shared_data / "registrations" / "2021-01" / "gp-reg-pat-prac-all.csv")
    return registrations[["practice_code", "list_size"]]


@pytest.fixture(scope="module")
def profile(shared_data, epcn, list_sizes):
    return population_profile.pcn_profile(
        epcn.members,
        list_sizes,
        ages=readers.read_registrations_age(shared_data / "age" / "gp-by-age.csv"),
        qof=readers.read_qof_prevalence(shared_data / "qof" / "2017-18" / "PREVALENCE_1718.csv"),
        payments=readers.read_payments(shared_data / "payments" / "2019-20" / "payments_19-20.csv"),
    )


# --- Table 6.1 ------------------------------------------------------------------------------------

# The report prints QOF prevalences to 0.1 (so its own values are within 0.05 of what it computed)
# and computed them over 1,249 PCNs; 1,238 PCNs of the December 2019 ePCN have a member practice in
# QOF 2017/18 (practices opened or re-coded since 2018 have none). Within 0.1 percentage point allows
# the rounding and those 11 PCNs.
QOF_POINTS = 0.1
QOF_REPRODUCED = ("prev_COPD", "prev_CKD", "prev_CVDPP", "prev_STIA", "prev_MH")


def test_qof_pcn_count(profile):
    # FINDING: the note says "computed over 1,249 PCNs"; QOF 2017/18 covers 1,238 of the 1,250.
    assert {profile.distributions[f"prev_{c}"].n for c in population_profile.QOF_INDICATORS} == {1238}
    assert profile.qof_list_types == {
        "COPD": "TOTAL", "CKD": "18OV", "DM": "17OV", "CVDPP": "30_74",
        "HYP": "TOTAL", "STIA": "TOTAL", "MH": "TOTAL", "OB": "18OV",
    }


@pytest.mark.parametrize("key", QOF_REPRODUCED)
def test_qof_prevalence_matches_table_6_1(profile, key):
    # Found: COPD 1.91/1.00/1.86/2.89, CKD 4.13/2.19/4.05/6.16, CVDPP 1.15/0.83/1.13/1.49,
    # STIA 1.78/0.98/1.82/2.48, MH 0.94/0.64/0.90/1.30 (mean/P10/median/P90).
    dist = profile.distributions[key]
    for statistic, published in zip(STATISTICS, TABLE_6_1[key]):
        assert getattr(dist, statistic) == pytest.approx(published, abs=QOF_POINTS), statistic
    # A ratio of two values each printed to 0.1: within 0.1 of the printed ratio (STIA: 2.55 vs 2.6).
    assert dist.decile_ratio == pytest.approx(TABLE_6_1[key][4], abs=0.1)


def test_diabetes_and_hypertension_fall_short_of_table_6_1(profile):
    # FINDING: diabetes and hypertension come out systematically BELOW Table 6.1, by more than its
    # rounding explains: DM 6.83/4.97/6.86/8.57 against 7.0/5.1/7.0/8.8, HYP 14.01/10.01/14.31/17.42
    # against 14.1/10.0/14.4/17.6. Every statistic of DM is 0.13-0.23 points low. QOF 2018/19 (national
    # DM prevalence 6.9%, up from 6.8%) would fit better than the 2017/18 the note names; unconfirmed.
    # The gap is bounded here (0.25 points) so a change in method or data shows up.
    for key in ("prev_DM", "prev_HYP"):
        dist = profile.distributions[key]
        for statistic, published in zip(STATISTICS, TABLE_6_1[key]):
            assert getattr(dist, statistic) == pytest.approx(published, abs=0.25), (key, statistic)
    assert all(ours < published for ours, published in zip(_statistics(profile.distributions["prev_DM"]), TABLE_6_1["prev_DM"]))


def test_obesity_is_not_reproduced_from_qof_2017_18(profile, shared_data, epcn):
    # FINDING: obesity (QOF OB, register of patients aged 18+ with BMI >= 30) is 9.77/5.93/9.74/13.52 over
    # the 18+ list QOF publishes it against, against the report's 8.1/5.0/8.0/11.0. Over the TOTAL
    # list (all ages) it is 7.74/4.77/7.75/10.69: closer, still not it. The report's obesity row cannot
    # be reproduced from QOF 2017/18 with either denominator; its decile ratio (2.2 vs 2.3) is close.
    ob = profile.distributions["prev_OB"]
    assert _statistics(ob) == pytest.approx((9.773, 5.929, 9.737, 13.522), abs=0.001)
    assert ob.mean - TABLE_6_1["prev_OB"][0] > 1.5


def test_workload_index_matches_table_6_1(profile):
    # Payments 2019/20, printed to 0.01: within 0.015 allows the rounding and a year's drift of the
    # Carr-Hill weights. Found 1.002/0.903/0.996/1.113, decile ratio 1.23.
    # FINDING (text): "The workload factor in the lowest tenth of PCNs is on average 20% higher than
    # that observed in the highest tenth" reverses the table: the HIGHEST tenth is 20% higher (P90/P10).
    dist = profile.distributions["workload_index"]
    assert dist.n == 1250
    for statistic, published in zip(STATISTICS, TABLE_6_1["workload_index"]):
        assert getattr(dist, statistic) == pytest.approx(published, abs=0.015), statistic
    assert round(dist.decile_ratio, 1) == TABLE_6_1["workload_index"][4]
    assert dist.p90 > dist.p10


def test_share_aged_65_plus_matches_table_6_1(profile):
    # From the third-party age/gp-by-age.csv (see the module docstring), printed to 0.1: within 0.1
    # point allows the rounding and the months between that file and January 2020.
    # Found 17.74/9.23/18.04/25.68, decile ratio 2.78 (the text's "2.8-fold", 9.2% to 25.6%).
    dist = profile.distributions["pct_65_plus"]
    assert dist.n == 1250
    for statistic, published in zip(STATISTICS, TABLE_6_1["pct_65_plus"]):
        assert getattr(dist, statistic) == pytest.approx(published, abs=0.1), statistic
    assert round(dist.decile_ratio, 1) == TABLE_6_1["pct_65_plus"][4]


# --- Table 6.2 ------------------------------------------------------------------------------------

# Band means move with band membership, which here comes from January 2021 list sizes (86 / 730 / 434
# PCNs against 84 / 726 / 440), and the under-30,000 band has only 86 PCNs, so a few PCNs crossing a
# boundary move its mean. Within 0.25 points (QOF) and 0.1 point (aged 65+); DM and OB as in Table 6.1.
@pytest.mark.parametrize("key", [*QOF_REPRODUCED, "prev_HYP", "prev_DM"])
def test_qof_by_size_band_matches_table_6_2(profile, key):
    # Found, under / within / over: COPD 2.02/1.92/1.87, CKD 4.79/4.12/4.02, DM 7.15/6.80/6.82,
    # CVDPP 1.23/1.16/1.11, HYP 15.46/14.08/13.61, STIA 2.05/1.78/1.72, MH 0.94/0.93/0.96.
    for band, published in zip(BANDS, TABLE_6_2[key]):
        assert profile.band_means.loc[key, band] == pytest.approx(published, abs=0.25), band


def test_aged_65_plus_by_size_band_matches_table_6_2(profile):
    # Found 21.24 / 17.83 / 16.91.
    assert profile.bands.under == 86 and profile.bands.within == 730 and profile.bands.over == 434
    for band, published in zip(BANDS, TABLE_6_2["pct_65_plus"]):
        assert profile.band_means.loc["pct_65_plus", band] == pytest.approx(published, abs=0.1), band


def test_obesity_by_size_band_is_not_reproduced(profile):
    # FINDING: as in Table 6.1: 10.13 / 9.74 / 9.76 against the printed 8.2 / 8.0 / 8.0.
    assert [round(profile.band_means.loc["prev_OB", b], 1) for b in BANDS] == [10.1, 9.7, 9.8]


def test_workload_index_by_size_band_runs_the_other_way(profile):
    # FINDING: Table 6.2 prints the workload index as 0.98 (under 30,000) < 1.00 < 1.01 (over 50,000).
    # Payments 2019/20 give the opposite order: 1.037 > 1.002 > 0.994. The Carr-Hill weighting rises
    # with age and rurality, and the same table (and its text) finds under-sized PCNs older and more
    # rural, so the data's order is the expected one; the printed row looks reversed or mislabelled.
    means = [profile.band_means.loc["workload_index", b] for b in BANDS]
    assert means == pytest.approx([1.037, 1.002, 0.994], abs=0.001)
    assert means[0] > means[1] > means[2]
    assert TABLE_6_2["workload_index"][0] < TABLE_6_2["workload_index"][2]


# --- Rural and deprivation shares: the method on the Pennine Lancashire cut --------------------------


@pytest.fixture(scope="module")
def pennine(shared_data):
    folder = shared_data / "registrations-lsoa" / "2020-01-pennine-lancashire"
    lsoa_patients = readers.read_registrations_lsoa(folder / "lsoapops_01JAN2020.csv")
    # PCNdefs.csv is the area team's own practice -> PCN list (names, not codes): not a publisher file,
    # so no reader; the PCN name stands in for its code.
    with open(folder / "PCNdefs.csv", newline="", encoding="utf-8") as handle:
        pairs = [(row["PCode"], row["PCN"]) for row in csv.DictReader(handle)]
    members = pd.DataFrame(pairs, columns=["practice_code", "pcn_code"])
    # The population is the practices' LSOA total: the cut holds every row of these practices.
    list_sizes = lsoa_patients.groupby("practice_code", as_index=False)["patients"].sum().rename(
        columns={"patients": "list_size"}
    )
    ruc = readers.read_ruc(shared_data / "ruc" / "2011" / "ruc_2011.csv")
    imd = readers.read_imd(shared_data / "imd" / "2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx")
    profile = population_profile.pcn_profile(members, list_sizes, lsoa_patients=lsoa_patients, ruc=ruc, imd=imd)
    return profile, lsoa_patients, pairs, ruc, imd


def _independent_shares(lsoa_patients, pairs, ruc, imd) -> dict[str, dict[str, float]]:
    """The same three shares with plain dictionaries and loops, written apart from the library."""
    pcn_of = dict(pairs)
    rural = dict(zip(ruc["lsoa_code"], ruc["rural"]))
    decile = dict(zip(imd["lsoa_code"], imd["imd_decile"]))
    sums = defaultdict(lambda: defaultdict(int))
    for practice, lsoa, patients in lsoa_patients[["practice_code", "lsoa_code", "patients"]].itertuples(index=False):
        pcn = pcn_of.get(practice)
        if pcn is None:
            continue
        if lsoa in rural:
            sums[pcn]["ruc_known"] += patients
            sums[pcn]["rural"] += patients if rural[lsoa] else 0
        if lsoa in decile:
            sums[pcn]["imd_known"] += patients
            sums[pcn]["deprived"] += patients if decile[lsoa] <= 2 else 0
            sums[pcn]["affluent"] += patients if decile[lsoa] >= 9 else 0
    return {
        pcn: {
            "pct_rural": 100 * s["rural"] / s["ruc_known"],
            "pct_deprived": 100 * s["deprived"] / s["imd_known"],
            "pct_affluent": 100 * s["affluent"] / s["imd_known"],
        }
        for pcn, s in sums.items()
    }


def test_lsoa_shares_on_the_pennine_cut_match_an_independent_computation(pennine):
    profile, lsoa_patients, pairs, ruc, imd = pennine
    expected = _independent_shares(lsoa_patients, pairs, ruc, imd)
    pcns = profile.pcns.set_index("pcn_code")
    assert len(expected) >= 10  # the area's PCNs with patients in the file
    for pcn, shares in expected.items():
        for key, value in shares.items():
            assert pcns.loc[pcn, key] == pytest.approx(value), (pcn, key)
    assert profile.lsoa_low_coverage_pcns == 0  # the cut holds every row of these practices


def test_pennine_shares_are_plausible(pennine):
    # Not the report's figures (national), but a sanity check of the flags: Ribblesdale (Ribble Valley)
    # is the area's rural PCN; the Burnley, Blackburn and Pendle networks are among England's most
    # deprived; and the shares are of known areas only (Welsh / unknown LSOAs are left out).
    profile, *_ = pennine
    pcns = profile.pcns.set_index("pcn_code")
    assert pcns["pct_rural"].idxmax() == "RIBBLESDALE PCN"
    assert pcns.loc["BURNLEY EAST PCN", "pct_deprived"] > 50
    assert pcns[["pct_rural", "pct_deprived", "pct_affluent"]].stack().between(0, 100).all()


# --- Table 6.3 --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def april_2020(shared_data, epcn, list_sizes):
    practice_ccg = readers.read_practice_ccg(shared_data / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv")
    return ccg_configuration.ccg_configuration(epcn.members, list_sizes, practice_ccg)


@pytest.fixture(scope="module")
def before_april_2020(epcn, list_sizes):
    """The same with the ePCN's own practice CCG codes: the 191 CCGs before the April 2020 mergers."""
    practice_ccg = epcn.members[["practice_code", "practice_ccg_code"]].rename(columns={"practice_ccg_code": "ccg_code"})
    return ccg_configuration.ccg_configuration(epcn.members, list_sizes, practice_ccg)


def test_april_2020_ccgs_match_the_text(april_2020):
    # The text of section 6.1 (135 CCGs) is reproduced; found values in comments.
    config = april_2020
    pcns = config.distributions["pcns"]
    assert config.ccg_count == 135 and config.pcns_without_ccg == 0
    assert pcns.median == 6  # "The median CCG deals with six PCNs"
    assert round(pcns.mean, 1) == 9.3  # "(mean of 9.3)"
    assert config.one_pcn == 3  # "one PCN (3 CCGs)"
    assert round(pcns.decile_ratio, 1) == 4.5  # "decile ratio=4.5"
    assert config.two_or_more == 132  # "Among the 132 CCGs with at least two PCNs"
    # FINDING: "to more than 42 PCNs in one CCG": the largest CCG, NHS Kent and Medway (91Q),
    # has exactly 42; the next, South West London, 39.
    assert config.max_pcns == 42
    # "Seven CCGs have all PCNs outside the expected list size range."
    assert config.none_in_range == 7
    # "Only six of the 135 CCGs managed to get all PCNs in the targeted list size": 7 here. Within one:
    # January 2021 list sizes move a few PCNs across 30,000 / 50,000 (4 net, see Table 6.2's bands).
    assert config.all_in_range == pytest.approx(6, abs=1)
    in_range = config.distributions["pct_in_range"]
    assert in_range.mean > 50  # "Over half" (55.1)
    assert in_range.p10 == 25  # "from the lowest tenth (25%)"
    assert in_range.p90 == pytest.approx(80, abs=3)  # "to the highest tenth (80%)": 82.5
    assert round(in_range.decile_ratio) == 3  # "a three-fold difference" (3.3)
    population = config.distributions["pct_population_in_largest"]
    assert population.mean == pytest.approx(25, abs=1.5)  # "around one quarter" (24.1)
    assert population.decile_ratio == pytest.approx(4.2, abs=0.25)  # "decile ratio =4.2" (4.01)
    practices = config.distributions["pct_practices_in_largest"]
    assert practices.mean == pytest.approx(25, abs=1)  # "a quarter of practices" (25.4)
    assert practices.p10 == pytest.approx(11, abs=0.5)  # "around 11%" (10.65)
    assert practices.p90 == pytest.approx(40, abs=0.5)  # "40%" (40.0)
    ratio = config.distributions["largest_to_smallest"]
    assert ratio.n == 132
    assert round(ratio.mean, 1) == 2.4  # "approximately 2.4 times the smallest" (2.43)
    assert round(ratio.decile_ratio, 1) == 2.4  # "(decile ratio =2.4)" (2.41)


def test_april_2020_ccgs_do_not_give_the_printed_table(april_2020):
    # FINDING: Table 6.3's caption says "new CCGs configuration as of April 2020" and its note "the 135
    # CCGs", but its values are NOT those of the 135 CCGs: 9.3 / 4 / 6 / 18 PCNs a CCG (mean, P10,
    # median, P90) against the printed 6.5 / 3.0 / 5.0 / 12.0, which is what the 191 pre-April 2020 CCGs
    # give (next test). The text (previous test) is computed on the 135, the table on the 191; the
    # table's own note b ("183 CCGs (over 191)") contradicts its note on 135 and the text's "132 CCGs".
    pcns = april_2020.distributions["pcns"]
    assert _statistics(pcns) == (pytest.approx(9.259, abs=0.001), 4.0, 6.0, 18.0)
    assert round(pcns.mean, 1) != TABLE_6_3["pcns"][0]


# The printed Table 6.3 against the 191 CCGs of the December 2019 ePCN. Statistics of practice counts
# do not depend on list sizes and must match to the printed decimal (0.05 plus float noise); those of
# populations move with the January 2021 list sizes: within 0.5 point (shares) and 0.1 (the ratio).
CCG_TOLERANCE = {
    "pcns": 0.051,
    "pct_in_range": 0.15,  # in-range status moves with list sizes (found mean 52.6 vs 52.5)
    "pct_population_in_largest": 0.5,
    "pct_practices_in_largest": 0.051,
    "largest_to_smallest": 0.1,
}


@pytest.mark.parametrize("key", list(TABLE_6_3))
def test_191_ccgs_give_the_printed_table_6_3(before_april_2020, key):
    # Found (mean/P10/median/P90/DR): PCNs 6.5/3/5/12/4.0; in range 52.6/16.7/57.1/83.3/5.0; population
    # in largest 29.8/12.8/26.2/43.3/3.4; practices in largest 31.3/14.9/27.7/50.0/3.4 (the PCN with
    # most practices: the most populous PCN's practices give 28.2/10.4/23.1/50.0/4.8); largest to
    # smallest 2.14/1.34/1.99/3.12/2.32 over 183 CCGs, the note's "183 CCGs (over 191)".
    config = before_april_2020
    assert config.ccg_count == 191 and config.two_or_more == 183 and config.one_pcn == 8
    dist = config.distributions[key]
    for statistic, published in zip(STATISTICS, TABLE_6_3[key]):
        assert getattr(dist, statistic) == pytest.approx(published, abs=CCG_TOLERANCE[key]), statistic
    assert dist.decile_ratio == pytest.approx(TABLE_6_3[key][4], abs=0.15)


def test_decile_ratios_are_blank_exactly_where_table_6_1_prints_a_dash(profile):
    # The interim report prints "-" for the rural, deprived and affluent shares (P10 0, 0 and 0.3) and a
    # ratio for every other row; the threshold on P10 (measures.MIN_P10_OF_MEDIAN) blanks the same rows.
    # The shares need national registrations by LSOA, which ../shared/data holds for one area only: for
    # them the rule is applied to the report's own printed P10 and median.
    def blank(key: str) -> bool:
        if key in profile.distributions:
            return math.isnan(profile.distributions[key].decile_ratio)
        mean, p10, median, p90, _ratio = TABLE_6_1[key]
        return math.isnan(measures.Distribution(1250, mean, median, p10, p90, 0, 100).decile_ratio)

    assert {key for key in TABLE_6_1 if blank(key)} == {key for key, row in TABLE_6_1.items() if row[4] is None}
