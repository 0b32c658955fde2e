"""Federations and super-practices against PCNs (Table 6.4) on cases computed by hand.

The federation data (Forbes et al. 2019) are research data, not public: there is no real file to
reproduce Table 6.4 against, so these hand-computed cases are the check of the method; the
synthetic sample carries a synthetic file in the same layout for the build.

Five PCNs:

    PCN  practices    federations (F) and super-practices (S)
    U1   A, B, C      A: F1, F5, S6   B: F1, F5, S7   C: F2
    U2   D, E, F      D: F1, S1       E: F2, S1       F: F2
    U3   G            G: S2 only (in no federation)
    U4   H            H: F1 (alone in its PCN)
    U5   I, J, K, L   I: F3, S3       J: F3, S4       K: F3, F4, S5   L: F4
    (no PCN) Z        Z: F1

Share of each practice's PCN partners in a federation with it (the practice excluded):
A 1/2 (B, sharing F1 and F5: one partner), B 1/2, C 0/2; D 0/2, E 1/2, F 1/2; G none; H no
partners; I 2/3, J 2/3, K 3/3 (J, I by F3 and L by F4), L 1/3.
"""

import pandas as pd
import pytest

from pcnreport.analysis import ventures
from pcnreport.report.sections import ventures as ventures_section

MEMBERS = pd.DataFrame(
    {
        "practice_code": list("ABCDEFGHIJKL"),
        "pcn_code": ["U1"] * 3 + ["U2"] * 3 + ["U3", "U4"] + ["U5"] * 4,
    }
)
_ROWS = [
    ("A", "F1"), ("A", "F5"), ("A", "S6"), ("B", "F1"), ("B", "F5"), ("B", "S7"), ("C", "F2"),
    ("D", "F1"), ("D", "S1"), ("E", "F2"), ("E", "S1"), ("F", "F2"),
    ("G", "S2"), ("H", "F1"),
    ("I", "F3"), ("I", "S3"), ("J", "F3"), ("J", "S4"), ("K", "F3"), ("K", "F4"), ("K", "S5"), ("L", "F4"),
    ("Z", "F1"),
]
FEDERATIONS = pd.DataFrame(
    {
        "practice_code": [p for p, _ in _ROWS],
        "venture_id": [v for _, v in _ROWS],
        "venture_name": [f"Venture {v}" for _, v in _ROWS],
        "venture_type": ["federation" if v.startswith("F") else "super-practice" for _, v in _ROWS],
    }
)


@pytest.fixture(scope="module")
def results():
    return ventures.venture_results(MEMBERS, FEDERATIONS)


def test_partners_in_the_same_federation(results):
    table = results.overlap.set_index("practice_code")
    assert table["partners"].to_dict() == dict(zip("ABCDEFGHIJKL", [2, 2, 2, 2, 2, 2, 0, 0, 3, 3, 3, 3]))
    assert table["partners_same_federation"].to_dict() == dict(
        zip("ABCDEFGHIJKL", [1, 1, 0, 0, 1, 1, 0, 0, 2, 2, 3, 1])
    )
    assert table.loc["K", "federations"] == "F3;F4" and table.loc["G", "federations"] == ""
    assert table["category"].to_dict() == {
        "A": "50-99%", "B": "50-99%", "C": "Below 30%",
        "D": "Below 30%", "E": "50-99%", "F": "50-99%",
        "G": "None in existing federations",  # a super-practice is not a federation
        "H": "Single-practice PCN",
        "I": "50-99%", "J": "50-99%", "K": "All", "L": "30-50%",
    }
    assert pd.isna(table.loc["H", "share"]) and table.loc["L", "share"] == pytest.approx(1 / 3)


def test_summary_counts_and_shares(results):
    summary = results.summary.set_index("category")
    assert summary["practices"].to_dict() == {
        "All": 1, "50-99%": 6, "30-50%": 1, "Below 30%": 2, "Single-practice PCN": 1, "None in existing federations": 1,
    }
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary.loc["50-99%", "share"] == pytest.approx(0.5)


def test_counting_the_practice_itself(results):
    # A 2/3, C 1/3, D 1/3, H 1/1, K 4/4, L 2/4, I 3/4: single-practice PCNs become "All".
    summary = results.summary_with_self.set_index("category")["practices"].to_dict()
    assert summary == {
        "All": 2, "50-99%": 7, "30-50%": 2, "Below 30%": 0, "Single-practice PCN": 0, "None in existing federations": 1,
    }


@pytest.mark.parametrize(
    "in_federation, same, partners, expected",
    [
        (True, 3, 3, "All"),
        (True, 1, 2, "50-99%"),       # exactly half: lower bound of 50-99%
        (True, 9, 10, "50-99%"),
        (True, 3, 10, "30-50%"),      # exactly 30%: lower bound of 30-50%
        (True, 4, 9, "30-50%"),
        (True, 2, 7, "Below 30%"),    # 28.6%
        (True, 0, 5, "Below 30%"),    # federated, no partner in its federation
        (True, 0, 0, "Single-practice PCN"),
        (False, 0, 0, "None in existing federations"),
        (False, 0, 4, "None in existing federations"),
    ],
)
def test_category_boundaries(in_federation, same, partners, expected):
    assert ventures._category(in_federation, same, partners) == expected


def test_practice_in_no_federation_and_single_practice_pcn():
    members = pd.DataFrame({"practice_code": ["P", "Q"], "pcn_code": ["U1", "U2"]})
    feds = pd.DataFrame(
        {"practice_code": ["Q"], "venture_id": ["F"], "venture_name": ["F"], "venture_type": ["federation"]}
    )
    table = ventures.federation_overlap(members, feds).set_index("practice_code")["category"]
    assert table.to_dict() == {"P": "None in existing federations", "Q": "Single-practice PCN"}
    # With no research rows at all, every practice is in no federation.
    empty = feds.iloc[0:0]
    assert set(ventures.federation_overlap(members, empty)["category"]) == {"None in existing federations"}


def test_super_practice_configurations(results):
    table = results.configurations.set_index("pcn_code")
    assert table["super_practices"].to_dict() == {"U1": 2, "U2": 1, "U3": 1, "U4": 0, "U5": 3}
    assert table["small_partners"].to_dict() == {"U1": 1, "U2": 1, "U3": 0, "U4": 1, "U5": 1}
    assert table["configuration"].to_dict() == {
        "U1": "Two super-practices",
        "U2": "One super-practice and small partners",
        "U3": "Stand-alone super-practice",
        "U4": "No super-practice",
        "U5": "Three or more super-practices",
    }


def test_numbers_and_tables(results):
    raw = ventures.raw_numbers(results)
    assert (raw["practices"], raw["pcns"]) == (12, 5)
    assert (raw["federations"], raw["super_practices"], raw["ventured_practices_not_in_pcn"]) == (5, 7, 1)
    assert raw["together_share"] == pytest.approx(7 / 12)
    assert raw["configurations"] == {"stand_alone": 1, "one_plus_small": 1, "two": 1, "three_or_more": 1, "none": 1}
    assert raw["pcns_with_super_practice"] == 4
    text = ventures_section.numbers_for_report(results)
    assert text["categories"]["half_to_99"] == {"practices": "6", "pct": "50%"}
    assert text["together_pct"] == "58%" and text["in_federation_pct"] == "92%"
    shown = ventures_section.display_table(results)
    assert shown.iloc[-1].tolist() == ["Total", "12", "100%"]
    assert shown.iloc[0].tolist() == ["All", "1", "8%"]
    assert ventures_section.align(shown) == dict(zip(shown.columns, "lrr"))
    download = ventures_section.download_table(results)
    assert list(download.columns) == ["category", "practices", "share_of_practices"]
    assert len(download) == len(ventures.CATEGORIES)  # summary only: no practice-level research data
