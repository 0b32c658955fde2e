"""Readers on releases published after 2021 (issue 14): small hand-made files in the later formats, then the
real files of ../shared/data-later, each checked against a count made here with csv / openpyxl directly.

What changed: ePCN's first sheet is `PCNDetails` and its headers break over lines ('Partner\\nOrganisation
\\nCode'), `Open Date (YYYYMMDD)` is `Open Date`; the CCGs merged in April 2021 have five-character codes
(X2C4Y) in ePCN, QOF's mapping and the registrations; NHS Payments 2020/21 starts with a UTF-8 byte-order
mark and writes 'Missing' for an unknown rurality; the registrations of the sub-ICB era have
SUB_ICB_LOCATION_CODE in place of CCG_CODE and an ISO EXTRACT_DATE.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from reader_support import csv_rows, problems

from pcnreport.data.readers import read_epcn, read_payments, read_practice_ccg, read_registrations

# The headers of ODS's February 2022 workbook, exactly (line breaks and trailing spaces included).
PCN_HEADER_2022 = [
    "PCN Code", "PCN Name", "Current Clinical \nCommissioning \nGroup Code", "Clinical\nCommissioning\nGroup Name",
    "Open Date", "Close Date", "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4",
    "Address Line 5", "Postcode",
]  # fmt: skip
MEMBER_HEADER_2022 = [
    "Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nCCG Code", "Practice\nParent\nCCG Name",
    "PCN Code", "PCN Name", "PCN Parent\nCCG Code", "PCN Parent\nCCG Name", "Practice to PCN\nRelationship\nStart Date",
    "Practice to PCN\nRelationship\nEnd Date", "Practice CCG and PCN\nCCG Match ",
]  # fmt: skip
PCNS_2022 = [
    ["U16464", "BARNSLEY PCN", "02P", "NHS BARNSLEY CCG", "20191001", "", "OAKS PARK", "", "", "BARNSLEY", "", "S70 3NE"],
    ["U89141", "STOCKTON PCN", "16C", "NHS TEES VALLEY CCG", "20191001", "", "1 HIGH ST", "", "", "STOCKTON", "", "TS18 1HU"],
    ["U12345", "NEWCASTLE PCN", "X2C4Y", "NHS NEWCASTLE GATESHEAD CCG", "20200401", "", "", "", "", "", "", ""],
    ["U99999", "CLOSED PCN", "X2C4Y", "NHS NEWCASTLE GATESHEAD CCG", "20191001", "20210331", "", "", "", "", "", ""],
]  # fmt: skip
MEMBERS_2022 = [
    ["C85628", "CAXTON HOUSE SURGERY", "02P", "NHS BARNSLEY CCG", "U16464", "BARNSLEY PCN", "02P", "NHS BARNSLEY CCG",
     "20191001", "20200831", True],
    ["C85024", "HIGH STREET PRACTICE", "02P", "NHS BARNSLEY CCG", "U16464", "BARNSLEY PCN", "02P", "NHS BARNSLEY CCG",
     "20191001", None, True],
    ["A81001", "THE DENSHAM SURGERY", "16C", "NHS TEES VALLEY CCG", "U89141", "STOCKTON PCN", "16C",
     "NHS TEES VALLEY CCG", "20191001", None, True],
    ["A85001", "CITY SURGERY", "X2C4Y", "NHS NEWCASTLE GATESHEAD CCG", "U12345", "NEWCASTLE PCN", "X2C4Y",
     "NHS NEWCASTLE GATESHEAD CCG", "20200401", None, True],
]  # fmt: skip


def workbook_2022(path: Path, pcn_header=PCN_HEADER_2022, pcns=PCNS_2022, members=MEMBERS_2022,
                  pcn_sheet="PCNDetails") -> Path:  # fmt: skip
    """An ePCN workbook laid out as ODS has since 2022; cells hold text, as in the publisher's file."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet(pcn_sheet)
    sheet.append(pcn_header)
    for row in pcns:
        sheet.append(row)
    sheet = workbook.create_sheet("PCN Core Partner Details")
    sheet.append(MEMBER_HEADER_2022)
    for row in members:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerows(rows)
    return path


# --- Hand-made files in the later formats ------------------------------------------------------------------


def test_epcn_2022_layout_line_broken_headers_open_date_and_five_character_ccg(tmp_path):
    epcn = read_epcn(workbook_2022(tmp_path / "ePCN.xlsx"))

    expected_pcns = pd.DataFrame(
        {
            "pcn_code": ["U16464", "U89141", "U12345"],
            "pcn_name": ["BARNSLEY PCN", "STOCKTON PCN", "NEWCASTLE PCN"],
            "ccg_code": ["02P", "16C", "X2C4Y"],
            "ccg_name": ["NHS BARNSLEY CCG", "NHS TEES VALLEY CCG", "NHS NEWCASTLE GATESHEAD CCG"],
            "open_date": pd.to_datetime(["2019-10-01", "2019-10-01", "2020-04-01"]).astype("datetime64[ns]"),
        }
    )
    expected_members = pd.DataFrame(
        {
            "practice_code": ["C85024", "A81001", "A85001"],
            "practice_name": ["HIGH STREET PRACTICE", "THE DENSHAM SURGERY", "CITY SURGERY"],
            "pcn_code": ["U16464", "U89141", "U12345"],
            "practice_ccg_code": ["02P", "16C", "X2C4Y"],
            "pcn_ccg_code": ["02P", "16C", "X2C4Y"],
            "start_date": pd.to_datetime(["2019-10-01", "2019-10-01", "2020-04-01"]).astype("datetime64[ns]"),
        }
    )
    pd.testing.assert_frame_equal(epcn.pcns, expected_pcns)
    pd.testing.assert_frame_equal(epcn.members, expected_members)


@pytest.mark.parametrize("title", ["PCNDetails", "pcn details", "PCN  DETAILS"])
def test_epcn_sheet_is_found_ignoring_case_and_spacing(tmp_path, title):
    epcn = read_epcn(workbook_2022(tmp_path / "ePCN.xlsx", pcn_sheet=title))
    assert epcn.pcns["pcn_code"].tolist() == ["U16464", "U89141", "U12345"]


def test_epcn_problems_name_the_sheet_as_the_workbook_spells_it(tmp_path):
    members = [*MEMBERS_2022, ["B81001", "LOST SURGERY", "02P", "", "U77777", "", "02P", "", "20191001", None, True]]
    path = workbook_2022(tmp_path / "ePCN.xlsx", members=members)
    assert problems(read_epcn, path) == [
        "sheet 'PCN Core Partner Details', row 6, column 'PCN Code': expected a PCN listed (and open) in "
        "sheet 'PCNDetails', found 'U77777'"
    ]


def test_line_broken_headers_are_quoted_on_one_line(tmp_path):
    # A required column missing: the whole header is listed, each header on one line.
    header = [h for h in PCN_HEADER_2022 if h != "PCN Name"]
    pcns = [row[:1] + row[2:] for row in PCNS_2022]
    [problem] = problems(read_epcn, workbook_2022(tmp_path / "missing.xlsx", pcn_header=header, pcns=pcns))
    assert "\n" not in problem
    assert problem == (
        "sheet 'PCNDetails': missing column 'PCN Name' (expected columns: 'PCN Code'; 'PCN Name'; "
        "'Current Clinical Commissioning Group Code'; 'Open Date (YYYYMMDD)'; 'Close Date'; found: 'PCN Code'; "
        "'Current Clinical Commissioning Group Code'; 'Clinical Commissioning Group Name'; 'Open Date'; "
        "'Close Date'; 'Address Line 1'; 'Address Line 2'; 'Address Line 3'; 'Address Line 4'; "
        "'Address Line 5'; 'Postcode')"
    )
    # A bad cell: its column is quoted on one line too.
    members = [[*MEMBERS_2022[1][:2], "2P", *MEMBERS_2022[1][3:]]]
    assert problems(read_epcn, workbook_2022(tmp_path / "bad.xlsx", members=members)) == [
        "sheet 'PCN Core Partner Details', row 2, column 'Practice Parent CCG Code': expected a CCG code: "
        "3 or 5 letters or digits, like 00L or X2C4Y, found '2P'"
    ]


def test_epcn_with_an_unknown_sub_icb_spelling_is_refused_saying_why(tmp_path):
    # ODS's 2023 spelling is `Current Sub ICB Loc Code` (tests/unit/test_readers_sub_icb.py); one not listed
    # in _headers.SPELLINGS is refused, saying the columns are sub-ICB ones and where the accepted ones are.
    header = [*PCN_HEADER_2022]
    header[2:4] = ["Current Sub ICB\nLocation Code", "Sub ICB\nLocation Name"]
    [problem] = problems(read_epcn, workbook_2022(tmp_path / "ePCN.xlsx", pcn_header=header))
    assert problem.startswith(
        "sheet 'PCNDetails': missing column 'Current Clinical Commissioning Group Code' (or 'Current Sub ICB Loc "
        "Code'): this release has sub-ICB location columns ('Current Sub ICB Location Code'; 'Sub ICB Location "
        "Name') where earlier releases had CCG columns, but none under a sub-ICB spelling this version of "
        "pcnreport reads (those are listed with the column) (expected columns: "
    )


PAYMENTS_HEADER_2021 = [
    "NHS England (Region) code", "NHS England (Region) Name", "CCG Code", "CCG NAME", "PCN Code", "PCN Name",
    "Practice Code", "Practice Name", "Practice type", "Practice Rurality", "Atypical characteristics",
    "Number of Registered Patients (Last Known Figure)", "Number of Weighted Patients (Last Known Figure)",
    "PCN Leadership", "Covid Immunisation",
]  # fmt: skip


def test_payments_2020_21_with_a_byte_order_mark(tmp_path):
    path = write_csv(
        tmp_path / "20-21.csv",
        [
            PAYMENTS_HEADER_2021,
            ["Y56", "LONDON COMMISSIONING REGION", "07L", "NHS BARKING AND DAGENHAM CCG", "U26744", "BD NEW WEST PCN",
             "F82625", "ABBEY MEDICAL CENTRE", "GP", "Urban", "NONE", "7018", "5976.1", "0", "0"],
            ["Y63", "NORTH EAST AND YORKSHIRE", "13T", "NHS NEWCASTLE GATESHEAD CCG", "Unknown or no PCN",
             "Unknown or no PCN", "A85002", "NEW SURGERY", "GP", "Missing", "NONE", "16029.75", "", "0", "0"],
        ],
        bom=True,
    )  # fmt: skip
    assert path.read_bytes().startswith(b"\xef\xbb\xbfNHS England")

    expected = pd.DataFrame(
        {
            "region_code": ["Y56", "Y63"],
            "region_name": ["LONDON COMMISSIONING REGION", "NORTH EAST AND YORKSHIRE"],
            "ccg_code": ["07L", "13T"],
            "ccg_name": ["NHS BARKING AND DAGENHAM CCG", "NHS NEWCASTLE GATESHEAD CCG"],
            "pcn_code": pd.Series(["U26744", None], dtype="str"),
            "pcn_name": pd.Series(["BD NEW WEST PCN", None], dtype="str"),
            "practice_code": ["F82625", "A85002"],
            "practice_name": ["ABBEY MEDICAL CENTRE", "NEW SURGERY"],
            "practice_rurality": pd.Series(["Urban", None], dtype="str"),  # 'Missing' as 'MISSING' was
            "registered_patients": pd.array([7018.0, 16029.75], dtype="Float64"),
            "weighted_patients": pd.array([5976.1, None], dtype="Float64"),
        }
    )
    pd.testing.assert_frame_equal(read_payments(path), expected)


def test_payments_columns_no_analysis_uses_may_be_absent(tmp_path):
    header = ["Practice Code", "Number of Registered Patients (Last Known Figure)",
              "Number of Weighted Patients (Last Known Figure)"]  # fmt: skip
    payments = read_payments(write_csv(tmp_path / "p.csv", [header, ["F82625", "7018", "5976.1"]], bom=True))
    assert payments["practice_code"].tolist() == ["F82625"]
    assert payments[["region_code", "ccg_code", "pcn_code", "practice_rurality"]].isna().all().all()


MAPPING_HEADER_2021 = [
    "NAT_ONS_CODE", "NAT_CODE", "COUNTRY", "REGION_ODS_CODE", "REGION_ONS_CODE", "REGION_NAME", "STP_ODS_CODE",
    "STP_ONS_CODE", "STP_NAME", "CCG_ODS_CODE", "CCG_ONS_CODE", "CCG_NAME", "PCN_ODS_CODE", "PCN_NAME",
    "PRACTICE_CODE", "PRACTICE_NAME",
]  # fmt: skip


def test_qof_mapping_2020_21_with_a_five_character_ccg(tmp_path):
    path = write_csv(
        tmp_path / "MAPPING_NHS_GEOGRAPHIES_2021.csv",
        [
            MAPPING_HEADER_2021,
            ["E92000001", "ENG", "England", "Y63", "E40000009", "North East and Yorkshire", "QHM", "E54000050",
             "Cumbria and North East", "X2C4Y", "E38000212", "NHS Newcastle Gateshead CCG", "U12345",
             "Newcastle PCN", "A85001", "City Surgery"],
            ["E92000001", "ENG", "England", "Y63", "E40000009", "North East and Yorkshire", "QHM", "E54000050",
             "Cumbria and North East", "16C", "E38000247", "NHS Tees Valley CCG", "U", "Unallocated",
             "A81001", "The Densham Surgery"],
        ],
    )  # fmt: skip
    mapping = read_practice_ccg(path)
    assert mapping["ccg_code"].tolist() == ["X2C4Y", "16C"]
    assert mapping["ccg_ons_code"].tolist() == ["E38000212", "E38000247"]
    assert mapping["pcn_code"].tolist()[0] == "U12345" and pd.isna(mapping["pcn_code"].iloc[1])


def test_qof_mapping_with_sub_icb_loc_spelling_reads_as_sub_icb_locations(tmp_path):
    # SUB_ICB_LOC_* is how NHS Digital's other geography files spell the sub-ICB columns: read as such.
    header = [h.replace("CCG_", "SUB_ICB_LOC_") for h in MAPPING_HEADER_2021]
    row = ["E92000001", "ENG", "England", "Y63", "E40000012", "North East and Yorkshire", "QHM", "E54000050",
           "North East and North Cumbria", "16C", "E38000247", "NHS North East and North Cumbria ICB - 16C", "U89141",
           "Stockton PCN", "A81001", "The Densham Surgery"]  # fmt: skip
    mapping = read_practice_ccg(write_csv(tmp_path / "MAPPING_NHS_GEOGRAPHIES_2223.csv", [header, row]))
    assert mapping.attrs["commissioner_level"] == "sub-icb"
    assert mapping[["ccg_code", "ccg_ons_code"]].values.tolist() == [["16C", "E38000247"]]


REGISTRATIONS_HEADER_2026 = ["PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE",
                             "ONS_SUB_ICB_LOCATION_CODE", "CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]  # fmt: skip


def test_registrations_of_the_sub_icb_era_read_without_a_ccg(tmp_path):
    path = write_csv(
        tmp_path / "gp-reg-pat-prac-all.csv",
        [
            REGISTRATIONS_HEADER_2026,
            ["GP_PRAC_PAT_LIST", "2026-06-01", "GP", "16C", "E38000247", "A81001", "TS18 1HU", "ALL", "ALL", "3753"],
            ["GP_PRAC_PAT_LIST", "2026-06-01", "GP", "X2C4Y", "E38000212", "A85001", "NE1 1AA", "ALL", "ALL", "9000"],
        ],
    )  # fmt: skip
    expected = pd.DataFrame(
        {
            "practice_code": ["A81001", "A85001"],
            # The sub-ICB location codes are NOT read as CCG codes: a sub-ICB location is not a CCG.
            "ccg_code": pd.Series([None, None], dtype="str"),
            "postcode": pd.Series(["TS18 1HU", "NE1 1AA"], dtype="str"),
            "extract_date": pd.to_datetime(["2026-06-01"] * 2).astype("datetime64[ns]"),
            "list_size": pd.Series([3753, 9000], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(read_registrations(path), expected)


def test_registrations_with_a_five_character_ccg_code(tmp_path):
    header = [h.replace("SUB_ICB_LOCATION", "CCG") for h in REGISTRATIONS_HEADER_2026]
    row = ["GP_PRAC_PAT_LIST", "01JAN2022", "GP", "X2C4Y", "E38000212", "A85001", "NE1 1AA", "ALL", "ALL", "9000"]
    registrations = read_registrations(write_csv(tmp_path / "r.csv", [header, row]))
    assert registrations["ccg_code"].tolist() == ["X2C4Y"]
    assert registrations["extract_date"].tolist() == [pd.Timestamp("2022-01-01")]


# --- The real later releases (../shared/data-later) ---------------------------------------------------------


@pytest.fixture(scope="module")
def later(shared_data_later) -> Path:
    return shared_data_later


def sheet_rows(path: Path, title: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(workbook[title].iter_rows(values_only=True))
    finally:
        workbook.close()
    return [row for row in rows[1:] if any(cell not in (None, "") for cell in row)]


@pytest.mark.shared_data
def test_real_epcn_2022(later):
    path = later / "epcn" / "2022-02" / "ePCN.xlsx"
    epcn = read_epcn(path)

    # Independently: PCNs with no Close Date, partners with no relationship End Date (columns F and J).
    pcns = [row for row in sheet_rows(path, "PCNDetails") if row[5] in (None, "")]
    members = [row for row in sheet_rows(path, "PCN Core Partner Details") if row[9] in (None, "")]
    assert len(epcn.pcns) == len(pcns) == 1258
    assert len(epcn.members) == len(members) == 6504
    five = {row[2] for row in pcns if len(row[2]) == 5}
    assert set(epcn.pcns.loc[epcn.pcns["ccg_code"].str.len() == 5, "ccg_code"]) == five
    assert five == {"A3A8R", "B2M3M", "D2P2L", "D4U1Y", "D9Y0V", "M1J4Y", "M2L0M", "W2U3Z", "X2C4Y"}
    assert epcn.pcns["ccg_code"].nunique() == len({row[2] for row in pcns}) == 106
    assert set(epcn.members["pcn_code"]) <= set(epcn.pcns["pcn_code"])
    assert epcn.commissioner_level == epcn.pcns.attrs["commissioner_level"] == "ccg"  # February 2022: CCGs


@pytest.mark.shared_data
def test_real_qof_mapping_2020_21(later):
    path = later / "qof" / "2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv"
    mapping = read_practice_ccg(path)

    rows = csv_rows(path)
    ccgs = {row["CCG_ODS_CODE"] for row in rows}
    assert len(mapping) == len(rows) == 6571
    assert mapping["ccg_code"].nunique() == len(ccgs) == 106
    assert sum(len(code) == 5 for code in ccgs) == 9
    assert mapping["stp_code"].nunique() == len({row["STP_ODS_CODE"] for row in rows}) == 42
    assert mapping["pcn_code"].isna().sum() == sum(row["PCN_ODS_CODE"] == "U" for row in rows)
    assert mapping.attrs["commissioner_level"] == "ccg" and mapping["icb_code"].isna().all()


@pytest.mark.shared_data
def test_real_payments_2020_21(later):
    path = later / "payments" / "2020-21" / "20-21.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    payments = read_payments(path)

    rows = csv_rows(path)
    assert len(payments) == len(rows) == 6808
    assert payments["ccg_code"].nunique() == len({row["CCG Code"] for row in rows}) == 135
    assert payments["pcn_code"].isna().sum() == sum(row["PCN Code"] == "Unknown or no PCN" for row in rows) == 234
    assert payments["practice_rurality"].isna().sum() == sum(row["Practice Rurality"] == "Missing" for row in rows)
    registered = sum(float(row["Number of Registered Patients (Last Known Figure)"] or 0) for row in rows)
    assert payments["registered_patients"].sum() == pytest.approx(registered)


@pytest.mark.shared_data
def test_real_registrations_2026_06(later):
    path = later / "registrations" / "2026-06" / "gp-reg-pat-prac-all.csv"
    registrations = read_registrations(path)

    rows = [row for row in csv_rows(path) if (row["TYPE"], row["SEX"], row["AGE"]) == ("GP", "ALL", "ALL")]
    assert len(registrations) == len(rows) == 6145
    assert registrations["list_size"].sum() == sum(int(row["NUMBER_OF_PATIENTS"]) for row in rows)
    assert registrations["extract_date"].unique().tolist() == [pd.Timestamp("2026-06-01")]
    assert registrations["ccg_code"].isna().all()  # sub-ICB locations are not read as CCGs
