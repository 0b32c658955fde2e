"""Format variants every reader shares (data/readers/_headers.py, _files.py, _tables.py): re-cased and renamed headers, a CSV inside a
ZIP archive, workbooks where a publisher ships one, and files that are none of these."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reader_support import write

from pcnreport.core.errors import DataFormatError
from pcnreport.data import readers
from pcnreport.data.readers import (
    read_epcn,
    read_imd,
    read_practice_ccg,
    read_qof_prevalence,
    read_registrations,
    read_registrations_lsoa,
)
from pcnreport.data.readers._headers import SPELLINGS, match_header


def zipped(tmp_path: Path, name: str, members: dict[str, str | bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return path


REG = (
    "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5903\n"
)
LSOA_ROWS = "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01024873,ALL,1\n"
PREVALENCE = "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\nA81001,AF,106,TOTAL,4086\n"
MAPPING = (
    "REGION_ODS_CODE,REGION_NAME,STP_ODS_CODE,CCG_ODS_CODE,CCG_ONS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE,"
    "PRACTICE_NAME\nY63,North East,QHM,16C,E38000247,NHS Tees Valley CCG,U89141,Stockton PCN,A81001,The Densham Surgery\n"
)


# --- Header spellings ----------------------------------------------------------------------------------


def test_headers_match_ignoring_case_and_whitespace():
    positions, problems = match_header(
        ["  practice_code ", "Lsoa_Code", "sex", "NUMBER   OF patients"], SPELLINGS["registrations-lsoa"]
    )
    assert problems == []
    assert positions == {"practice_code": 0, "lsoa_code": 1, "sex": 2, "patients": 3}


@pytest.mark.parametrize("count", ["NUMBER_OF_PATIENTS", "Number of Patients", "Number.of.Patients"])
def test_each_published_spelling_of_the_lsoa_count_column_is_read(tmp_path, count):
    header = f"PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,{count}\n"
    table = read_registrations_lsoa(write(tmp_path, "lsoa.csv", header + LSOA_ROWS))
    assert table["patients"].tolist() == [1]


def test_re_cased_and_padded_headers_read_like_the_publishers(tmp_path):
    recased = REG.replace("CODE,POSTCODE", "Code , Postcode").replace("NUMBER_OF_PATIENTS", " number_of_patients")
    assert recased != REG
    pd.testing.assert_frame_equal(
        read_registrations(write(tmp_path, "recased.csv", recased)),
        read_registrations(write(tmp_path, "published.csv", REG)),
    )


def test_a_problem_quotes_the_header_as_the_file_spells_it(tmp_path):
    header = '"","PUBLICATION","EXTRACT_DATE","PRACTICE_CODE","PRACTICE_NAME","LSOA_CODE","SEX","Number.of.Patients"\n'
    path = write(tmp_path, "lsoapops.csv", header + '"1","GP_PRAC_PAT_LIST","01JAN2020","A82003","X","E01024873","ALL",x\n')
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations_lsoa(path)
    assert excinfo.value.problems == ["row 2, column 'Number.of.Patients': expected a whole number >= 0, found 'x'"]


def test_a_missing_column_names_its_accepted_spellings(tmp_path):
    path = write(tmp_path, "lsoa.csv", "PRACTICE_CODE,LSOA_CODE,SEX,PATIENTS\nA82003,E01024873,ALL,1\n")
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations_lsoa(path)
    assert excinfo.value.problems == [
        "missing column 'NUMBER_OF_PATIENTS' (or 'Number of Patients', 'Number.of.Patients') (expected columns: "
        "'PRACTICE_CODE'; 'LSOA_CODE'; 'SEX'; 'NUMBER_OF_PATIENTS'; found: 'PRACTICE_CODE'; 'LSOA_CODE'; 'SEX'; "
        "'PATIENTS')"
    ]


# --- CSV inside a ZIP archive ----------------------------------------------------------------------------


def test_a_zip_holding_one_csv_reads_like_the_csv(tmp_path):
    archive = zipped(tmp_path, "gp-reg-pat-prac-all.zip", {"gp-reg-pat-prac-all.csv": REG})
    pd.testing.assert_frame_equal(read_registrations(archive), read_registrations(write(tmp_path, "r.csv", REG)))
    assert not (tmp_path / "gp-reg-pat-prac-all.csv").exists()  # read in memory, nothing extracted


def test_a_problem_in_a_zipped_csv_names_the_archive_and_the_member(tmp_path):
    archive = zipped(tmp_path, "regs.zip", {"data/gp-reg-pat-prac-all.csv": REG.replace(",5903", ",many")})
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(archive)
    assert excinfo.value.path == str(archive)
    assert excinfo.value.problems == [
        "member 'data/gp-reg-pat-prac-all.csv', row 2, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, "
        "found 'many'"
    ]


def test_a_zip_with_two_csvs_or_none_is_refused_with_its_members(tmp_path):
    two = zipped(tmp_path, "two.zip", {"a.csv": REG, "b.csv": REG})
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(two)
    assert excinfo.value.problems == [
        "a ZIP archive with 2 members named like '*.csv': expected exactly one (members: 'a.csv', 'b.csv')"
    ]
    assert str(two) in str(excinfo.value)

    none = zipped(tmp_path, "none.zip", {"readme.txt": "hello", "data.xlsx": b"PK"})
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(none)
    assert excinfo.value.problems == [
        "a ZIP archive with no member named like '*.csv': expected exactly one (members: 'readme.txt', 'data.xlsx')"
    ]


def test_a_qof_year_archive_gives_each_reader_its_own_member(tmp_path):
    archive = zipped(
        tmp_path,
        "QOF_1920.zip",
        {"PREVALENCE_1920.csv": PREVALENCE, "MAPPING_NHS_GEOGRAPHIES_1920.csv": MAPPING, "ACHIEVEMENT_1920.csv": "X\n1\n"},
    )
    assert read_qof_prevalence(archive)["register"].tolist() == [106]
    assert read_practice_ccg(archive)["pcn_code"].tolist() == ["U89141"]


def test_a_damaged_zip_is_refused(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(DataFormatError, match=r"broken\.zip'.*\n.*a damaged ZIP archive"):
        read_registrations(path)


def test_an_epcn_workbook_inside_a_zip_is_read(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "PCN Details"
    sheet.append(["PCN Code", "PCN Name", "Current Clinical Commissioning Group Code",
                  "Clinical Commissioning Group Name", "Open Date (YYYYMMDD)", "Close Date"])  # fmt: skip
    sheet.append(["U11111", "NORTH PCN", "00L", "NHS NORTHUMBERLAND CCG", 20191001, None])
    members = workbook.create_sheet("PCN Core Partner Details")
    members.append(["Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "PCN Code",
                    "PCN Parent CCG Code", "Practice to PCN Relationship Start Date",
                    "Practice to PCN Relationship End Date"])  # fmt: skip
    members.append(["A84002", "FIRST SURGERY", "00L", "U11111", "00L", 20191001, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    epcn = read_epcn(zipped(tmp_path, "epcn.zip", {"ePCN.xlsx": buffer.getvalue()}))

    assert epcn.members["practice_code"].tolist() == ["A84002"]


# --- What a file is comes from its bytes ----------------------------------------------------------------


def test_a_workbook_given_to_a_csv_reader_is_refused_saying_what_was_expected(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["PRACTICE_CODE"])
    path = tmp_path / "gp-reg-pat-prac-all.csv"  # the name says CSV; the bytes say workbook
    workbook.save(path)
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert excinfo.value.problems == ["an Excel workbook: expected a CSV file or a ZIP archive holding one"]


def test_an_old_binary_excel_file_is_refused(tmp_path):
    path = tmp_path / "File_1.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(DataFormatError) as excinfo:
        read_imd(path)
    assert excinfo.value.problems == [
        "an old binary Excel file (.xls): expected a CSV file or a ZIP archive holding one, or an Excel "
        "workbook (.xlsx); re-save it as .xlsx or CSV"
    ]


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(DataFormatError, match="not a file"):
        read_qof_prevalence(tmp_path)


@pytest.mark.parametrize("reader", [getattr(readers, name) for name in readers.__all__ if name.startswith("read_")])
def test_every_reader_reports_a_missing_file(tmp_path, reader):
    with pytest.raises(DataFormatError, match=r"nowhere\.csv'.*\n.*file not found"):
        reader(tmp_path / "nowhere.csv")


def test_every_reader_in_the_catalogue_contract_is_exported():
    # docs/tables.md names these; the command line looks readers up by name.
    assert set(readers.__all__) >= {
        "read_epcn", "read_registrations", "read_registrations_age", "read_registrations_lsoa", "read_payments",
        "read_qof_prevalence", "read_practice_ccg", "read_imd", "read_ruc", "read_lsoa_msoa", "read_federations",
    }  # fmt: skip
