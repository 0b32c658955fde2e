"""PCN footprints (Figure 6.4) on a small area computed by hand.

Three MSOAs of two LSOAs each; five practices: P1 and P2 in PCN U1, P3 in U2, P4 in U3, P5 in none.

    MSOA  LSOA (rural?)  registered residents by practice        by PCN                     total
    M1    L1 (no)        P1 50, P3 39                            U1 60, U2 39, U3 1         100
          L2 (no)        P2 10, P4 1
    M2    L3 (yes)       P3 300                                  U2 300, U3 100, U1 3,      500
          L4 (no)        P4 100, P5 97, P1 3                     no PCN 97
    M3    L5 (yes)       P4 200                                  U3 300                     300
          L6 (yes)       P4 100
    (Wales) W01000001    P1 7: in no English MSOA
    (unknown, NO2011)    P2 4: read as a missing LSOA, in no MSOA

M1: U3 has exactly 1% (1 of 100), so it counts at the 1% threshold: 3 PCNs either way.
M2: U1 has 0.6% (3 of 500): 3 PCNs with any resident, 2 with at least 1%; 60% of residents rural.
M3: one PCN; all rural.
"""

import math

import pandas as pd
import pytest

from pcnreport.analysis import footprints
from pcnreport.report.sections import footprints as footprints_section

LSOA_MSOA = pd.DataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3", "L4", "L5", "L6"],
        "msoa_code": ["M1", "M1", "M2", "M2", "M3", "M3"],
    }
)
RUC = pd.DataFrame(
    {"lsoa_code": ["L1", "L2", "L3", "L4", "L5", "L6"], "rural": [False, False, True, False, True, True]}
)
MEMBERS = pd.DataFrame({"practice_code": ["P1", "P2", "P3", "P4"], "pcn_code": ["U1", "U1", "U2", "U3"]})
REGISTRATIONS = pd.DataFrame(
    [
        ("P1", "L1", 50), ("P3", "L1", 39), ("P2", "L2", 10), ("P4", "L2", 1),
        ("P3", "L3", 300), ("P4", "L4", 100), ("P5", "L4", 97), ("P1", "L4", 3),
        ("P4", "L5", 200), ("P4", "L6", 100),
        ("P1", "W01000001", 7), ("P2", None, 4),
    ],
    columns=["practice_code", "lsoa_code", "patients"],
)


@pytest.fixture(scope="module")
def results():
    return footprints.footprint_results(REGISTRATIONS, MEMBERS, LSOA_MSOA, RUC)


def test_residents_by_msoa_and_pcn_keeps_practices_in_no_pcn():
    table = footprints.residents_by_msoa_and_pcn(REGISTRATIONS, MEMBERS, LSOA_MSOA)
    got = {(m, None if pd.isna(p) else p): r for m, p, r in table.itertuples(index=False)}
    assert got == {
        ("M1", "U1"): 60, ("M1", "U2"): 39, ("M1", "U3"): 1,
        ("M2", "U1"): 3, ("M2", "U2"): 300, ("M2", "U3"): 100, ("M2", None): 97,
        ("M3", "U3"): 300,
    }


def test_counts_per_msoa(results):
    table = results.msoas.set_index("msoa_code")
    assert table["residents"].to_dict() == {"M1": 100, "M2": 500, "M3": 300}
    assert table["pcns_any"].to_dict() == {"M1": 3, "M2": 3, "M3": 1}
    assert table["pcns_1pct"].to_dict() == {"M1": 3, "M2": 2, "M3": 1}
    assert table["residents_not_in_pcn"].to_dict() == {"M1": 0, "M2": 97, "M3": 0}
    assert table.loc["M2", "pcn_shares"] == "U2 300 (60.0%); U3 100 (20.0%); U1 3 (0.6%)"


def test_rurality_by_majority_of_registered_residents(results):
    table = results.msoas.set_index("msoa_code")
    assert table["rural_share"].to_dict() == pytest.approx({"M1": 0.0, "M2": 0.6, "M3": 1.0})
    assert table["rural"].tolist() == [False, True, True]


def test_means_and_sample_sds(results):
    # pcns_any 3, 3, 1: mean 7/3, squared deviations 4/9 + 4/9 + 16/9 = 24/9, / (3 - 1) -> SD sqrt(4/3).
    assert (results.pcns_any.n, results.pcns_any.mean) == (3, pytest.approx(7 / 3))
    assert results.pcns_any.sd == pytest.approx(math.sqrt(4 / 3))
    # pcns_1pct 3, 2, 1: mean 2, SD 1.
    assert (results.pcns_1pct.mean, results.pcns_1pct.sd) == (pytest.approx(2), pytest.approx(1))
    urban, rural = results.by_area["urban"], results.by_area["rural"]
    assert (urban["pcns_1pct"].n, urban["pcns_1pct"].mean) == (1, 3)
    assert math.isnan(urban["pcns_1pct"].sd)  # one MSOA: no sample SD
    assert (rural["pcns_any"].mean, rural["pcns_any"].sd) == (pytest.approx(2), pytest.approx(math.sqrt(2)))
    assert (rural["pcns_1pct"].mean, rural["pcns_1pct"].sd) == (pytest.approx(1.5), pytest.approx(math.sqrt(0.5)))


def test_patients_outside_england_and_outside_pcns(results):
    assert results.patients_outside_msoas == 11
    assert results.patients_not_in_pcn == 97


@pytest.mark.parametrize("part, whole", [(1, 100), (3, 300), (7, 700), (29, 2900), (83, 8300)])
def test_exactly_the_threshold_counts(part, whole):
    residents = pd.DataFrame(
        {"msoa_code": ["M", "M"], "pcn_code": pd.array(["A", "B"], dtype="string"), "residents": [part, whole - part]}
    )
    assert footprints.msoa_footprints(residents, 0.01)["pcns_1pct"].item() == 2
    # One patient fewer is below 1%.
    residents.loc[0, "residents"] = part - 1
    residents.loc[1, "residents"] = whole - part + 1
    assert footprints.msoa_footprints(residents, 0.01)["pcns_1pct"].item() == 1


def test_threshold_is_a_parameter(results):
    higher = footprints.footprint_results(REGISTRATIONS, MEMBERS, LSOA_MSOA, RUC, threshold=0.2)
    # M1: U1 60%, U2 39% (U3 1% out); M2: U2 60%, U3 20% (exactly 20%: in); M3: U3.
    assert higher.msoas.set_index("msoa_code")["pcns_1pct"].to_dict() == {"M1": 2, "M2": 2, "M3": 1}
    zero = footprints.footprint_results(REGISTRATIONS, MEMBERS, LSOA_MSOA, RUC, threshold=0.0)
    assert zero.msoas["pcns_1pct"].tolist() == zero.msoas["pcns_any"].tolist()
    with pytest.raises(ValueError):
        footprints.footprint_results(REGISTRATIONS, MEMBERS, LSOA_MSOA, RUC, threshold=1.5)


def test_half_rural_is_urban_and_unclassified_is_unknown():
    lookup = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "msoa_code": ["M", "M", "N"]})
    ruc = pd.DataFrame({"lsoa_code": ["A", "B"], "rural": [True, False]})
    registrations = pd.DataFrame(
        {"practice_code": ["P", "P", "P"], "lsoa_code": ["A", "B", "C"], "patients": [10, 10, 5]}
    )
    table = footprints.msoa_rurality(registrations, lookup, ruc).set_index("msoa_code")
    assert table.loc["M", "rural_share"] == 0.5 and table.loc["M", "rural"] == False  # noqa: E712
    assert pd.isna(table.loc["N", "rural"]) and math.isnan(table.loc["N", "rural_share"])


def test_complete_msoas_and_restriction():
    covered = {"L1", "L2", "L3"}  # M2 lacks L4
    assert footprints.complete_msoas(LSOA_MSOA, covered) == {"M1"}
    only = footprints.footprint_results(REGISTRATIONS, MEMBERS, LSOA_MSOA, RUC, msoas={"M1", "M3"})
    assert only.msoas["msoa_code"].tolist() == ["M1", "M3"]
    assert only.pcns_1pct.mean == pytest.approx(2)
    assert only.patients_not_in_pcn == 0


def test_distribution_by_area_pads_and_pools(results):
    dist = footprints_section.distribution_by_area(results.msoas, "pcns_1pct", cap=3)
    table = dist.set_index(["area", "pcns"])
    assert table.loc[("Urban", 3), "msoas"] == 1 and table.loc[("Urban", 1), "msoas"] == 0
    assert table.loc[("Rural", 1), "share"] == pytest.approx(0.5)
    assert table.loc[("Rural", 2), "share_label"] == "50%"
    assert table.loc[("Urban", 1), "share_label"] == ""  # no label on an empty bar
    assert dist["pcns_label"].drop_duplicates().tolist() == ["1", "2", "3+"]
    pooled = footprints_section.distribution_by_area(results.msoas, "pcns_any", cap=2).set_index(["area", "pcns"])
    assert pooled.loc[("Rural", 2), "msoas"] == 1  # M2's 3 PCNs pooled into "2+"
    assert dist.groupby("area")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_numbers_table_and_chart(results, tmp_path):
    raw = footprints.raw_numbers(results)
    assert raw["msoas"] == 3 and raw["residents"] == 900 and raw["urban"]["pcns_1pct"]["sd"] is None
    text = footprints_section.numbers_for_report(results)
    assert text["pcns_1pct"] == {"n": "3", "mean": "2.0", "sd": "1.0"}
    assert text["threshold_pct"] == "1%" and text["mean_residents"] == "300"
    assert text["urban"]["pcns_1pct"]["sd"] == "-"
    shown = footprints_section.summary_table(results)
    assert shown["MSOAs"].tolist() == ["All MSOAs", "Urban MSOAs", "Rural MSOAs"]
    assert shown.iloc[0, 3] == "2.0 (1.0)"
    assert list(footprints_section.align(shown).values()) == ["l", "r", "r", "r"]
    download = footprints_section.msoa_table(results)
    assert list(download.columns[:6]) == ["msoa_code", "residents", "residents_not_in_pcn", "pcns_any", "pcns_1pct", "rural"]
    spec = footprints_section.footprint_chart(results).to_dict()
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["bar", "text"]
    assert all(layer["encoding"]["xOffset"]["field"] == "area_label" for layer in layers)
    assert "Rural (2 MSOAs)" in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert "2.0 PCNs" in footprints_section.alt_text(results)


def test_chart_labels_round_half_up():
    msoas = pd.DataFrame({"rural": pd.array([True] * 8, dtype="boolean"), "pcns_1pct": [1] + [2] * 7})
    dist = footprints_section.distribution_by_area(msoas, "pcns_1pct", cap=3).set_index(["area", "pcns"])
    assert dist.loc[("Rural", 1), "share_label"] == "13%"  # 1 of 8 = 12.5%
    assert dist.loc[("Rural", 2), "share_label"] == "88%"  # 87.5%
    assert dist.loc[("Urban", 1), "share"] == 0.0  # no urban MSOA: shares of zero, not NaN
