"""Small-area tables: IMD 2019 (workbook or CSV), the 2011 Rural-Urban Classification and the LSOA to
MSOA lookup. England only in every output; Welsh rows are checked, then left out."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reader_support import int64, problems, write

from pcnreport.data.readers import read_imd, read_lsoa_msoa, read_ruc

# --- IMD 2019 -------------------------------------------------------------------------------------------------

IMD_HEADER = [
    "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
    "Index of Multiple Deprivation (IMD) Decile",
]  # fmt: skip


def imd_workbook(path: Path, rows, *, sheet="IMD2019", header=IMD_HEADER) -> Path:
    """File 1 as MHCLG lays it out: a Notes sheet first, then the data sheet."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["File 1: index of multiple deprivation"])
    data = workbook.create_sheet(sheet)
    data.append(header)
    for code, rank, decile in rows:
        data.append([code, "Somewhere 001A", "E09000001", "Somewhere", rank, decile])
    workbook.save(path)
    return path


def test_imd_workbook_one_row_an_lsoa(tmp_path):
    path = imd_workbook(tmp_path / "File_1.xlsx", [("E01000001", 29199, 9), ("E01000005", 1, 1)])
    expected = pd.DataFrame(
        {"lsoa_code": ["E01000001", "E01000005"], "imd_rank": int64(29199, 1), "imd_decile": int64(9, 1)}
    )
    pd.testing.assert_frame_equal(read_imd(path), expected)


def test_imd_file_7_csv_and_a_2015_style_sheet_name_read_the_same(tmp_path):
    csv = write(
        tmp_path,
        "File_7.csv",
        "LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Score,"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\n"
        "E01000001,City of London 001A,6.208,29199,9\n",
    )
    workbook = imd_workbook(tmp_path / "File_1.xlsx", [("E01000001", 29199, 9)], sheet="IMD 2015")
    pd.testing.assert_frame_equal(read_imd(csv), read_imd(workbook))


def test_imd_bad_values_name_sheet_row_and_column(tmp_path):
    rows = [("E01000001", 29199, 9), ("W01000001", 0, 11), ("E01000001", 5, 1)]
    path = imd_workbook(tmp_path / "File_1.xlsx", rows)
    assert problems(read_imd, path) == [
        "sheet 'IMD2019', row 3, column 'LSOA code (2011)': expected an English LSOA code: E01 and 6 digits, "
        "like E01000001, found 'W01000001'",
        "sheet 'IMD2019', row 3, column 'Index of Multiple Deprivation (IMD) Rank': expected a rank: a whole "
        "number from 1, found '0'",
        "sheet 'IMD2019', row 3, column 'Index of Multiple Deprivation (IMD) Decile': expected a decile: a whole "
        "number from 1 to 10, found '11'",
        "sheet 'IMD2019', column 'LSOA code (2011)': LSOA 'E01000001' appears in rows 2 and 4; expected once",
    ]


def test_imd_workbook_without_the_columns(tmp_path):
    path = imd_workbook(tmp_path / "File_2.xlsx", [("E01000001", 1, 1)], header=["LSOA code (2011)", "Income Rank"])
    assert problems(read_imd, path) == [
        "no sheet has the expected columns ('LSOA code (2011)'; 'Index of Multiple Deprivation (IMD) Rank'; "
        "'Index of Multiple Deprivation (IMD) Decile') in row 1 (sheets: 'Notes', 'IMD2019')"
    ]


def test_imd_header_only_sheet(tmp_path):
    path = imd_workbook(tmp_path / "File_1.xlsx", [])
    assert problems(read_imd, path) == ["sheet 'IMD2019' has no data rows: the header row has nothing under it"]


# --- Rural-Urban Classification ---------------------------------------------------------------------------

RUC_HEADER = "LSOA11CD,LSOA11NM,RUC11CD,RUC11\n"
RUC_ROWS = (
    "E01000001,City of London 001A,A1,Urban major conurbation\n"
    "E01018000,Somewhere 001A,D2,Rural town and fringe in a sparse setting\n"
    "E01018001,Somewhere 001B,E1,Rural village and dispersed\n"
    "W01000001,Isle of Anglesey 001A,E2,Rural village and dispersed in a sparse setting\n"
)


@pytest.mark.parametrize("lsoa_header", ["LSOA11CD", "lsoa"])
def test_ruc_england_with_rural_flag(tmp_path, lsoa_header):
    path = write(tmp_path, "ruc.csv", RUC_HEADER.replace("LSOA11CD", lsoa_header) + RUC_ROWS)
    expected = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01018000", "E01018001"],
            "ruc_code": ["A1", "D2", "E1"],
            "ruc_name": ["Urban major conurbation", "Rural town and fringe in a sparse setting",
                         "Rural village and dispersed"],
            "rural": [False, True, True],
        }
    )
    pd.testing.assert_frame_equal(read_ruc(path), expected)


def test_ruc_bad_codes_and_repeats(tmp_path):
    path = write(
        tmp_path,
        "ruc.csv",
        RUC_HEADER + "E01000001,A,F1,Elsewhere\n" + "S01000001,B,A1,\n" + "E01000001,A,A1,Urban major conurbation\n",
    )
    assert problems(read_ruc, path) == [
        "row 3, column 'LSOA11CD': expected an LSOA code: E01 or W01 and 6 digits, like E01000001, found 'S01000001'",
        "row 2, column 'RUC11CD': expected a 2011 rural-urban code: A1, B1, C1, C2, D1, D2, E1, E2, found 'F1'",
        "row 3, column 'RUC11': expected a value (not blank), found a blank cell",
        "column 'LSOA11CD': LSOA 'E01000001' appears in rows 2 and 4; expected once",
    ]


# --- LSOA to MSOA ----------------------------------------------------------------------------------------

LOOKUP_HEADER = "LSOA_CODE,MSOA_CODE,PCON_CODE,PCON_NAME,LAD_CODE,LAD_NAME,COUNTY_CONURBATION,REGION,IMD_INCOME,IMD_OVERALL\n"


def lookup_row(lsoa: str, msoa: str) -> str:
    return f"{lsoa},{msoa},E14000801,Luton South,E06000032,Luton,Bedfordshire,East of England,1,1\n"


def test_lookup_england_only(tmp_path):
    path = write(
        tmp_path,
        "lsoa_geog_lookup.csv",
        LOOKUP_HEADER
        + lookup_row("E01015736", "E02003277")
        + lookup_row("W01000001", "W02000001")
        + lookup_row("E01015732", "E02003277"),
    )
    expected = pd.DataFrame({"lsoa_code": ["E01015736", "E01015732"], "msoa_code": ["E02003277", "E02003277"]})
    pd.testing.assert_frame_equal(read_lsoa_msoa(path), expected)


def test_lookup_ons_output_area_file_repeats_each_lsoa(tmp_path):
    path = write(
        tmp_path,
        "OA11_LSOA11_MSOA11_LAD11_EW_LUv2.csv",
        "OA11CD,LSOA11CD,LSOA11NM,MSOA11CD,MSOA11NM,LAD11CD,LAD11NM\n"
        "E00000001,E01000001,City of London 001A,E02000001,City of London 001,E09000001,City of London\n"
        "E00000003,E01000001,City of London 001A,E02000001,City of London 001,E09000001,City of London\n"
        "E00000005,E01000002,City of London 001B,E02000001,City of London 001,E09000001,City of London\n",
    )
    expected = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "msoa_code": ["E02000001", "E02000001"]})
    pd.testing.assert_frame_equal(read_lsoa_msoa(path), expected)


def test_lookup_an_lsoa_in_two_msoas_or_another_country(tmp_path):
    path = write(
        tmp_path,
        "lookup.csv",
        LOOKUP_HEADER
        + lookup_row("E01015736", "E02003277")
        + lookup_row("E01015736", "E02003278")
        + lookup_row("E01015737", "W02000001")
        + lookup_row("E0101573", "E02003277"),
    )
    assert problems(read_lsoa_msoa, path) == [
        "row 5, column 'LSOA_CODE': expected an LSOA code: E01 or W01 and 6 digits, like E01000001, found 'E0101573'"
    ]
    path = write(tmp_path, "lookup.csv", LOOKUP_HEADER + "".join(lookup_row(*pair) for pair in [
        ("E01015736", "E02003277"), ("E01015736", "E02003278"), ("E01015737", "W02000001")]))  # fmt: skip
    assert problems(read_lsoa_msoa, path) == [
        "row 4, column 'MSOA_CODE': expected an MSOA of the LSOA's own country (E02 for E01, W02 for W01), found "
        "'W02000001' for LSOA 'E01015737'",
        "column 'LSOA_CODE': LSOA 'E01015736' is in two MSOAs: 'E02003277' (row 2) and 'E02003278' (row 3); "
        "expected one MSOA an LSOA",
    ]


# --- Real extracts -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_imd(shared_data) -> pd.DataFrame:
    # Read once: the workbook takes a second or two (openpyxl parses 200,000 cells).
    return read_imd(shared_data / "imd" / "2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx")


@pytest.mark.shared_data
def test_real_imd_2019(real_imd):
    imd = real_imd

    assert len(imd) == 32_844
    assert imd["lsoa_code"].is_unique
    assert imd["imd_decile"].value_counts().between(3284, 3285).all()
    assert (imd["imd_rank"].min(), imd["imd_rank"].max()) == (1, 32_844)
    assert imd["imd_rank"].duplicated().sum() == 26  # tied scores share a rank


@pytest.mark.shared_data
def test_real_ruc_2011(shared_data):
    ruc = read_ruc(shared_data / "ruc" / "2011" / "ruc_2011.csv")  # the `lsoa` spelling; 1,909 Welsh rows left out

    assert len(ruc) == 32_844
    assert ruc["rural"].sum() == 5598
    assert ruc["ruc_code"].value_counts().to_dict() == {
        "C1": 14456, "A1": 11523, "D1": 2937, "E1": 2361, "B1": 1208, "E2": 181, "D2": 119, "C2": 59,
    }  # fmt: skip


@pytest.mark.shared_data
def test_real_lsoa_msoa_lookup(shared_data, real_imd):
    lookup = read_lsoa_msoa(shared_data / "geography" / "lsoa_geog_lookup.csv")  # 1,909 Welsh rows left out

    assert len(lookup) == 32_844
    assert lookup["msoa_code"].nunique() == 6791
    assert set(lookup["lsoa_code"]) == set(real_imd["lsoa_code"])
