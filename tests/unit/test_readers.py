"""Readers: small hand-written files in each publisher's format -> exact tables, and bad files -> messages
that name the file, the row and/or column and what was expected. Real extracts are checked at the end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers import Epcn, read_epcn, read_payments, read_registrations


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(excinfo: pytest.ExceptionInfo[DataFormatError]) -> str:
    return str(excinfo.value)


def dates(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(day) for day in days]


def frame(columns: dict, date_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    out = pd.DataFrame(columns)
    for name in date_columns:
        out[name] = out[name].astype("datetime64[ns]")
    return out


# --- ePCN workbook ---------------------------------------------------------------------------------------

PCN_HEADER = [
    "PCN Code", "PCN Name", "Current Clinical Commissioning Group Code", "Clinical Commissioning Group Name",
    "Open Date (YYYYMMDD)", "Close Date", "Address Line 1", "Address Line 2", "Address Line 3",
    "Address Line 4", "Address Line 5", "Postcode",
]  # fmt: skip
MEMBER_HEADER = [
    "Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "Practice Parent CCG Name",
    "PCN Code", "PCN Name", "PCN Parent CCG Code", "PCN Parent CCG Name",
    "Practice to PCN Relationship Start Date", "Practice to PCN Relationship End Date",
    "Practice CCG and PCN CCG match?",
]  # fmt: skip

# (code, name, ccg, ccg name, open, close)
PCNS = [
    ("U11111", "NORTH PCN", "00L", "NHS NORTHUMBERLAND CCG", 20191001, None),
    ("U22222", "SOUTH PCN", "00L", "NHS NORTHUMBERLAND CCG", 20191001, None),
    ("U33333", "CLOSED PCN", "99A", "NHS LIVERPOOL CCG", 20191001, 20191115),
]
# (practice, name, practice ccg, pcn, pcn ccg, start, end): B82001 moved from U11111 to U22222.
MEMBERS = [
    ("A84002", "FIRST SURGERY", "00L", "U11111", "00L", 20191001, None),
    ("B82001", "MOVING SURGERY", "00L", "U11111", "00L", 20191001, 20191130),
    ("Y02345", "NEW SURGERY", "00L", "U11111", "00L", 20191001, None),
    ("B82001", "MOVING SURGERY", "00L", "U22222", "00L", 20191201, None),
    ("C81002", "BORDER SURGERY", "99A", "U22222", "00L", 20191001, None),
]


def epcn_workbook(
    path: Path,
    pcns=PCNS,
    members=MEMBERS,
    *,
    pcn_header=PCN_HEADER,
    member_header=MEMBER_HEADER,
    sheets=("PCN Details", "PCN Core Partner Details"),
) -> Path:
    """An ePCN workbook as NHS Digital lays it out. Like the publisher's, the partner sheet's PCN Name and
    match columns are formulas; openpyxl writes them without cached values, as a non-Excel save would."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if "PCN Details" in sheets:
        sheet = workbook.create_sheet("PCN Details")
        sheet.append(pcn_header)
        for code, name, ccg, ccg_name, opened, closed in pcns:
            sheet.append([code, name, ccg, ccg_name, opened, closed, "1 HIGH STREET", None, None, "TOWN", None,
                          "NE1 1AA"][: len(pcn_header)])  # fmt: skip
    if "PCN Core Partner Details" in sheets:
        sheet = workbook.create_sheet("PCN Core Partner Details")
        sheet.append(member_header)
        for row, (practice, name, practice_ccg, pcn, pcn_ccg, start, end) in enumerate(members, start=2):
            sheet.append([practice, name, practice_ccg, "A CCG", pcn, f"=VLOOKUP(E{row},'PCN Details'!A:B,2,FALSE)",
                          pcn_ccg, "A CCG", start, end, f"=G{row}=C{row}"][: len(member_header)])  # fmt: skip
    workbook.save(path)
    return path


def test_epcn_keeps_current_pcns_and_relationships_with_names_from_pcn_details(tmp_path):
    epcn = read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx"))

    assert isinstance(epcn, Epcn)
    expected_pcns = frame(
        {
            "pcn_code": ["U11111", "U22222"],
            "pcn_name": ["NORTH PCN", "SOUTH PCN"],
            "ccg_code": ["00L", "00L"],
            "ccg_name": ["NHS NORTHUMBERLAND CCG"] * 2,
            "open_date": dates("2019-10-01", "2019-10-01"),
        },
        ("open_date",),
    )
    expected_members = frame(
        {
            "practice_code": ["A84002", "Y02345", "B82001", "C81002"],
            "practice_name": ["FIRST SURGERY", "NEW SURGERY", "MOVING SURGERY", "BORDER SURGERY"],
            "pcn_code": ["U11111", "U11111", "U22222", "U22222"],
            "practice_ccg_code": ["00L", "00L", "00L", "99A"],
            "pcn_ccg_code": ["00L"] * 4,
            "start_date": dates("2019-10-01", "2019-10-01", "2019-12-01", "2019-10-01"),
        },
        ("start_date",),
    )
    pd.testing.assert_frame_equal(epcn.pcns, expected_pcns)
    pd.testing.assert_frame_equal(epcn.members, expected_members)


def test_epcn_as_of_keeps_what_was_open_that_day(tmp_path):
    epcn = read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx"), as_of="2019-11-01")

    assert epcn.pcns["pcn_code"].tolist() == ["U11111", "U22222", "U33333"]
    moving = epcn.members[epcn.members["practice_code"] == "B82001"]
    assert moving["pcn_code"].tolist() == ["U11111"]


def test_epcn_accepts_dates_stored_as_excel_dates(tmp_path):
    pcns = [("U11111", "NORTH PCN", "00L", "NHS NORTHUMBERLAND CCG", dt.datetime(2019, 10, 1), None)]
    members = [("A84002", "FIRST SURGERY", "00L", "U11111", "00L", dt.datetime(2019, 10, 1), None)]
    epcn = read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx", pcns, members))
    assert epcn.members["start_date"].tolist() == dates("2019-10-01")


def test_epcn_practice_in_two_pcns_names_practice_both_pcns_and_rows(tmp_path):
    members = MEMBERS + [("A84002", "FIRST SURGERY", "00L", "U22222", "00L", 20191001, None)]
    path = epcn_workbook(tmp_path / "ePCN.xlsx", members=members)

    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)

    message = problems_of(excinfo)
    assert str(path) in message
    assert (
        "sheet 'PCN Core Partner Details', practice 'A84002' is in two PCNs at once: "
        "'U11111' (row 2) and 'U22222' (row 7)"
    ) in message
    assert "expected one current PCN a practice" in message


def test_epcn_practice_listed_twice_in_the_same_pcn(tmp_path):
    members = MEMBERS + [("A84002", "FIRST SURGERY", "00L", "U11111", "00L", 20191001, None)]
    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx", members=members))
    assert excinfo.value.problems == [
        "sheet 'PCN Core Partner Details', practice 'A84002' is listed more than once in PCN 'U11111' "
        "(rows 2 and 7); expected once"
    ]


def test_epcn_missing_sheet(tmp_path):
    path = epcn_workbook(tmp_path / "ePCN.xlsx", sheets=("PCN Details",))

    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)

    assert str(path) in problems_of(excinfo)
    assert excinfo.value.problems == ["missing sheet 'PCN Core Partner Details' (found sheets: 'PCN Details')"]


def test_epcn_missing_column_names_sheet_column_and_what_was_found(tmp_path):
    header = ["Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "Practice Parent CCG Name",
              "Practice PCN Code"]  # fmt: skip
    path = epcn_workbook(tmp_path / "ePCN.xlsx", member_header=header)

    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)

    # The columns the analysis does not use (names, the CCG codes of the partner sheet) are not expected.
    assert excinfo.value.problems[0] == (
        "sheet 'PCN Core Partner Details': missing column 'PCN Code' (expected columns: "
        "'Partner Organisation Code'; 'PCN Code'; 'Practice to PCN Relationship Start Date'; "
        "'Practice to PCN Relationship End Date'; found: 'Partner Organisation Code'; 'Partner Name'; "
        "'Practice Parent CCG Code'; 'Practice Parent CCG Name'; 'Practice PCN Code')"
    )
    assert len(excinfo.value.problems) == 3  # PCN Code and both relationship dates


def test_epcn_columns_no_analysis_uses_may_be_absent(tmp_path):
    pcn_header = [h for h in PCN_HEADER if h != "Clinical Commissioning Group Name"]
    pcns = [(code, name, ccg, opened, closed) for code, name, ccg, _, opened, closed in PCNS]
    member_header = [h for h in MEMBER_HEADER if h not in ("Partner Name", "PCN Parent CCG Code")]
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet("PCN Details")
    sheet.append(pcn_header)
    for row in pcns:
        sheet.append(list(row))
    sheet = workbook.create_sheet("PCN Core Partner Details")
    sheet.append(member_header)
    for practice, _, practice_ccg, pcn, _, start, end in MEMBERS:
        sheet.append([practice, practice_ccg, "A CCG", pcn, "A PCN", "A CCG", start, end])
    workbook.save(tmp_path / "ePCN.xlsx")

    epcn = read_epcn(tmp_path / "ePCN.xlsx")

    assert epcn.pcns.columns.tolist() == ["pcn_code", "pcn_name", "ccg_code", "ccg_name", "open_date"]
    assert epcn.pcns["ccg_name"].isna().all() and epcn.pcns["ccg_code"].tolist() == ["00L", "00L"]
    assert epcn.members["practice_name"].isna().all() and epcn.members["pcn_ccg_code"].isna().all()
    assert epcn.members["practice_ccg_code"].tolist() == ["00L", "00L", "00L", "99A"]


def test_epcn_partner_pcn_not_in_pcn_details(tmp_path):
    members = MEMBERS + [("D81001", "LOST SURGERY", "00L", "U99999", "00L", 20191001, None)]
    path = epcn_workbook(tmp_path / "ePCN.xlsx", members=members)

    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)

    assert excinfo.value.problems == [
        "sheet 'PCN Core Partner Details', row 7, column 'PCN Code': expected a PCN listed (and open) in "
        "sheet 'PCN Details', found 'U99999'"
    ]


def test_epcn_current_member_of_a_closed_pcn_is_reported(tmp_path):
    members = MEMBERS + [("D81001", "LATE SURGERY", "99A", "U33333", "99A", 20191001, None)]
    with pytest.raises(DataFormatError, match=r"row 7, column 'PCN Code': .* found 'U33333'"):
        read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx", members=members))


def test_epcn_duplicate_pcn_codes(tmp_path):
    pcns = PCNS + [("U11111", "NORTH PCN AGAIN", "00L", "NHS NORTHUMBERLAND CCG", 20191001, None)]
    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(epcn_workbook(tmp_path / "ePCN.xlsx", pcns=pcns))

    assert excinfo.value.problems == [
        "sheet 'PCN Details', column 'PCN Code': PCN code 'U11111' appears in rows 2 and 5; expected once"
    ]


def test_epcn_blank_codes_bad_shapes_and_bad_dates_are_all_reported(tmp_path):
    pcns = PCNS + [("U4444", "SHORT CODE PCN", "00L", "NHS NORTHUMBERLAND CCG", 20191340, None)]
    members = MEMBERS + [(None, "NO CODE SURGERY", "00L", "U11111", "00L", "2019-10-01", None)]
    path = epcn_workbook(tmp_path / "ePCN.xlsx", pcns=pcns, members=members)

    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)

    assert excinfo.value.problems == [
        "sheet 'PCN Details', row 5, column 'PCN Code': expected a PCN code: U and 5 digits, like U12345, "
        "found 'U4444'",
        "sheet 'PCN Details', row 5, column 'Open Date (YYYYMMDD)': expected a date as YYYYMMDD, like "
        "20191001, found '20191340'",
        "sheet 'PCN Core Partner Details', row 7, column 'Partner Organisation Code': expected a practice "
        "code: a letter and 5 digits, like A81001, found a blank cell",
        "sheet 'PCN Core Partner Details', row 7, column 'Practice to PCN Relationship Start Date': expected "
        "a date as YYYYMMDD, like 20191001, found '2019-10-01'",
    ]


def test_epcn_header_only_sheet(tmp_path):
    path = epcn_workbook(tmp_path / "ePCN.xlsx", members=[])
    with pytest.raises(DataFormatError) as excinfo:
        read_epcn(path)
    assert excinfo.value.problems == [
        "sheet 'PCN Core Partner Details' has no data rows: the header row has nothing under it"
    ]


def test_epcn_empty_and_non_workbook_files(tmp_path):
    empty = write(tmp_path, "empty.xlsx", "")
    with pytest.raises(DataFormatError, match=r"empty\.xlsx'.*\n.*the file is empty \(0 bytes\)"):
        read_epcn(empty)

    text = write(tmp_path, "text.xlsx", "PCN Code,PCN Name\n")
    with pytest.raises(DataFormatError, match=r"text\.xlsx'.*\n.*not an Excel workbook"):
        read_epcn(text)


def test_missing_file_is_a_data_format_error(tmp_path):
    for reader in (read_epcn, read_registrations, read_payments):
        with pytest.raises(DataFormatError, match=r"nowhere\.csv'.*\n.*file not found"):
            reader(tmp_path / "nowhere.csv")


# --- Registrations -------------------------------------------------------------------------------------

REG_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"


def reg_row(code="A84002", count="5903", sex="ALL", type_="GP", date="01JAN2021", ccg="00L") -> str:
    return f"GP_PRAC_PAT_LIST,{date},{type_},{ccg},E38000130,{code},NE65 7UW,{sex},ALL,{count}\n"


def test_registrations_keep_practice_all_persons_rows(tmp_path):
    path = write(
        tmp_path,
        "gp-reg-pat-prac-all.csv",
        REG_HEADER
        + reg_row("A84002", "5903")
        + reg_row("A84002", "3000", sex="MALE")  # a by-sex row: not the all-persons count
        + reg_row("Y02345", "0", ccg="99A"),
    )

    expected = frame(
        {
            "practice_code": ["A84002", "Y02345"],
            "ccg_code": ["00L", "99A"],
            "postcode": ["NE65 7UW", "NE65 7UW"],
            "extract_date": dates("2021-01-01", "2021-01-01"),
            "list_size": pd.Series([5903, 0], dtype="int64"),
        },
        ("extract_date",),
    )
    pd.testing.assert_frame_equal(read_registrations(path), expected)


def test_registrations_non_numeric_and_negative_counts_name_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "regs.csv",
        REG_HEADER + reg_row("A84002", "abc") + reg_row("A84003", "-5") + reg_row("A84004", "12.5"),
    )

    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)

    assert str(path) in problems_of(excinfo)
    assert excinfo.value.problems == [
        "row 2, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found 'abc'",
        "row 3, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found '-5'",
        "row 4, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found '12.5'",
    ]


def test_registrations_row_numbers_count_blank_lines(tmp_path):
    path = write(tmp_path, "regs.csv", REG_HEADER + reg_row("A84002") + "\n" + reg_row("A84003", "x"))
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert excinfo.value.problems == ["row 4, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found 'x'"]


def test_registrations_bad_code_and_date(tmp_path):
    path = write(tmp_path, "regs.csv", REG_HEADER + reg_row("A8400", date="01/01/2021"))
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert excinfo.value.problems == [
        "row 2, column 'EXTRACT_DATE': expected a date like 01JAN2021 or 2021-01-01, found '01/01/2021'",
        "row 2, column 'CODE': expected a practice code: a letter and 5 digits, like A81001, found 'A8400'",
    ]


def test_registrations_duplicate_practice(tmp_path):
    path = write(tmp_path, "regs.csv", REG_HEADER + reg_row("A84002") + reg_row("A84003") + reg_row("A84002"))
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert excinfo.value.problems == [
        "column 'CODE': practice code 'A84002' appears in rows 2 and 4; expected once"
    ]


def test_registrations_missing_column(tmp_path):
    header = REG_HEADER.replace(",NUMBER_OF_PATIENTS", "")
    path = write(tmp_path, "regs.csv", header + "GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE1,ALL,ALL\n")

    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)

    assert str(path) in problems_of(excinfo)
    assert excinfo.value.problems == [
        "missing column 'NUMBER_OF_PATIENTS' (expected columns: 'TYPE'; 'CODE'; 'SEX'; 'AGE'; "
        "'NUMBER_OF_PATIENTS'; found: 'PUBLICATION'; 'EXTRACT_DATE'; 'TYPE'; "
        "'CCG_CODE'; 'ONS_CCG_CODE'; 'CODE'; 'POSTCODE'; 'SEX'; 'AGE')"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty (0 bytes)"),
        (REG_HEADER, "no data rows: the file has a header row but nothing under it"),
        (REG_HEADER + "\n\n", "no data rows: the file has a header row but nothing under it"),
        ("\n\n", "no header row"),
    ],
    ids=["zero-bytes", "header-only", "header-and-blank-lines", "blank-lines-only"],
)
def test_registrations_empty_files(tmp_path, text, expected):
    path = write(tmp_path, "regs.csv", text)
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert str(path) in problems_of(excinfo)
    assert expected in excinfo.value.problems[0]


def test_registrations_without_practice_rows(tmp_path):
    path = write(tmp_path, "regs.csv", REG_HEADER + reg_row(sex="MALE"))
    with pytest.raises(DataFormatError, match="no practice rows: expected rows with TYPE 'GP', SEX 'ALL'"):
        read_registrations(path)


def test_malformed_csv_is_translated(tmp_path):
    extra = reg_row().replace("\n", ",extra\n")
    path = write(tmp_path, "regs.csv", REG_HEADER + reg_row() + extra)
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(path)
    assert str(path) in problems_of(excinfo)
    # The shape check (readers._fields) names the line and both field counts.
    assert excinfo.value.problems == [
        "line 3: 11 fields where the header (line 1) has 10; expected 10 on every line (a line with extra "
        "fields is the mark of a broken edit, such as an unquoted comma in a value)"
    ]

    # On the first data row pandas would silently take the extra field as an index and shift the columns.
    path = write(tmp_path, "regs.csv", REG_HEADER + extra + reg_row())
    with pytest.raises(DataFormatError, match=r"line 2: 11 fields where the header \(line 1\) has 10"):
        read_registrations(path)


def test_windows_1252_text_is_read_and_binary_is_refused(tmp_path):
    path = tmp_path / "payments.csv"
    path.write_bytes((PAY_HEADER + pay_row().replace("A PRACTICE", "CAF\u00c9 SURGERY")).encode("cp1252"))
    assert read_payments(path)["practice_name"].tolist() == ["CAF\u00c9 SURGERY"]

    binary = tmp_path / "binary.csv"
    binary.write_bytes(REG_HEADER.encode() + b"\x81\x8d\x8f\x90\x9d\n")
    with pytest.raises(DataFormatError, match="not a text file"):
        read_registrations(binary)


def test_many_problems_are_capped_with_a_count_of_the_rest(tmp_path):
    rows = "".join(reg_row(f"A{84000 + n}", "bad") for n in range(25))
    with pytest.raises(DataFormatError) as excinfo:
        read_registrations(write(tmp_path, "regs.csv", REG_HEADER + rows))
    problems = excinfo.value.problems
    assert len(problems) == 21
    assert problems[19].startswith("row 21, column 'NUMBER_OF_PATIENTS'")
    assert problems[20] == "... and 5 more in column 'NUMBER_OF_PATIENTS' with the same problem"


# --- Payments ------------------------------------------------------------------------------------------

PAY_HEADER = (
    "NHS England (Region) code,NHS England (Region) Name,CCG Code,CCG NAME,PCN Code,PCN Name,Practice Code,"
    "Practice Name,Practice Address,Practice Rurality,Number of Registered Patients (Last Known Figure),"
    "Number of Weighted Patients (Last Known Figure),Global Sum,Appraisal Costs ,"
    '"Deductions for Pensions, Levies and Prescription Charge Income"\n'
)


def test_payments_tidy_table_with_placeholders_as_missing(tmp_path):
    path = write(
        tmp_path,
        "payments.csv",
        PAY_HEADER
        + "Y56,LONDON,07M,NHS BARNET CCG,U33392,BARNET 2 PCN,E83003,OAKLEIGH ROAD,ADDR  ,Urban,9023.5,8292.59,"
        "730443.21,0,-1\n"
        + 'Y56,LONDON,07M,NHS BARNET CCG,Unknown or no PCN,Unknown or no PCN,E83005,LICHFIELD,ADDR,MISSING,'
        '"12,284",,0,0,0\n',
    )

    expected = frame(
        {
            "region_code": ["Y56", "Y56"],
            "region_name": ["LONDON", "LONDON"],
            "ccg_code": ["07M", "07M"],
            "ccg_name": ["NHS BARNET CCG"] * 2,
            "pcn_code": pd.Series(["U33392", None], dtype="str"),
            "pcn_name": pd.Series(["BARNET 2 PCN", None], dtype="str"),
            "practice_code": ["E83003", "E83005"],
            "practice_name": ["OAKLEIGH ROAD", "LICHFIELD"],
            "practice_rurality": pd.Series(["Urban", None], dtype="str"),
            "registered_patients": pd.array([9023.5, 12284.0], dtype="Float64"),
            "weighted_patients": pd.array([8292.59, None], dtype="Float64"),
        }
    )
    pd.testing.assert_frame_equal(read_payments(path), expected)


def pay_row(code="E83003", registered="9023.5", weighted="8292.59") -> str:
    practice = f"Y56,LONDON,07M,NHS BARNET CCG,U33392,BARNET 2 PCN,{code},A PRACTICE,ADDR,Urban"
    return f"{practice},{registered},{weighted},0,0,0\n"


def test_payments_bad_numbers_and_duplicate_practices(tmp_path):
    path = write(
        tmp_path,
        "payments.csv",
        PAY_HEADER + pay_row() + pay_row("E83005", weighted="n/a") + pay_row("E83003", registered="-3"),
    )

    with pytest.raises(DataFormatError) as excinfo:
        read_payments(path)

    assert str(path) in problems_of(excinfo)
    assert excinfo.value.problems == [
        "row 4, column 'Number of Registered Patients (Last Known Figure)': expected a number >= 0 (thousands "
        "separators allowed) or blank, found '-3'",
        "row 3, column 'Number of Weighted Patients (Last Known Figure)': expected a number >= 0 (thousands "
        "separators allowed) or blank, found 'n/a'",
        "column 'Practice Code': practice code 'E83003' appears in rows 2 and 4; expected once",
    ]


def test_payments_missing_column_and_header_only(tmp_path):
    path = write(tmp_path, "payments.csv", PAY_HEADER.replace("Practice Code,", "Practice,"))
    with pytest.raises(DataFormatError, match=r"missing column 'Practice Code' \(expected columns: .*found: "):
        read_payments(path)

    header_only = write(tmp_path, "header.csv", PAY_HEADER)
    with pytest.raises(DataFormatError, match=r"header\.csv'.*\n.*no data rows"):
        read_payments(header_only)


# --- Real publisher extracts (read in place from ../shared/data) ----------------------------------------


@pytest.mark.shared_data
def test_real_epcn(shared_data):
    epcn = read_epcn(shared_data / "epcn" / "2019-12" / "ePCN.xlsx")

    assert len(epcn.pcns) == 1250
    assert len(epcn.members) == 6757
    assert not epcn.members["practice_code"].duplicated().any()
    assert set(epcn.members["pcn_code"]) == set(epcn.pcns["pcn_code"])
    assert round(epcn.members.groupby("pcn_code").size().mean(), 1) == 5.4


@pytest.mark.shared_data
def test_real_registrations(shared_data):
    registrations = read_registrations(shared_data / "registrations" / "2021-01" / "gp-reg-pat-prac-all.csv")

    assert len(registrations) == 6658
    assert registrations["list_size"].sum() == 60_606_345
    assert registrations["extract_date"].unique().tolist() == dates("2021-01-01")


@pytest.mark.shared_data
def test_real_payments(shared_data):
    payments = read_payments(shared_data / "payments" / "2019-20" / "payments_19-20.csv")

    assert len(payments) == 7001
    assert payments["pcn_code"].isna().sum() == 287  # 'Unknown or no PCN'
    assert payments["registered_patients"].notna().all()
