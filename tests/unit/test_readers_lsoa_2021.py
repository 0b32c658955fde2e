"""Small areas of the 2021 census: IMD 2025, RUC 2021, the LSOA21 to MSOA21 lookup, ONS's LSOA 2011 to
2021 lookup and registrations coded by 2021 LSOAs. Hand-written files in the publishers' layouts -> exact
tables and the vintage each reader says it read; bad files -> messages naming row, column and what was
expected."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from reader_support import int64, problems, write

from pcnreport.data.readers import read_imd, read_lsoa_changes, read_lsoa_msoa, read_registrations_lsoa, read_ruc

# The English Indices of Deprivation 2025, File 1 (sheet IMD25): 2021 LSOAs, 2024 districts.
IMD25_HEADER = [
    "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
]  # fmt: skip


def imd25_workbook(path: Path, rows) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["File 1: Index of Multiple Deprivation 2025"])
    data = workbook.create_sheet("IMD25")
    data.append(IMD25_HEADER)
    for code, rank, decile in rows:
        data.append([code, "City of London 001A", "E09000001", "City of London", rank, decile])
    workbook.save(path)
    return path


def test_imd_2025_reads_its_2021_lsoas_and_says_so(tmp_path):
    path = imd25_workbook(tmp_path / "File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx",
                          [("E01000001", 30007, 10), ("E01035722", 2, 1)])  # fmt: skip
    table = read_imd(path)
    expected = pd.DataFrame({"lsoa_code": ["E01000001", "E01035722"], "imd_rank": int64(30007, 2), "imd_decile": int64(10, 1)})
    pd.testing.assert_frame_equal(table, expected)
    assert table.attrs["lsoa_vintage"] == "2021"


def test_imd_2019_is_the_2011_vintage(tmp_path):
    csv = write(tmp_path, "File_7.csv", "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,"
                "Index of Multiple Deprivation (IMD) Decile\nE01000001,29199,9\n")  # fmt: skip
    assert read_imd(csv).attrs["lsoa_vintage"] == "2011"


RUC21 = (
    "\ufeffLSOA21CD,LSOA21NM,LSOA21NMW,RUC21CD,RUC21NM,Urban_rural_flag,ObjectId\n"
    "E01000001,City of London 001A,,UN1,Urban: Nearer to a major town or city,Urban,1\n"
    "E01020000,Eden 001A,,RSF1,Smaller rural: Further from a major town or city,Rural,2\n"
    "E01020001,Eden 001B,,RLN1,Larger rural: Nearer to a major town or city,Rural,3\n"
    "E01020002,Eden 002A,,UF1,Urban: Further from a major town or city,Urban,4\n"
    "W01000001,Isle of Anglesey 001A,Ynys Môn 001A,RSF1,Smaller rural: Further from a major town or city,Rural,5\n"
)


def test_ruc_2021_maps_larger_and_smaller_rural_to_rural(tmp_path):
    table = read_ruc(write(tmp_path, "RUC21_LSOA21_EW.csv", RUC21))
    assert table["lsoa_code"].tolist() == ["E01000001", "E01020000", "E01020001", "E01020002"]  # Wales left out
    assert table["ruc_code"].tolist() == ["UN1", "RSF1", "RLN1", "UF1"]
    assert table["rural"].tolist() == [False, True, True, False]
    assert table.attrs["lsoa_vintage"] == "2021"


def test_ruc_2021_refuses_2011_codes_naming_row_and_column(tmp_path):
    text = RUC21.replace("RSF1,Smaller rural: Further from a major town or city,Rural,2", "E1,Rural village,Rural,2")
    (message,) = problems(read_ruc, write(tmp_path, "RUC21.csv", text))
    assert message.startswith("row 3, column 'RUC21CD': expected a 2021 rural-urban code: UN1, UF1, RLN1")
    assert message.endswith("found 'E1'")


def test_ruc_mixing_2011_lsoas_with_2021_classes_is_refused(tmp_path):
    text = "LSOA11CD,RUC21CD,RUC21NM\nE01000001,UN1,Urban: Nearer to a major town or city\n"
    (message,) = problems(read_ruc, write(tmp_path, "ruc.csv", text))
    assert "column 'LSOA11CD' names 2011 LSOAs but column 'RUC21CD' the 2021 classification" in message


def test_lsoa21_to_msoa21_lookup_from_onss_output_area_file(tmp_path):
    text = (
        "OA21CD,LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,ObjectId\n"
        "E00000001,E01000001,City of London 001A,E02000001,City of London 001,E09000001,1\n"
        "E00000003,E01000001,City of London 001A,E02000001,City of London 001,E09000001,2\n"
        "E00000010,E01035722,Eden 010E,E02007100,Eden 010,E07000030,3\n"
    )
    table = read_lsoa_msoa(write(tmp_path, "OA21_LSOA21_MSOA21_LAD22_EW_LU.csv", text))
    pd.testing.assert_frame_equal(
        table, pd.DataFrame({"lsoa_code": ["E01000001", "E01035722"], "msoa_code": ["E02000001", "E02007100"]})
    )
    assert table.attrs["lsoa_vintage"] == "2021"


def test_a_lookup_mixing_censuses_is_refused(tmp_path):
    (message,) = problems(read_lsoa_msoa, write(tmp_path, "lu.csv", "LSOA11CD,MSOA21CD\nE01000001,E02000001\n"))
    assert "column 'LSOA11CD' names 2011 LSOAs but column 'MSOA21CD' 2021 MSOAs" in message


CHANGES_HEADER = "\ufeffF_LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM,LAD22NMW,ObjectId\n"


def change_row(old, new, flag, n) -> str:
    return f"{old},Somewhere {old[-3:]},{new},Somewhere {new[-3:]},{flag},E06000001,Hartlepool,,{n}\n"


def test_lsoa_changes_read_every_pair_with_its_change(tmp_path):
    text = (
        CHANGES_HEADER
        + change_row("E01000001", "E01000001", "U", 1)
        + change_row("E01000002", "E01033800", "S", 2)  # one 2011 LSOA split in two
        + change_row("E01000002", "E01033801", "S", 3)
        + change_row("E01000003", "E01033900", "M", 4)  # two merged into one
        + change_row("E01000004", "E01033900", "M", 5)
        + change_row("W01000001", "W01000001", "U", 6)
    )
    table = read_lsoa_changes(write(tmp_path, "LSOA11_LSOA21_LAD22_EW_LU.csv", text))
    assert list(table.columns) == ["lsoa11_code", "lsoa21_code", "change"]
    assert table["change"].tolist() == ["U", "S", "S", "M", "M", "U"]
    assert table["lsoa21_code"].tolist()[1:3] == ["E01033800", "E01033801"]


def test_lsoa_changes_problems_name_row_and_column(tmp_path):
    text = (
        CHANGES_HEADER.replace("F_LSOA11CD", "LSOA11CD")  # the later versions' name
        + change_row("E01000001", "E01000009", "U", 1)  # "unchanged" but a new code
        + change_row("E01000002", "E01033800", "Q", 2)
    )
    found = problems(read_lsoa_changes, write(tmp_path, "lu.csv", text))
    assert "row 3, column 'CHGIND': expected a change indicator: U (unchanged), S (split), M (merged) or X " \
           "(irregular), found 'Q'" in found  # fmt: skip


def test_lsoa_changes_unchanged_with_a_new_code_is_refused(tmp_path):
    text = CHANGES_HEADER + change_row("E01000001", "E01000009", "U", 1)
    (message,) = problems(read_lsoa_changes, write(tmp_path, "lu.csv", text))
    assert message == ("row 2, column 'LSOA21CD': expected the 2011 code 'E01000001' for an unchanged LSOA "
                       "(CHGIND 'U'), found 'E01000009'")  # fmt: skip


def test_registrations_coded_by_2021_lsoas_keep_special_values_and_other_nations(tmp_path):
    header = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
    rows = [("E01035722", 20), ("W01000001", 3), ("S01006506", 2), ("N21000001", 1), ("CLOSED", 4), ("EMPTY", 5),
            ("L99999", 6)]  # fmt: skip
    text = header + "".join(f"GP_PRAC_PAT_LIST,2026-06-01,A82003,A SURGERY,{code},ALL,{n}\n" for code, n in rows)
    table = read_registrations_lsoa(write(tmp_path, "gp-reg-pat-prac-lsoa-all.csv", text))
    assert table["patients"].sum() == 41  # every patient kept
    assert table["lsoa_code"].tolist()[:4] == ["E01035722", "W01000001", "S01006506", "N21000001"]
    assert table["lsoa_code"].isna().tolist() == [False] * 4 + [True] * 3
    assert table["unassigned"].tolist()[4:] == ["CLOSED", "EMPTY", "L99999"]
    assert table.attrs["lsoa_vintage"] is None  # the file does not say; the codes do (analysis.small_areas)
