"""Registrations by age (NHS Digital's 5-year bands, and the third-party wide file) and by LSOA: small
hand-written files -> exact tables, bad files -> exact messages; the real extracts at the end."""

from __future__ import annotations

import pandas as pd
import pytest
from reader_support import int64, problems, write

from pcnreport.data.readers import read_registrations_age, read_registrations_lsoa

# --- By LSOA ---------------------------------------------------------------------------------------------

LSOA_HEADER = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"


def lsoa_row(practice="A82003", lsoa="E01024873", count="12", sex="ALL") -> str:
    return f"GP_PRAC_PAT_LIST,01JAN2020,{practice},A SURGERY,{lsoa},{sex},{count}\n"


def test_lsoa_rows_keep_every_patient_with_no2011_as_missing(tmp_path):
    path = write(
        tmp_path,
        "gp-reg-pat-prac-lsoa-all.csv",
        LSOA_HEADER
        + lsoa_row("A82003", "E01024873", "12")
        + lsoa_row("A82003", "W01000001", "3")  # a patient living in Wales
        + lsoa_row("A82003", "NO2011", "1")  # a postcode with no 2011 LSOA
        + lsoa_row("A82003", "E01024873", "7", sex="MALE")  # by-sex rows are not the all-persons count
        + lsoa_row("P81001", "E01024873", "0"),
    )
    expected = pd.DataFrame(
        {
            "practice_code": ["A82003", "A82003", "A82003", "P81001"],
            "lsoa_code": pd.Series(["E01024873", "W01000001", None, "E01024873"], dtype="str"),
            "patients": int64(12, 3, 1, 0),
            "unassigned": pd.Series([None, None, "NO2011", None], dtype="str"),  # the publisher's word
        }
    )
    table = read_registrations_lsoa(path)
    pd.testing.assert_frame_equal(table, expected)
    assert table.attrs["lsoa_vintage"] == "2011"  # NO2011 marks a release coded by 2011 LSOAs


def test_lsoa_bad_codes_and_counts_are_all_reported(tmp_path):
    path = write(
        tmp_path,
        "lsoa.csv",
        LSOA_HEADER + lsoa_row("A8200", "E01024873") + lsoa_row(lsoa="E0102487") + lsoa_row(count="1.5"),
    )
    assert problems(read_registrations_lsoa, path) == [
        "row 2, column 'PRACTICE_CODE': expected a practice code: a letter and 5 digits, like A81001, found 'A8200'",
        "row 3, column 'LSOA_CODE': expected an LSOA code: E01 (or W01, S01, N21) and 6 digits, like E01000001, "
        "or one of 'NO2011', 'CLOSED', 'EMPTY', 'L99999', found 'E0102487'",
        "row 4, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found '1.5'",
    ]


def test_lsoa_one_row_a_practice_and_lsoa(tmp_path):
    path = write(tmp_path, "lsoa.csv", LSOA_HEADER + lsoa_row() + lsoa_row(lsoa="E01000001") + lsoa_row(count="5"))
    assert problems(read_registrations_lsoa, path) == [
        "columns 'PRACTICE_CODE', 'LSOA_CODE': practice and LSOA 'A82003', 'E01024873' appears in rows 2 and 4; "
        "expected once"
    ]


def test_lsoa_without_all_persons_rows(tmp_path):
    path = write(tmp_path, "lsoa.csv", LSOA_HEADER + lsoa_row(sex="FEMALE"))
    assert problems(read_registrations_lsoa, path) == ["no all-persons rows: expected rows with SEX 'ALL'"]


def test_lsoa_header_only_and_missing_columns(tmp_path):
    assert problems(read_registrations_lsoa, write(tmp_path, "h.csv", LSOA_HEADER)) == [
        "no data rows: the file has a header row but nothing under it"
    ]
    lsoa, count = problems(read_registrations_lsoa, write(tmp_path, "m.csv", "PRACTICE_CODE,SEX\nA82003,ALL\n"))
    assert lsoa.startswith("missing column 'LSOA_CODE' (expected columns: 'PRACTICE_CODE'; 'LSOA_CODE';")
    assert count.startswith("missing column 'NUMBER_OF_PATIENTS' (or 'Number of Patients', 'Number.of.Patients')")


def test_lsoa_a_national_sized_file_reads_whole(tmp_path):
    """Not timed (machines differ): checks the vectorised path gives right answers at national scale."""
    n_practices, per_practice = 2_000, 400  # 800,000 rows, as nationally
    practices = [f"A{81000 + i:05d}" for i in range(n_practices)]
    lsoas = [f"E01{j:06d}" for j in range(1, per_practice + 1)]
    rows = "".join(
        f"GP_PRAC_PAT_LIST,01JAN2020,{practice},A SURGERY,{lsoa},ALL,3\n" for practice in practices for lsoa in lsoas
    )
    path = write(tmp_path, "gp-reg-pat-prac-lsoa-all.csv", LSOA_HEADER + rows)

    out = read_registrations_lsoa(path)

    assert len(out) == 800_000
    assert out["patients"].sum() == 2_400_000


# --- By age: NHS Digital's 5-year bands -------------------------------------------------------------------

BANDS_HEADER = "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
AGE_BANDS = ["0_4", "5_9", "60_64", "65_69", "90_94", "95+"]


def band_rows(practice: str, counts: dict[str, int], sex="ALL", org_type="GP", total: int | None = None) -> str:
    lines = [
        f"GP_PRAC_PAT_LIST,01JAN2020,{org_type},{practice},E00000000,NE1 1AA,{sex},{band},{count}\n"
        for band, count in counts.items()
    ]
    if total is not None:
        lines.append(f"GP_PRAC_PAT_LIST,01JAN2020,{org_type},{practice},E00000000,NE1 1AA,{sex},ALL,{total}\n")
    return "".join(lines)


def test_bands_sum_from_65_69_up_and_take_the_all_row_as_list_size(tmp_path):
    counts = {"0_4": 100, "5_9": 100, "60_64": 50, "65_69": 40, "90_94": 5, "95+": 1}
    path = write(
        tmp_path,
        "gp-reg-pat-prac-quin-age.csv",
        BANDS_HEADER
        + band_rows("00L", {"65_69": 999}, org_type="CCG", total=99999)  # other organisation levels
        + band_rows("A81001", counts, total=296)
        + band_rows("A81001", {"65_69": 20}, sex="MALE", total=150)  # by-sex rows: ALL is used
        + band_rows("Y02345", {"0_4": 10, "65_69": 0}, total=10),
    )
    expected = pd.DataFrame(
        {"practice_code": ["A81001", "Y02345"], "list_size": int64(296, 10), "aged_65_plus": int64(46, 0)}
    )
    pd.testing.assert_frame_equal(read_registrations_age(path), expected)


def test_bands_without_all_rows_add_male_and_female_and_the_bands(tmp_path):
    path = write(
        tmp_path,
        "quin.csv",
        BANDS_HEADER
        + band_rows("A81001", {"0_4": 10, "65_69": 4, "95+": 1}, sex="MALE")
        + band_rows("A81001", {"0_4": 12, "65_69": 6, "95+": 2}, sex="FEMALE"),
    )
    expected = pd.DataFrame({"practice_code": ["A81001"], "list_size": int64(35), "aged_65_plus": int64(13)})
    pd.testing.assert_frame_equal(read_registrations_age(path), expected)


def test_publisher_layout_all_persons_total_with_bands_by_sex(tmp_path):
    # NHS Digital's file: one ALL/ALL total a practice, the bands only by MALE and FEMALE.
    path = write(
        tmp_path,
        "gp-reg-pat-prac-quin-age.csv",
        BANDS_HEADER
        + band_rows("A81001", {}, total=40)
        + band_rows("A81001", {"0_4": 10, "65_69": 4, "95+": 1}, sex="MALE")
        + band_rows("A81001", {"0_4": 17, "65_69": 6, "95+": 2}, sex="FEMALE"),
    )
    expected = pd.DataFrame({"practice_code": ["A81001"], "list_size": int64(40), "aged_65_plus": int64(13)})
    pd.testing.assert_frame_equal(read_registrations_age(path), expected)


def test_bands_bad_values_are_all_reported(tmp_path):
    path = write(
        tmp_path,
        "quin.csv",
        BANDS_HEADER
        + band_rows("A81001", {"65-69": 4}, sex="M", total=10)
        + band_rows("A8100", {"0_4": -1}, total=10),
    )
    assert problems(read_registrations_age, path) == [
        "row 4, column 'ORG_CODE': expected a practice code: a letter and 5 digits, like A81001, found 'A8100'",
        "row 5, column 'ORG_CODE': expected a practice code: a letter and 5 digits, like A81001, found 'A8100'",
        "row 2, column 'SEX': expected ALL, MALE or FEMALE, found 'M'",
        "row 3, column 'SEX': expected ALL, MALE or FEMALE, found 'M'",
        "row 2, column 'AGE_GROUP_5': expected an age band like 0_4, 65_69 or 95+, or ALL, found '65-69'",
        "row 4, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found '-1'",
    ]


def test_bands_repeated_and_missing_totals(tmp_path):
    repeated = write(tmp_path, "rep.csv", BANDS_HEADER + band_rows("A81001", {"0_4": 1}, total=5) + band_rows("A81001", {"0_4": 2}))
    assert problems(read_registrations_age, repeated) == [
        "columns 'ORG_CODE', 'SEX', 'AGE_GROUP_5': practice, sex and age band 'A81001', 'ALL', '0_4' appears in "
        "rows 2 and 4; expected once"
    ]
    missing = write(tmp_path, "mis.csv", BANDS_HEADER + band_rows("A81001", {"0_4": 1}, total=5) + band_rows("A81002", {"0_4": 2}))
    assert problems(read_registrations_age, missing) == [
        "practice 'A81002' has no AGE_GROUP_5 'ALL' row: expected one a practice"
    ]


def test_bands_without_practice_rows(tmp_path):
    path = write(tmp_path, "quin.csv", BANDS_HEADER + band_rows("00L", {"0_4": 1}, org_type="CCG"))
    assert problems(read_registrations_age, path) == ["no practice rows: expected rows with ORG_TYPE 'GP'"]


# --- By age: the third-party wide file -----------------------------------------------------------------

WIDE_HEADER = "PRACTICE_CODE,TOTAL,16OV,17OV,18OV,30_74,50OV,0_64,65OV,65OV%\n"


def test_wide_file_takes_total_and_65ov_reading_its_tiny_zero_as_zero(tmp_path):
    path = write(
        tmp_path,
        "gp-by-age.csv",
        WIDE_HEADER
        + "A81001,4111,3345,3307,3258,2228,1716,3161,950,0.231087327\n"
        + "Y05412,69,69,69,69,22,1,69,0.0000001,1E-12\n",  # as in the real file
    )
    expected = pd.DataFrame(
        {"practice_code": ["A81001", "Y05412"], "list_size": int64(4111, 69), "aged_65_plus": int64(950, 0)}
    )
    pd.testing.assert_frame_equal(read_registrations_age(path), expected)


def test_wide_file_bad_values_duplicates_and_more_old_than_all(tmp_path):
    bad = write(
        tmp_path,
        "bad.csv",
        WIDE_HEADER + "A81001,4111,,,,,,,950.5,\n" + "A81002,x,,,,,,,1,\n" + "A81001,10,,,,,,,1,\n",
    )
    assert problems(read_registrations_age, bad) == [
        "row 3, column 'TOTAL': expected a whole number >= 0, found 'x'",
        "row 2, column '65OV': expected a whole number >= 0, found '950.5'",
        "column 'PRACTICE_CODE': practice code 'A81001' appears in rows 2 and 4; expected once",
    ]
    older = write(tmp_path, "older.csv", WIDE_HEADER + "A81001,10,,,,,,,11,\n")
    assert problems(read_registrations_age, older) == [
        "row 2, practice 'A81001': expected no more patients aged 65 and over (11) than on the list (10)"
    ]


def test_an_age_file_of_neither_format(tmp_path):
    path = write(tmp_path, "age.csv", "PRACTICE_CODE,TOTAL\nA81001,5\n")
    [problem] = problems(read_registrations_age, path)
    assert problem == (
        "not a registrations-by-age file: expected columns 'ORG_TYPE'; 'ORG_CODE'; 'SEX'; 'AGE_GROUP_5'; "
        "'NUMBER_OF_PATIENTS' or 'PRACTICE_CODE'; 'TOTAL'; '65OV' (found: 'PRACTICE_CODE'; 'TOTAL')"
    )


# --- Real extracts -----------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_registrations_by_age_wide(shared_data):
    ages = read_registrations_age(shared_data / "age" / "gp-by-age.csv")

    assert len(ages) == 6730
    assert ages["practice_code"].is_unique
    assert ages["list_size"].sum() == 60_442_552
    assert ages["aged_65_plus"].sum() == 10_587_045
    assert ages.loc[ages["practice_code"] == "Y05412", "aged_65_plus"].tolist() == [0]


@pytest.mark.shared_data
def test_real_registrations_by_lsoa_pennine_lancashire(shared_data):
    path = shared_data / "registrations-lsoa" / "2020-01-pennine-lancashire" / "lsoapops_01JAN2020.csv"
    lsoa = read_registrations_lsoa(path)

    assert len(lsoa) == 8625
    assert lsoa["practice_code"].nunique() == 254
    assert lsoa["lsoa_code"].isna().sum() == 40  # NO2011: one row for each of 40 practices
    assert lsoa["patients"].sum() == 588_348
    assert lsoa["lsoa_code"].dropna().str.startswith("E01").all()
