"""Readers on releases whose commissioner is a sub-ICB location (July 2022 on), hand-made in the publishers'
formats: ODS's ePCN workbook from 2023 (`Current Sub ICB Loc Code`, `Sub ICB Location`, `Practice\nParent\nSub
ICB Loc Code`, `PCN Parent\nSub ICB Loc Code`) and QOF's practice mapping from 2022/23 (SUB_ICB_ODS_CODE, ...,
with the ICB in place of the STP). The readers say which level they read and never call a sub-ICB location a
CCG; the earlier formats still read as CCGs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
from reader_support import problems

from pcnreport.data.readers import read_epcn, read_practice_ccg

PCN_HEADER_2023 = [
    "PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date", "Close Date",
    "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5", "Postcode",
]  # fmt: skip
# Only the code columns are read; the name columns' spellings here are placeholders of the same shape.
MEMBER_HEADER_2023 = [
    "Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nSub ICB Loc Code",
    "Practice\nParent\nSub ICB Loc Name", "PCN Code", "PCN Name", "PCN Parent\nSub ICB Loc Code",
    "PCN Parent\nSub ICB Loc Name", "Practice to PCN\nRelationship\nStart Date",
    "Practice to PCN\nRelationship\nEnd Date",
]  # fmt: skip
BARNSLEY = "NHS SOUTH YORKSHIRE ICB - 02P"
TEES = "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C"
PCNS_2023 = [
    ["U16464", "BARNSLEY PCN", "02P", BARNSLEY, "20191001", "", "", "", "", "", "", ""],
    ["U89141", "STOCKTON PCN", "16C", TEES, "20191001", "", "", "", "", "", "", ""],
    ["U12345", "NEWCASTLE PCN", "13T", "NHS NORTH EAST AND NORTH CUMBRIA ICB - 13T", "20200401", "", "", "", "",
     "", "", ""],
]  # fmt: skip
MEMBERS_2023 = [
    ["C85024", "HIGH STREET PRACTICE", "02P", BARNSLEY, "U16464", "BARNSLEY PCN", "02P", BARNSLEY, "20191001", None],
    ["A81001", "THE DENSHAM SURGERY", "16C", TEES, "U89141", "STOCKTON PCN", "16C", TEES, "20191001", None],
    ["A81002", "QUEENS PARK", "16C", TEES, "U89141", "STOCKTON PCN", "16C", TEES, "20191001", None],
]  # fmt: skip


def workbook(path: Path, pcn_header=PCN_HEADER_2023, member_header=MEMBER_HEADER_2023, pcns=PCNS_2023,
             members=MEMBERS_2023) -> Path:  # fmt: skip
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, rows in (("PCNDetails", pcn_header, pcns), ("PCN Core Partner Details", member_header, members)):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_epcn_2023_reads_sub_icb_locations_and_says_so(tmp_path):
    epcn = read_epcn(workbook(tmp_path / "ePCN.xlsx"))
    assert epcn.commissioner_level == "sub-icb"
    assert epcn.pcns.attrs["commissioner_level"] == epcn.members.attrs["commissioner_level"] == "sub-icb"
    assert epcn.pcns[["pcn_code", "ccg_code"]].values.tolist() == [["U16464", "02P"], ["U89141", "16C"],
                                                                    ["U12345", "13T"]]  # fmt: skip
    assert epcn.pcns["ccg_name"].tolist()[:2] == [BARNSLEY, TEES]
    assert epcn.members["practice_ccg_code"].tolist() == ["02P", "16C", "16C"]
    assert epcn.members["pcn_ccg_code"].tolist() == ["02P", "16C", "16C"]


def test_epcn_bad_sub_icb_code_is_named_as_a_sub_icb_location(tmp_path):
    pcns = [PCNS_2023[0], [*PCNS_2023[1][:2], "1", *PCNS_2023[1][3:]], PCNS_2023[2]]
    assert problems(read_epcn, workbook(tmp_path / "bad.xlsx", pcns=pcns)) == [
        "sheet 'PCNDetails', row 3, column 'Current Sub ICB Loc Code': expected a sub-ICB location code: "
        "3 or 5 letters or digits, like 00L or 15N, found '1'"
    ]


def test_epcn_sheets_of_different_levels_are_refused(tmp_path):
    member_header = [h.replace("Sub ICB Loc", "CCG") for h in MEMBER_HEADER_2023]
    assert problems(read_epcn, workbook(tmp_path / "mixed.xlsx", member_header=member_header)) == [
        "sheet 'PCNDetails' names sub-ICB locations but sheet 'PCN Core Partner Details' names CCGs; expected the "
        "same commissioner level in both sheets"
    ]


def test_epcn_of_the_ccg_era_still_reads_as_ccgs(tmp_path):
    pcn_header = [*PCN_HEADER_2023]
    pcn_header[2:4] = ["Current Clinical Commissioning Group Code", "Clinical Commissioning Group Name"]
    member_header = [h.replace("Sub ICB Loc", "CCG") for h in MEMBER_HEADER_2023]
    epcn = read_epcn(workbook(tmp_path / "ePCN.xlsx", pcn_header=pcn_header, member_header=member_header))
    assert epcn.commissioner_level == "ccg" and epcn.members.attrs["commissioner_level"] == "ccg"
    assert epcn.pcns["ccg_code"].tolist() == ["02P", "16C", "13T"]


# QOF's MAPPING_NHS_GEOGRAPHIES_2223.csv / _2324.csv header.
MAPPING_HEADER_2223 = [
    "NAT_COUNTRY", "REGION_ODS_CODE", "REGION_ONS_CODE", "REGION_NAME", "ICB_ODS_CODE", "ICB_ONS_CODE", "ICB_NAME",
    "SUB_ICB_ODS_CODE", "SUB_ICB_ONS_CODE", "SUB_ICB_NAME", "PCN_ODS_CODE", "PCN_NAME", "PRACTICE_CODE",
    "PRACTICE_NAME",
]  # fmt: skip
NENC = ["Y63", "E40000012", "North East and Yorkshire", "QHM", "E54000050", "NHS North East and North Cumbria ICB"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerows(rows)
    return path


def test_qof_mapping_2022_23_reads_sub_icb_locations_and_icbs(tmp_path):
    path = write_csv(
        tmp_path / "MAPPING_NHS_GEOGRAPHIES_2223.csv",
        [
            MAPPING_HEADER_2223,
            ["England", *NENC, "16C", "E38000247", TEES, "U89141", "Stockton PCN", "A81001", "The Densham Surgery"],
            ["England", *NENC, "13T", "E38000212", "NHS North East and North Cumbria ICB - 13T", "U", "Unallocated",
             "A85001", "City Surgery"],
        ],
    )  # fmt: skip
    mapping = read_practice_ccg(path)
    assert mapping.attrs["commissioner_level"] == "sub-icb"
    assert mapping["ccg_code"].tolist() == ["16C", "13T"]
    assert mapping["ccg_ons_code"].tolist() == ["E38000247", "E38000212"]
    assert mapping["ccg_name"].tolist()[0] == TEES
    assert mapping[["icb_code", "icb_ons_code", "icb_name"]].drop_duplicates().values.tolist() == [
        ["QHM", "E54000050", "NHS North East and North Cumbria ICB"]
    ]
    assert mapping["stp_code"].isna().all()  # no STPs after July 2022
    assert mapping["pcn_code"].tolist()[0] == "U89141" and pd.isna(mapping["pcn_code"].iloc[1])


def test_qof_mapping_bad_sub_icb_codes_are_named_as_sub_icb_locations(tmp_path):
    path = write_csv(
        tmp_path / "MAPPING_NHS_GEOGRAPHIES_2324.csv",
        [
            MAPPING_HEADER_2223,
            ["England", *NENC[:3], "QHM", "E38000247", "N", "16", "E54000050", TEES, "U89141", "Stockton PCN",
             "A81001", "The Densham Surgery"],
        ],
    )  # fmt: skip
    assert problems(read_practice_ccg, path) == [
        "row 2, column 'SUB_ICB_ODS_CODE': expected a sub-ICB location code: 3 or 5 letters or digits, like 00L "
        "or 15N, found '16'",
        "row 2, column 'SUB_ICB_ONS_CODE': expected a sub-ICB location's ONS code: E38 and 6 digits, like "
        "E38000014, found 'E54000050'",
        "row 2, column 'ICB_ONS_CODE': expected an ICB's ONS code: E54 and 6 digits, like E54000050, found 'E38000247'",
    ]


def test_qof_mapping_mixing_levels_is_refused(tmp_path):
    header = [h.replace("SUB_ICB_NAME", "CCG_NAME") for h in MAPPING_HEADER_2223]
    row = ["England", *NENC, "16C", "E38000247", TEES, "U89141", "Stockton PCN", "A81001", "The Densham Surgery"]
    assert problems(read_practice_ccg, write_csv(tmp_path / "MAPPING_NHS_GEOGRAPHIES_2223.csv", [header, row])) == [
        "the commissioner columns mix CCG columns ('CCG_NAME') and sub-ICB location columns ('SUB_ICB_ODS_CODE'; "
        "'SUB_ICB_ONS_CODE'); expected one level throughout (CCGs to June 2022, sub-ICB locations from July 2022)"
    ]
