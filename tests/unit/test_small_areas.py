"""Carrying LSOA-keyed tables between the 2011 and 2021 LSOAs with ONS's lookup: small hand-computed
cases for each kind of change (U unchanged, S split, M merged, X irregular), both directions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pcnreport.core.errors import DataNotFoundError
from pcnreport.data import small_areas

# 2011 -> 2021: A unchanged; B split into B1, B2, B3; C and D merged into CD; E and F irregular (E -> EF1,
# EF2; F -> EF2). Codes shortened to letters: the functions do not check shapes.
CHANGES = pd.DataFrame(
    [("A", "A", "U"), ("B", "B1", "S"), ("B", "B2", "S"), ("B", "B3", "S"), ("C", "CD", "M"), ("D", "CD", "M"),
     ("E", "EF1", "X"), ("E", "EF2", "X"), ("F", "EF2", "X")],
    columns=["lsoa11_code", "lsoa21_code", "change"],
)  # fmt: skip


def registrations(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["practice_code", "lsoa_code", "patients", "unassigned"])
    return table.astype({"practice_code": "str", "lsoa_code": "str", "patients": "int64", "unassigned": "str"})


def as_dict(table) -> dict:
    return {(p, c if isinstance(c, str) else None): n for p, c, n in zip(table["practice_code"], table["lsoa_code"], table["patients"])}


def test_2011_counts_to_2021_split_equally_merged_added_others_kept():
    table = registrations([
        ("P1", "A", 5, None), ("P1", "B", 10, None), ("P1", "C", 2, None), ("P1", "D", 3, None),
        ("P1", "E", 3, None), ("P1", "F", 1, None), ("P1", None, 4, "NO2011"), ("P1", "S01000001", 2, None),
    ])  # fmt: skip
    out = small_areas.carry_counts(table, "2011", CHANGES)
    # B's 10 in three parts: 4, 3, 3 (the remainder to the first in code order); C and D added; E's 3 in
    # two (2, 1), F's 1 all to EF2.
    assert as_dict(out) == {
        ("P1", "A"): 5, ("P1", "B1"): 4, ("P1", "B2"): 3, ("P1", "B3"): 3, ("P1", "CD"): 5, ("P1", "EF1"): 2,
        ("P1", "EF2"): 2, ("P1", None): 4, ("P1", "S01000001"): 2,
    }  # fmt: skip
    assert out["patients"].sum() == table["patients"].sum()  # no patient lost or made up
    assert out.loc[out["lsoa_code"].isna(), "unassigned"].tolist() == ["NO2011"]
    conversion = out.attrs["lsoa_conversion"]
    assert out.attrs["lsoa_vintage"] == "2021" and conversion["from"] == "2011"
    assert conversion["by_change"] == {"unchanged": 5, "split": 10, "merged": 5, "irregular": 4}
    assert conversion["shared_out"] == 13  # B's 10 and E's 3 were estimated by equal shares
    assert conversion["not_in_lookup"] == 6


def test_2021_counts_to_2011_merge_is_shared_and_split_added():
    table = registrations([("P1", "B1", 1, None), ("P1", "B2", 2, None), ("P2", "CD", 7, None), ("P2", "EF2", 3, None)])
    out = small_areas.carry_counts(table, "2021", CHANGES)
    assert as_dict(out) == {("P1", "B"): 3, ("P2", "C"): 4, ("P2", "D"): 3, ("P2", "E"): 2, ("P2", "F"): 1}
    assert out.attrs["lsoa_vintage"] == "2011"


def test_classes_carried_take_the_majority_then_the_first_source():
    ruc = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D", "E", "F"], "rural": [False, True, True, False, True, False]})
    out = small_areas.carry_classes(ruc, "2011", CHANGES)
    assert dict(zip(out["lsoa_code"], out["rural"])) == {
        "A": False, "B1": True, "B2": True, "B3": True,
        "CD": True,  # C and D disagree, one each: the first in code order, C
        "EF1": True, "EF2": True,  # E and F disagree for EF2: E first
    }  # fmt: skip
    assert out["rural"].dtype == bool
    assert out.attrs["lsoa_conversion"]["disagreeing"] == 2


def test_registrations_vintage_is_told_by_codes_only_one_vintage_has():
    assert small_areas.infer_vintage(pd.Series(["A", "B", None]), CHANGES) == "2011"
    assert small_areas.infer_vintage(pd.Series(["A", "B1", "CD"]), CHANGES) == "2021"
    assert small_areas.infer_vintage(pd.Series(["A"]), CHANGES) is None  # unchanged LSOAs only


def test_a_table_of_the_other_vintage_without_the_lookup_is_an_error_naming_the_dataset():
    table = registrations([("P1", "B", 1, None)])
    table.attrs["lsoa_vintage"] = "2011"
    with pytest.raises(DataNotFoundError, match=r"'registrations-lsoa' is coded by 2011 LSOAs.*'lsoa-changes'"):
        small_areas.in_vintage("registrations-lsoa", table, "2021", lambda: None)
    same = small_areas.in_vintage("registrations-lsoa", table, "2011", lambda: None)
    assert same is table


def test_in_vintage_infers_registrations_vintage_with_the_lookup():
    table = registrations([("P1", "B", 10, None)])
    out = small_areas.in_vintage("registrations-lsoa", table, "2021", lambda: CHANGES)
    assert as_dict(out) == {("P1", "B1"): 4, ("P1", "B2"): 3, ("P1", "B3"): 3}


def test_patients_outside_england_and_without_an_area_are_counted():
    table = registrations([
        ("P1", "E01000001", 10, None), ("P1", "W01000001", 3, None), ("P1", "S01000001", 2, None),
        ("P1", "N21000001", 1, None), ("P1", None, 4, "CLOSED"), ("P1", None, 5, "L99999"),
    ])  # fmt: skip
    assert small_areas.outside_england(table) == {
        "total": 25, "england": 10, "nations": {"Wales": 3, "Scotland": 2, "Northern Ireland": 1},
        "unassigned": {"CLOSED": 4, "L99999": 5},
    }  # fmt: skip


# --- Through DataInputs: what every notebook reads -------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]


def _data_folder(root, *, with_changes: bool):
    import openpyxl

    imd = root / "imd" / "2025" / "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"
    imd.parent.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("IMD25")
    sheet.append(["LSOA code (2021)", "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"])
    for row in (("E01000001", 1, 1), ("E01040001", 2, 1), ("E01040002", 3, 2)):
        sheet.append(row)
    book.save(imd)
    lsoa = root / "registrations-lsoa" / "2020-01" / "gp-reg-pat-prac-lsoa-all.csv"
    lsoa.parent.mkdir(parents=True)
    lsoa.write_text(
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A81001,A SURGERY,E01000001,ALL,4\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A81001,A SURGERY,E01000002,ALL,7\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A81001,A SURGERY,NO2011,ALL,1\n",
        encoding="utf-8",
    )
    ruc = root / "ruc" / "2011" / "RUC11_LSOA11_EW.csv"
    ruc.parent.mkdir(parents=True)
    ruc.write_text("LSOA11CD,RUC11CD,RUC11\nE01000001,A1,Urban major conurbation\nE01000002,E1,Rural village and dispersed\n",
                   encoding="utf-8")  # fmt: skip
    if with_changes:
        changes = root / "lsoa-changes" / "2022" / "LSOA11_LSOA21_LAD22_EW_LU.csv"
        changes.parent.mkdir(parents=True)
        changes.write_text(
            "\ufeffLSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW,ObjectId\n"
            "E01000001,A 001A,E01000001,A 001A,U,E06000001,A,,1\n"
            "E01000002,A 001B,E01040001,A 001E,S,E06000001,A,,2\n"
            "E01000002,A 001B,E01040002,A 001F,S,E06000001,A,,3\n",
            encoding="utf-8",
        )
    return root


def test_inputs_carry_2011_tables_to_the_2021_lsoas_of_imd_2025(tmp_path):
    from pcnreport.data.inputs import DataInputs

    inputs = DataInputs.open(REPO, _data_folder(tmp_path, with_changes=True), cache=False)
    patients = inputs.read("registrations-lsoa")
    assert as_dict(patients) == {("A81001", "E01000001"): 4, ("A81001", "E01040001"): 4, ("A81001", "E01040002"): 3,
                                 ("A81001", None): 1}  # fmt: skip
    assert patients.attrs["lsoa_conversion"]["by_change"]["split"] == 7
    ruc = inputs.read("ruc")
    assert dict(zip(ruc["lsoa_code"], ruc["rural"])) == {"E01000001": False, "E01040001": True, "E01040002": True}
    assert ruc.attrs["lsoa_vintage"] == "2021"


def test_inputs_without_the_lookup_stop_naming_it(tmp_path):
    from pcnreport.data.inputs import DataInputs

    inputs = DataInputs.open(REPO, _data_folder(tmp_path, with_changes=False), cache=False)
    with pytest.raises(DataNotFoundError, match="lsoa-changes"):
        inputs.read("registrations-lsoa")
    # The build's check before any notebook runs does the same, and passes once the lookup is there.
    with pytest.raises(DataNotFoundError, match="lsoa-changes"):
        DataInputs.open(REPO, tmp_path, cache=False).check_small_areas()
    DataInputs.open(REPO, _data_folder(tmp_path / "with", with_changes=True), cache=False).check_small_areas()
