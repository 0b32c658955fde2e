"""Area profiles on the real extracts in ../shared/data, against a computation written out separately here.

The December 2019 ePCN gives membership, the January 2021 registrations the list sizes, the QOF
2019-20 mapping the April 2020 CCGs and regions, and QOF 2017-18 the prevalence. The independent
computation below uses plain pandas: each PCN goes to the CCG holding most of its patients (a tie is
settled by more practices, then the first code, as `measures.majority_ccg` documents), then sums.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pcnreport.analysis import profiles
from pcnreport.data import readers


@pytest.fixture(scope="module")
def tables(shared_data):
    epcn = readers.read_epcn(shared_data / "epcn" / "2019-12" / "ePCN.xlsx")
    registrations = readers.read_registrations(shared_data / "registrations" / "2021-01" / "gp-reg-pat-prac-all.csv")
    mapping = readers.read_practice_ccg(shared_data / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv")
    qof = readers.read_qof_prevalence(shared_data / "qof" / "2017-18" / "PREVALENCE_1718.csv")
    return epcn, registrations[["practice_code", "list_size"]], mapping, qof


@pytest.fixture(scope="module")
def national(tables):
    epcn, list_sizes, mapping, qof = tables
    return profiles.national(epcn.members, list_sizes, mapping, epcn.pcns, qof=qof)


def _independent_assignment(members, list_sizes, mapping) -> pd.Series:
    """pcn_code -> ccg_code, by patients, then practices, then code."""
    rows = members[["practice_code", "pcn_code"]].merge(mapping[["practice_code", "ccg_code"]], on="practice_code")
    rows = rows.merge(list_sizes, on="practice_code", how="left").fillna({"list_size": 0})
    per = rows.groupby(["pcn_code", "ccg_code"]).agg(patients=("list_size", "sum"), practices=("practice_code", "count"))
    per = per.reset_index().sort_values(["pcn_code", "patients", "practices", "ccg_code"],
                                        ascending=[True, False, False, True])
    return per.drop_duplicates("pcn_code").set_index("pcn_code")["ccg_code"]


def test_the_areas_are_the_135_ccgs_and_7_regions_of_april_2020(national):
    kinds = pd.Series([a.type for a in national.area_list]).value_counts()
    assert kinds["ccg"] == 135 and kinds["region"] == 7


def test_a_ccg_profile_matches_an_independent_computation(tables, national):
    epcn, list_sizes, mapping, qof = tables
    assignment = _independent_assignment(epcn.members, list_sizes, mapping)
    # The CCG with the most PCNs: the profile with the most to get wrong.
    ccg = assignment.value_counts().sort_index().idxmax()
    pcns = set(assignment[assignment == ccg].index)
    practices = epcn.members[epcn.members["pcn_code"].isin(pcns)]
    sizes = list_sizes.set_index("practice_code")["list_size"]
    per_pcn = practices.assign(list_size=practices["practice_code"].map(sizes)).groupby("pcn_code")["list_size"].sum()
    diabetes = qof[(qof["indicator"] == "DM") & qof["practice_code"].isin(practices["practice_code"])]

    profile = profiles.area_profile(national, "ccg", ccg)
    assert set(profile.pcns["pcn_code"]) == pcns
    assert profile.practices == len(practices)
    assert profile.population == pytest.approx(per_pcn.round().sum(), abs=len(pcns))
    assert profile.bands.within == int(((per_pcn >= 30_000) & (per_pcn <= 50_000)).sum())
    row = profile.characteristics.set_index("key").loc["prev_DM"]
    assert row["area"] == pytest.approx(100 * diabetes["register"].sum() / diabetes["list_size"].sum())


def test_the_regions_hold_every_assigned_pcn_once(tables, national):
    epcn, list_sizes, mapping, _ = tables
    assignment = _independent_assignment(epcn.members, list_sizes, mapping)
    regions = [a for a in national.area_list if a.type == "region"]
    counts = {a.code: len(profiles.area_profile(national, "region", a.code).pcns) for a in regions}
    assert sum(counts.values()) == len(assignment)
    region_of_ccg = mapping.drop_duplicates("ccg_code").set_index("ccg_code")["region_code"]
    assert counts == assignment.map(region_of_ccg).value_counts().to_dict()
