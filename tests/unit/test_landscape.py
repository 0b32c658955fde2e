"""The PCN landscape over time (pcnreport.analysis.landscape) on a hand-made pair of snapshots.

January 2020: A = P1, P2; B = P3, P4; C = P5, P6; D = P7; E = P8, P9; F = P10.
January 2021: A = P1, P2, P3 (B's P3 joined it), plus the new practice P11; G = P4 (new); H = P5, P6
(C re-coded); E = P7, P8, P9 (D joined it); P10 in no PCN.
So: C -> H is a re-coding, not a closure; B split (one practice to A, one to the new G); D merged into E;
F dissolved; G opened; P3, P4 and P7 moved (P5 and P6 did not: their network only changed code).
"""

import pandas as pd
import pytest

from pcnreport.analysis import landscape

NA = None


def snapshot(month, pairs, sizes):
    members = pd.DataFrame(pairs, columns=["practice_code", "pcn_code"])
    list_sizes = pd.DataFrame(sizes.items(), columns=["practice_code", "list_size"])
    return landscape.Snapshot(month, members, list_sizes)


BEFORE = snapshot(
    "2020-01",
    [("P1", "A"), ("P2", "A"), ("P3", "B"), ("P4", "B"), ("P5", "C"), ("P6", "C"), ("P7", "D"),
     ("P8", "E"), ("P9", "E"), ("P10", "F")],
    {"P1": 20_000, "P2": 15_000, "P3": 8_000, "P4": 9_000, "P5": 30_000, "P6": 25_000, "P7": 4_000,
     "P8": 12_000, "P9": 14_000, "P10": 6_000},
)
AFTER = snapshot(
    "2021-01",
    [("P1", "A"), ("P2", "A"), ("P3", "A"), ("P11", "A"), ("P4", "G"), ("P5", "H"), ("P6", "H"),
     ("P7", "E"), ("P8", "E"), ("P9", "E"), ("P10", NA)],
    {"P1": 21_000, "P2": 15_000, "P3": 8_000, "P11": 2_000, "P4": 9_500, "P5": 31_000, "P6": 25_000,
     "P7": 4_000, "P8": 12_000, "P9": 14_000, "P10": 6_000},
)


def test_a_pcn_with_the_same_practices_under_a_new_code_is_a_recoding():
    assert landscape.recodes(BEFORE, AFTER) == {"C": "H"}


def test_a_recoding_that_loses_a_practice_is_still_one_network_and_the_practice_moves():
    before = snapshot("2020-01", [("P1", "C"), ("P2", "C"), ("P3", "C"), ("P4", "D")], {})
    after = snapshot("2021-01", [("P1", "H"), ("P2", "H"), ("P3", "D"), ("P4", "D")], {})
    change = landscape.changes(before, after)
    assert change.recoded == {"C": "H"}
    assert change.closed.empty and change.opened == []
    assert change.moves.to_dict("records") == [{"practice_code": "P3", "from_pcn": "H", "to_pcn": "D"}]


def test_changes_between_two_snapshots():
    change = landscape.changes(BEFORE, AFTER)
    assert change.opened == ["G"]
    closed = change.closed.set_index("pcn_code")
    assert closed["fate"].to_dict() == {"B": "split", "D": "merged", "F": "dissolved"}
    assert closed.loc["D", "to_pcn"] == "E" and pd.isna(closed.loc["B", "to_pcn"])
    assert change.fates == {"merged": 1, "split": 1, "dissolved": 1}
    flows = {(r.pcn_code, r.destination): r.practices for r in change.flows.itertuples()}
    assert flows == {
        ("B", landscape.TO_EXISTING): 1, ("B", landscape.TO_NEW): 1,
        ("D", landscape.TO_EXISTING): 1, ("F", landscape.TO_NO_PCN): 1,
    }
    assert change.moves.to_dict("records") == [
        {"practice_code": "P3", "from_pcn": "B", "to_pcn": "A"},
        {"practice_code": "P4", "from_pcn": "B", "to_pcn": "G"},
        {"practice_code": "P7", "from_pcn": "D", "to_pcn": "E"},
    ]


def test_a_closed_practice_is_counted_as_closed_not_moved():
    before = snapshot("2020-01", [("P1", "A"), ("P2", "A"), ("P3", "B")], {})
    after = snapshot("2021-01", [("P2", "B"), ("P3", "B")], {})  # P1 closed; A's other practice joined B
    change = landscape.changes(before, after)
    assert change.closed.to_dict("records") == [{"pcn_code": "A", "fate": "merged", "practices": 2, "to_pcn": "B"}]
    assert {r.destination: r.practices for r in change.flows.itertuples()} == {
        landscape.TO_EXISTING: 1, landscape.PRACTICE_CLOSED: 1}


def test_pcn_months_and_monthly_summary():
    months = landscape.pcn_months([BEFORE, AFTER])
    jan21 = months[months["month"] == "2021-01"].set_index("pcn_code")
    assert jan21.loc["A", "practices"] == 4 and jan21.loc["A", "population"] == 46_000
    assert sorted(jan21.index) == ["A", "E", "G", "H"]  # P10 in no PCN is in none of them
    summary = landscape.monthly_summary(months).set_index("month")
    # 2020-01 populations: A 35,000, B 17,000, C 55,000, D 4,000, E 26,000, F 6,000: under 4, within 1, over 1.
    assert summary.loc["2020-01", "pcns"] == 6 and summary.loc["2020-01", "practices"] == 10
    assert summary.loc["2020-01", "share_under"] == pytest.approx(4 / 6)
    assert summary.loc["2020-01", "share_within"] == pytest.approx(1 / 6)
    assert summary.loc["2020-01", "median"] == pytest.approx((17_000 + 26_000) / 2)
    # 2021-01: A 46,000, G 9,500, H 56,000, E 30,000: practices 4, 1, 2, 3.
    assert summary.loc["2021-01", "share_within"] == pytest.approx(2 / 4)
    assert summary.loc["2021-01", "practices_mean"] == pytest.approx(2.5)


def test_changes_by_year_takes_snapshots_a_year_apart():
    july = snapshot("2020-07", BEFORE.members.assign(pcn_code="A"), {})  # not January: left out
    table = landscape.changes_by_year([AFTER, july, BEFORE])
    assert table.to_dict("records") == [{
        "start": "2020-01", "end": "2021-01", "pcns_start": 6, "pcns_end": 4, "opened": 1,
        "closed_merged": 1, "closed_split": 1, "closed_dissolved": 1, "recoded": 1, "practices_moved": 3,
    }]


# --- Series of months: list sizes, years, flows, commissioners, ICBs ------------------------------------


@pytest.mark.parametrize(("month", "releases", "expected"), [
    ("2022-03", ["2022-01", "2022-03", "2022-06"], "2022-03"),  # the month's own
    ("2022-04", ["2022-01", "2022-03", "2022-06"], "2022-03"),  # else the latest before it
    ("2021-12", ["2022-01", "2022-03"], "2022-01"),  # else the earliest after it
    ("2022-04", [], None),
    ("2022-04", ["unversioned"], None),  # an undated release cannot be placed in time
])
def test_each_month_takes_the_list_sizes_of_its_own_or_the_nearest_release(month, releases, expected):
    assert landscape.sizes_release(month, releases) == expected


def test_a_series_joins_each_month_s_mapping_to_its_list_sizes():
    mapping = pd.DataFrame({"practice_code": ["P1", "P2"], "pcn_code": ["A", "A"], "commissioner_code": ["C1", "C1"]})
    sizes = {"2020-01": pd.DataFrame({"practice_code": ["P1", "P2"], "list_size": [10_000, 20_000]}),
             "2021-01": pd.DataFrame({"practice_code": ["P1", "P2"], "list_size": [11_000, 21_000]})}
    series, used = landscape.series_from({"2021-04": mapping, "2021-01": mapping}, sizes)
    assert [s.month for s in series] == ["2021-01", "2021-04"]
    assert used == {"2021-01": "2021-01", "2021-04": "2021-01"}
    months = landscape.pcn_months(series)
    assert months["population"].tolist() == [32_000, 32_000]
    assert list(series[0].members.columns) == ["practice_code", "pcn_code", "commissioner_code"]


def test_years_count_back_from_the_latest_taking_the_nearest_earlier_release():
    quarterly = [snapshot(m, BEFORE.members, {}) for m in ("2020-04", "2020-07", "2020-10", "2021-01", "2021-04")]
    monthly = [snapshot(m, AFTER.members, {}) for m in ("2022-01", "2022-05", "2022-06")]
    # From 2022-06: 2021-06 is missing, so 2021-04; then 2020-04; then nothing before 2019-04.
    assert [s.month for s in landscape.yearly(monthly + quarterly)] == ["2020-04", "2021-04", "2022-06"]
    assert landscape.yearly([]) == []


def test_flows_say_where_the_practices_of_closed_networks_went():
    flows = landscape.flows_by_year([BEFORE, AFTER])
    got = dict(zip(flows["destination"], flows["practices"]))
    # B split: P3 to A (existed), P4 to G (opened); D merged: P7 to E (existed); F dissolved: P10 in no PCN.
    assert got == {landscape.TO_EXISTING: 2, landscape.TO_NEW: 1, landscape.TO_NO_PCN: 1, landscape.PRACTICE_CLOSED: 0}
    assert set(flows["start"]) == {"2020-01"} and set(flows["end"]) == {"2021-01"}


def _members(rows):
    return pd.DataFrame(rows, columns=["practice_code", "pcn_code", "commissioner_level", "commissioner_code",
                                       "icb_or_stp_code", "icb_or_stp_name", "region_code", "region_name"])


def test_commissioners_by_month_count_levels_icbs_and_regions_of_practices_in_a_pcn():
    ccg = _members([("P1", "A", "ccg", "C1", "S1", "STP 1", "Y56", "LONDON"),
                    ("P2", "B", "ccg", "C2", "S1", "STP 1", "Y56", "LONDON"),
                    ("P3", None, "ccg", "C3", "S2", "STP 2", "Y58", "SOUTH WEST")])  # in no PCN: not counted
    sub_icb = _members([("P1", "A", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                        ("P2", "B", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON")])
    table = landscape.commissioners_by_month([landscape.Snapshot("2022-07", sub_icb, pd.DataFrame()),
                                               landscape.Snapshot("2022-06", ccg, pd.DataFrame())])
    assert table.to_dict("records") == [
        {"month": "2022-06", "level": "ccg", "commissioners": 2, "icbs_or_stps": 1, "regions": 1},
        {"month": "2022-07", "level": "sub-icb", "commissioners": 1, "icbs_or_stps": 1, "regions": 1},
    ]


def test_a_pcn_counts_in_the_icb_of_most_of_its_practices():
    members = _members([("P1", "A", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                        ("P2", "A", "sub-icb", "X2", "I2", "ICB 2", "Y56", "LONDON"),
                        ("P3", "A", "sub-icb", "X2", "I2", "ICB 2", "Y56", "LONDON"),
                        ("P4", "B", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                        ("P5", "C", "sub-icb", "X1", "I1", "ICB 1", "Y56", "LONDON"),
                        ("P6", "C", "sub-icb", "X2", "I2", "ICB 2", "Y56", "LONDON")])  # a tie: the first code
    sizes = pd.DataFrame({"practice_code": [f"P{i}" for i in range(1, 7)], "list_size": [1, 2, 3, 4, 5, 6]})
    table = landscape.pcns_by_icb(landscape.Snapshot("2023-01", members, sizes))
    assert table.to_dict("records") == [
        {"icb_code": "I1", "icb_name": "ICB 1", "region_name": "LONDON", "pcns": 2, "population": 4 + 11},
        {"icb_code": "I2", "icb_name": "ICB 2", "region_name": "LONDON", "pcns": 1, "population": 6},
    ]
