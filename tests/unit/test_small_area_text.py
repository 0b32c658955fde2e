"""Appendix B's small-area paragraph and the record it is written from: built from hand-made tables."""

from __future__ import annotations

import pandas as pd

from pcnreport.analysis.population_profile import small_area_record
from pcnreport.data import small_areas
from pcnreport.report.small_area_text import small_areas_note

CHANGES = pd.DataFrame(
    [("E01000001", "E01000001", "U"), ("E01000002", "E01040001", "S"), ("E01000002", "E01040002", "S")],
    columns=["lsoa11_code", "lsoa21_code", "change"],
)


def lsoa_patients() -> pd.DataFrame:
    table = pd.DataFrame({
        "practice_code": ["A81001"] * 5,
        "lsoa_code": ["E01000001", "E01000002", "W01000001", None, None],
        "patients": [10, 5, 2, 3, 1],
        "unassigned": [None, None, None, "NO2011", "NO2011"],
    }).astype({"lsoa_code": "str", "unassigned": "str"})  # fmt: skip
    table.attrs["lsoa_vintage"] = "2011"
    return table


def imd(vintage: str) -> pd.DataFrame:
    table = pd.DataFrame({"lsoa_code": ["E01000001"], "imd_rank": [1], "imd_decile": [1]})
    table.attrs["lsoa_vintage"] = vintage
    return table


def test_a_build_in_one_vintage_says_so_and_counts_patients_outside_england():
    record = small_area_record(lsoa_patients(), None, imd("2011"))
    assert record == {
        "vintage": "2011", "carried": {},
        "residence": {"total": 21, "england": 15, "nations": {"Wales": 2, "Scotland": 0, "Northern Ireland": 0},
                      "unassigned": {"NO2011": 4}},
    }  # fmt: skip
    note = small_areas_note(record)
    assert "This build used the lower-layer super output areas (LSOAs) of the 2011 census, those of the English "\
           "Indices of Deprivation 2019." in note
    assert "Every small-area table the build read was of 2011 LSOAs, so none was converted." in note
    assert "Of the 21 patients in the registrations by LSOA, 2 lived in Wales and 4 had no small area " \
           "(the publisher's codes: 4 NO2011)" in note  # fmt: skip


def test_registrations_carried_to_2021_are_described_with_their_counts():
    carried = small_areas.in_vintage("registrations-lsoa", lsoa_patients(), "2021", lambda: CHANGES)
    record = small_area_record(carried, None, imd("2021"))
    assert record["carried"]["registrations-lsoa"]["by_change"]["split"] == 5
    note = small_areas_note(record)
    assert "English Indices of Deprivation 2025" in note
    assert ("The registrations by LSOA were coded by 2011 LSOAs and were carried to 2021 LSOAs with the Office "
            "for National Statistics' LSOA 2011 to 2021 lookup (15 patients, 5 in LSOAs split between the censuses; "
            "5 patients lived "
            "in an LSOA that became several") in note  # fmt: skip


def test_no_small_area_data_no_paragraph():
    assert small_area_record(None, None, None) == {}
    assert small_areas_note({}) == "-"


def test_the_rural_classes_named_are_the_classifications_own():
    from pcnreport.report.small_area_text import rural_classes

    ruc21 = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "ruc_code": ["UN1", "RSF1"], "rural": [False, True]})
    ruc11 = pd.DataFrame({"lsoa_code": ["E01000001"], "ruc_code": ["D1"], "rural": [True]})
    record21 = small_area_record(None, ruc21, imd("2021"))
    assert record21["ruc_classification"] == "2021"
    assert rural_classes(record21).startswith('"Larger rural" or "Smaller rural" (codes RLN1, RLF1, RSN1 and RSF1)')
    record11 = small_area_record(None, ruc11, imd("2011"))
    assert rural_classes(record11).startswith('"Rural town and fringe" or "Rural village and dispersed" (codes D1 to E2)')
