"""QOF: practice prevalence and the practice to PCN / CCG / STP / region mapping."""

from __future__ import annotations

import pandas as pd
import pytest
from reader_support import problems, write

from pcnreport.data.readers import read_practice_ccg, read_qof_prevalence

# --- Prevalence --------------------------------------------------------------------------------------------

PREVALENCE_HEADER = "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\r\n"


def test_prevalence_tidy_rows_leaving_out_blank_registers(tmp_path):
    path = write(
        tmp_path,
        "PREVALENCE_1718.csv",
        PREVALENCE_HEADER
        + "A81001,COPD,106,TOTAL,4086\r\n"
        + "A81001,CKD,300,18OV,3258\r\n"
        + "A81001,CVDPP,0,30_74,2228\r\n"
        + "C84052,COPD,,TOTAL,6139\r\n",  # no figure reported: left out
    )
    expected = pd.DataFrame(
        {
            "practice_code": ["A81001"] * 3,
            "indicator": ["COPD", "CKD", "CVDPP"],
            "register": pd.Series([106, 300, 0], dtype="int64"),
            "list_type": ["TOTAL", "18OV", "30_74"],
            "list_size": pd.Series([4086, 3258, 2228], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(read_qof_prevalence(path), expected)


def test_prevalence_2023_24_spellings(tmp_path):
    header = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\n"
    table = read_qof_prevalence(write(tmp_path, "PREVALENCE_2324.csv", header + "A81001,AF,106,TOTAL,4086\n"))
    assert table.to_dict("records") == [
        {"practice_code": "A81001", "indicator": "AF", "register": 106, "list_type": "TOTAL", "list_size": 4086}
    ]


def test_prevalence_registers_written_as_decimals_from_2021_22(tmp_path):
    header = "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\n"
    path = write(tmp_path, "PREVALENCE_2122.csv", header + "A81001,AF,112.0,TOTAL,4086\nA81002,AF,0.0,TOTAL,10\n")
    assert read_qof_prevalence(path)["register"].tolist() == [112, 0]
    fraction = write(tmp_path, "PREVALENCE_2223.csv", header + "A81001,AF,112.5,TOTAL,4086\n")
    assert problems(read_qof_prevalence, fraction) == [
        "row 2, column 'REGISTER': expected a whole number >= 0 (112 or 112.0) or blank, found '112.5'"
    ]


def test_prevalence_bad_values_and_repeats(tmp_path):
    path = write(
        tmp_path,
        "PREVALENCE_1718.csv",
        PREVALENCE_HEADER
        + "A81001,copd,1,TOTAL,10\r\n"
        + "A81001,AF,-1,ALL,10\r\n"
        + "A81001,HYP,1,TOTAL,\r\n"
        + "A81001,AF,2,ALL,10\r\n",
    )
    assert problems(read_qof_prevalence, path) == [
        "row 2, column 'INDICATOR_GROUP_CODE': expected an indicator group code in capitals, like COPD, found 'copd'",
        "row 3, column 'REGISTER': expected a whole number >= 0 (112 or 112.0) or blank, found '-1'",
        "row 3, column 'PATIENT_LIST_TYPE': expected a patient list type like TOTAL, 18OV or 30_74, found 'ALL'",
        "row 5, column 'PATIENT_LIST_TYPE': expected a patient list type like TOTAL, 18OV or 30_74, found 'ALL'",
        "row 4, column 'PATIENT_LIST_SIZE': expected a whole number >= 0, found a blank cell",
        "columns 'PRACTICE_CODE', 'INDICATOR_GROUP_CODE', 'PATIENT_LIST_TYPE': practice, indicator and list type "
        "'A81001', 'AF', 'ALL' appears in rows 3 and 5; expected once",
    ]


def test_prevalence_missing_column(tmp_path):
    path = write(tmp_path, "p.csv", "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE\nA81001,AF,1,TOTAL\n")
    [problem] = problems(read_qof_prevalence, path)
    assert problem.startswith("missing column 'PATIENT_LIST_SIZE' (or 'PRACTICE_LIST_SIZE') (expected columns:")


# --- Practice to NHS geographies mapping ---------------------------------------------------------------------

MAPPING_HEADER = (
    "NAT_ONS_CODE,NAT_CODE,COUNTRY,REGION_ODS_CODE,REGION_ONS_CODE,REGION_NAME,STP_ODS_CODE,STP_ONS_CODE,"
    "STP_NAME,CCG_ODS_CODE,CCG_ONS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE,PRACTICE_NAME\n"
)


def mapping_row(practice="A81001", pcn="U89141", pcn_name="Stockton PCN", ccg="16C", stp="QHM", region="Y63",
                ccg_ons="E38000247") -> str:
    return (
        f"E92000001,ENG,England,{region},E40000009,North East and Yorkshire,{stp},E54000050,Cumbria STP,"
        f"{ccg},{ccg_ons},NHS Tees Valley CCG,{pcn},{pcn_name},{practice},The Surgery\n"
    )


def test_mapping_one_row_a_practice_with_unallocated_as_missing(tmp_path):
    path = write(
        tmp_path,
        "MAPPING_NHS_GEOGRAPHIES_1920.csv",
        MAPPING_HEADER + mapping_row() + mapping_row("A84035", "U", "Unallocated"),
    )
    expected = pd.DataFrame(
        {
            "practice_code": ["A81001", "A84035"],
            "practice_name": ["The Surgery"] * 2,
            "pcn_code": pd.Series(["U89141", None], dtype="str"),
            "pcn_name": pd.Series(["Stockton PCN", None], dtype="str"),
            "ccg_code": ["16C"] * 2,
            "ccg_ons_code": ["E38000247"] * 2,
            "ccg_name": ["NHS Tees Valley CCG"] * 2,
            "stp_code": ["QHM"] * 2,
            # ICBs replaced STPs in 2022/23's mapping: a 2019/20 file has none, so they are missing.
            "icb_code": pd.Series([None] * 2, dtype="str"),
            "icb_ons_code": pd.Series([None] * 2, dtype="str"),
            "icb_name": pd.Series([None] * 2, dtype="str"),
            "region_code": ["Y63"] * 2,
            "region_name": ["North East and Yorkshire"] * 2,
        }
    )
    mapping = read_practice_ccg(path)
    pd.testing.assert_frame_equal(mapping, expected)
    assert mapping.attrs["commissioner_level"] == "ccg"


def test_mapping_bad_codes_and_repeated_practices(tmp_path):
    path = write(
        tmp_path,
        "MAPPING_NHS_GEOGRAPHIES_1920.csv",
        MAPPING_HEADER
        + mapping_row(pcn="U8914", ccg="E38000247")
        + mapping_row("A81002", stp="", region="63", ccg_ons="16C")
        + mapping_row("A81001"),
    )
    assert problems(read_practice_ccg, path) == [
        "row 2, column 'PCN_ODS_CODE': expected a PCN code like U12345, or 'U' (unallocated), found 'U8914'",
        "row 2, column 'CCG_ODS_CODE': expected a CCG code: 3 or 5 letters or digits, like 00L or X2C4Y, "
        "found 'E38000247'",
        "row 3, column 'CCG_ONS_CODE': expected a CCG's ONS code: E38 and 6 digits, like E38000014, found '16C'",
        "row 3, column 'STP_ODS_CODE': expected an STP code: 3 letters or digits, like QHM, found a blank cell",
        "row 3, column 'REGION_ODS_CODE': expected an NHS England region code: Y and 2 digits, like Y56, found '63'",
        "column 'PRACTICE_CODE': practice code 'A81001' appears in rows 2 and 4; expected once",
    ]


# --- Real extracts -----------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_prevalence_2017_18(shared_data):
    prevalence = read_qof_prevalence(shared_data / "qof" / "2017-18" / "PREVALENCE_1718.csv")

    # The file has 7,100 practices x 21 groups (149,100 rows); 12 practices have every REGISTER blank.
    assert len(prevalence) == 7088 * 21
    assert prevalence["practice_code"].nunique() == 7088
    assert prevalence["indicator"].nunique() == 21
    assert set(prevalence["list_type"]) == {"TOTAL", "16OV", "17OV", "18OV", "50OV", "30_74"}
    assert prevalence.groupby("indicator")["list_type"].nunique().eq(1).all()
    assert "C84052" not in set(prevalence["practice_code"])


@pytest.mark.shared_data
def test_real_mapping_2019_20(shared_data):
    mapping = read_practice_ccg(shared_data / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv")

    assert len(mapping) == 6720
    assert mapping["ccg_code"].nunique() == 135
    # One ONS code a CCG (the CCG boundary files' key): Tees Valley is E38000247.
    assert mapping.drop_duplicates("ccg_code")["ccg_ons_code"].nunique() == 135
    assert mapping.groupby("ccg_code")["ccg_ons_code"].nunique().eq(1).all()
    assert set(mapping.loc[mapping["ccg_code"] == "16C", "ccg_ons_code"]) == {"E38000247"}
    assert mapping["stp_code"].nunique() == 42
    assert mapping["region_code"].nunique() == 7
    assert mapping["pcn_code"].isna().sum() == 61  # 'U', 'Unallocated'
    assert mapping["pcn_code"].nunique() == 1250
