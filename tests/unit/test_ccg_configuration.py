"""Table 6.3 on a hand-made case: five PCNs, seven practices, three CCGs.

PCN    practices (list size, CCG)                      population  band     assigned CCG
U00001 P81001 (30,000, AAA), P81002 (10,000, BBB)      40,000      within   AAA (75% of its patients)
U00002 P81003 (60,000, AAA)                            60,000      over     AAA
U00003 P81004 (5,000, BBB), P81005 (5,000, CCC)        10,000      under    BBB (a tie: same patients, same
                                                                             practices, first code)
U00004 P81006 (20,000, BBB)                            20,000      under    BBB
U00005 P81007 (45,000, DDD)                            45,000      within   DDD
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from pcnreport.analysis import ccg_configuration, measures
from pcnreport.report.sections import ccg_configuration as ccg_configuration_section


@pytest.fixture
def members():
    return pd.DataFrame(
        {
            "practice_code": ["P81001", "P81002", "P81003", "P81004", "P81005", "P81006", "P81007"],
            "pcn_code": ["U00001", "U00001", "U00002", "U00003", "U00003", "U00004", "U00005"],
        }
    )


@pytest.fixture
def list_sizes():
    return pd.DataFrame(
        {
            "practice_code": ["P81001", "P81002", "P81003", "P81004", "P81005", "P81006", "P81007"],
            "list_size": [30_000, 10_000, 60_000, 5000, 5000, 20_000, 45_000],
        }
    )


@pytest.fixture
def practice_ccg():
    return pd.DataFrame(
        {
            "practice_code": ["P81001", "P81002", "P81003", "P81004", "P81005", "P81006", "P81007"],
            "ccg_code": ["AAA", "BBB", "AAA", "BBB", "CCC", "BBB", "DDD"],
            "ccg_name": ["NHS A CCG", "NHS B CCG", "NHS A CCG", "NHS B CCG", "NHS C CCG", "NHS B CCG", "NHS D CCG"],
        }
    )


@pytest.fixture
def config(members, list_sizes, practice_ccg):
    return ccg_configuration.ccg_configuration(members, list_sizes, practice_ccg)


def test_majority_ccg_by_patients_with_ties_flagged(members, list_sizes, practice_ccg):
    assignment = measures.majority_ccg(members, list_sizes, practice_ccg).set_index("pcn_code")
    assert assignment["ccg_code"].tolist() == ["AAA", "AAA", "BBB", "BBB", "DDD"]
    assert assignment.loc["U00001", "ccg_patient_share"] == pytest.approx(0.75)
    assert assignment["ccgs"].tolist() == [2, 1, 2, 1, 1]
    assert assignment["tied"].tolist() == [False, False, True, False, False]


def test_majority_ccg_tie_goes_to_the_ccg_with_more_practices(members, practice_ccg):
    # With no list sizes at all every PCN is a tie on patients (0 = 0): U1 has one practice in
    # each CCG, so the first code wins; a single-CCG PCN is never tied.
    no_sizes = pd.DataFrame({"practice_code": [], "list_size": []})
    moved = practice_ccg.assign(ccg_code=["AAA", "BBB", "AAA", "CCC", "CCC", "BBB", "DDD"])
    extra = pd.concat(
        [members, pd.DataFrame({"practice_code": ["P81008"], "pcn_code": ["U00001"]})], ignore_index=True
    )
    mapping = pd.concat(
        [moved, pd.DataFrame({"practice_code": ["P81008"], "ccg_code": ["BBB"], "ccg_name": ["NHS B CCG"]})],
        ignore_index=True,
    )
    assignment = measures.majority_ccg(extra, no_sizes, mapping).set_index("pcn_code")
    assert assignment.loc["U00001", "ccg_code"] == "BBB"  # 2 practices in BBB against 1 in AAA
    assert bool(assignment.loc["U00001", "tied"])
    assert math.isnan(assignment.loc["U00001", "ccg_patient_share"])
    assert not bool(assignment.loc["U00003", "tied"])  # both practices in CCC


def test_pcn_without_a_mapped_practice_has_no_ccg(members, list_sizes, practice_ccg):
    mapping = practice_ccg[practice_ccg["practice_code"] != "P81007"]
    config = ccg_configuration.ccg_configuration(members, list_sizes, mapping)
    assert config.pcns_without_ccg == 1
    assert config.ccg_count == 2  # DDD has gone with its only PCN
    assert config.ccgs["pcns"].sum() == 4


def test_per_ccg_measures(config):
    ccgs = config.ccgs.set_index("ccg_code")
    assert ccgs.loc["AAA", "ccg_name"] == "NHS A CCG"
    a = ccgs.loc["AAA"]
    assert (a["pcns"], a["pcns_in_range"], a["pct_in_range"]) == (2, 1, pytest.approx(50))
    assert a["pct_population_in_largest"] == pytest.approx(100 * 60_000 / 100_000)
    # The PCN with most practices is U1 (2 of A's 3): "largest" in the unit of each share.
    assert a["pct_practices_in_largest"] == pytest.approx(100 * 2 / 3)
    assert a["largest_to_smallest"] == pytest.approx(60_000 / 40_000)
    b = ccgs.loc["BBB"]
    assert (b["pcns"], b["pct_in_range"]) == (2, 0)
    assert b["pct_population_in_largest"] == pytest.approx(100 * 20_000 / 30_000)
    assert b["largest_to_smallest"] == pytest.approx(2.0)
    d = ccgs.loc["DDD"]
    assert (d["pcns"], d["pct_in_range"], d["pct_population_in_largest"]) == (1, 100, 100)
    assert math.isnan(d["largest_to_smallest"])  # one PCN: no ratio


def test_counts_and_distributions(config):
    assert (config.ccg_count, config.one_pcn, config.two_or_more) == (3, 1, 2)
    assert (config.all_in_range, config.none_in_range, config.max_pcns) == (1, 1, 2)
    assert (config.ties, config.split_pcns, config.pcns_without_ccg) == (1, 2, 0)
    pcns = config.distributions["pcns"]  # 2, 2, 1
    assert pcns.mean == pytest.approx(5 / 3)
    assert pcns.p10 == pytest.approx(1.2)  # 1 + 0.2 * (2 - 1): rank 0.2 of 3 sorted values
    ratio = config.distributions["largest_to_smallest"]  # 1.5 and 2.0 only
    assert ratio.n == 2 and ratio.mean == pytest.approx(1.75)


def test_configuration_table_and_numbers(config):
    printed, data = ccg_configuration_section.configuration_table(config)
    assert printed["Statistic"].tolist()[0] == "Number of Primary Care Networks"
    assert printed.iloc[0].tolist()[1:] == ["3", "1.7", "1.2", "2.0", "2.0", "1.7"]
    assert printed.iloc[4]["CCGs"] == "2"
    assert len(data) == 3 and "pct_population_in_largest" in data  # per-CCG, unrounded
    text = ccg_configuration_section.numbers_for_report(config)
    assert text["one_pcn"] == "1" and text["max_pcns"] == "2" and text["pcns"] == "5"
    assert text["measures"]["pct_in_range"]["mean"] == "50.0"  # (50 + 0 + 100) / 3
    raw = ccg_configuration.raw_numbers(config)
    assert raw["ties"] == 1 and raw["measures"]["pcns"]["n"] == 3


# --- The commissioner level: named as the data have it --------------------------------------------------


def test_ccg_mapping_is_presented_as_ccgs_of_april_after_the_qof_year(config):
    assert config.level == "ccg"  # a mapping without attrs: the CCG-era default
    printed, data = ccg_configuration_section.configuration_table(config)
    assert printed.columns[1] == "CCGs" and printed.iloc[4]["CCGs"] == "2"
    assert printed["Statistic"].tolist()[2] == "Percentage of CCG population in CCG's largest PCN"
    assert printed["Statistic"].tolist()[4] == (
        "Ratio of largest to smallest PCN population in the CCG (CCGs with two PCNs or more)"
    )
    assert {"ccg_code", "ccg_name"} <= set(data.columns)
    text = ccg_configuration_section.numbers_for_report(config, "2019-20")
    assert (text["level_name"], text["level_plural"], text["level_vintage"]) == ("CCG", "CCGs", "of April 2020")
    assert text["level_long"] == "clinical commissioning group (CCG)"
    assert text["ccg_count"] == "3"


def test_table_6_3_dates_its_commissioners_by_the_mapping_that_gave_the_link(config, tmp_path):
    # QOF's 2019-20 mapping alone: the CCGs of April 2020. With a monthly mapping newer than it (January
    # 2022 is after QOF 2019-20's September 2020), that one gave the link and dates the commissioners.
    def written(releases):
        ccg_configuration_section.write_section(tmp_path, config, releases, "registrations")
        numbers = json.loads((tmp_path / "_generated" / "numbers" / "ccg_configuration.json").read_text())
        return numbers["text"]["level_vintage"]

    assert written({"practice-ccg": "2019-20"}) == "of April 2020"
    assert written({"practice-ccg": "2019-20", "registrations-map": "2022-01"}) == "of the practice mapping of January 2022"
    assert written({"practice-ccg": "2021-22", "registrations-map": "2022-01"}) == "of April 2022"


def test_sub_icb_mapping_is_never_called_a_ccg(members, list_sizes, practice_ccg):
    # The same hand-made case with the mapping a 2022/23 reader returns: sub-ICB locations AAA, BBB, ...
    mapping = practice_ccg.assign(ccg_name=practice_ccg["ccg_name"].str.replace("CCG", "ICB - sub-location"))
    mapping.attrs["commissioner_level"] = "sub-icb"
    config = ccg_configuration.ccg_configuration(members, list_sizes, mapping)
    assert config.level == "sub-icb"
    assert (config.ccg_count, config.one_pcn, config.two_or_more) == (3, 1, 2)  # counts as for CCGs
    printed, data = ccg_configuration_section.configuration_table(config)
    assert printed.columns[1] == "Sub-ICB locations"
    assert printed.iloc[4]["Sub-ICB locations"] == "2"
    assert printed["Statistic"].tolist()[3] == (
        "Percentage of sub-ICB location practices in sub-ICB location's largest PCN"
    )
    assert data["sub_icb_code"].tolist() == ["AAA", "BBB", "DDD"] and "ccg_code" not in data
    text = ccg_configuration_section.numbers_for_report(config, "2022-23")
    assert (text["level_name"], text["level_plural"]) == ("sub-ICB location", "sub-ICB locations")
    assert text["level_vintage"] == "of the QOF 2022/23 practice mapping"
    words = " ".join([*printed.columns, *printed["Statistic"], *(v for v in text.values() if isinstance(v, str))])
    assert "CCG" not in words


def test_level_given_explicitly_wins_and_an_unknown_level_is_refused(members, list_sizes, practice_ccg):
    assert ccg_configuration.ccg_configuration(members, list_sizes, practice_ccg, level="sub-icb").level == "sub-icb"
    with pytest.raises(ValueError, match="expected 'ccg' or 'sub-icb'"):
        ccg_configuration.ccg_configuration(members, list_sizes, practice_ccg, level="icb")


def test_vintage_without_a_qof_year_names_no_date():
    assert ccg_configuration_section.vintage("ccg", "2020-21") == "of April 2021"
    assert ccg_configuration_section.vintage("ccg", None) == "of the practice mapping used"
    assert ccg_configuration_section.vintage("sub-icb", "latest") == "of the practice mapping used"
