"""read_practice_map: the registrations publication's practice mapping (gp-reg-pat-prac-map.csv) in both of
its eras: CCG and STP columns to June 2022, sub-ICB location and ICB columns from July 2022 (with
SUPPLIER_NAME from 2025). Hand-made files first, then the real files of ../shared/data-later, each checked
against counts made here with the csv module."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from reader_support import csv_rows, problems

from pcnreport.data.readers import read_practice_map

# The headers of the publisher's January 2022 and October 2025 files, exactly.
CCG_HEADER = [
    "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE", "PCN_NAME",
    "ONS_CCG_CODE", "CCG_CODE", "CCG_NAME", "ONS_STP_CODE", "STP_CODE", "STP_NAME", "ONS_COMM_REGION_CODE",
    "COMM_REGION_CODE", "COMM_REGION_NAME",
]  # fmt: skip
SUB_ICB_HEADER = [
    "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE", "PCN_NAME",
    "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "ONS_ICB_CODE", "ICB_CODE",
    "ICB_NAME", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE", "COMM_REGION_NAME", "SUPPLIER_NAME",
]  # fmt: skip
CCG_ROWS = [
    ["GP_PRAC_PAT_LIST", "01Jan2022", "A81001", "THE DENSHAM SURGERY", "TS18 1HU", "U89141", "STOCKTON PCN",
     "E38000247", "16C", "NHS Tees Valley CCG", "E54000050", "QHM", "Cumbria and North East", "E40000009", "Y63",
     "North East and Yorkshire"],
    ["GP_PRAC_PAT_LIST", "01Jan2022", "A84035", "RIVERSDALE SURGERY", "NE42 5DQ", "U", "Unallocated",
     "E38000130", "00L", "NHS Northumberland CCG", "E54000050", "QHM", "Cumbria and North East", "E40000009", "Y63",
     "North East and Yorkshire"],
    ["GP_PRAC_PAT_LIST", "01Jan2022", "A85001", "CITY SURGERY", "NE1 4LP", "U12345", "NEWCASTLE PCN",
     "E38000212", "X2C4Y", "NHS Newcastle Gateshead CCG", "E54000050", "QHM", "Cumbria and North East", "E40000009",
     "Y63", "North East and Yorkshire"],
]  # fmt: skip
SUB_ICB_ROWS = [
    ["GP_PRAC_PAT_LIST", "01Oct2025", "A81001", "THE DENSHAM SURGERY", "TS18 1HU", "U89141", "STOCKTON PCN",
     "E38000247", "16C", "NHS North East and North Cumbria ICB - 16C", "E54000050", "QHM",
     "NHS North East and North Cumbria Integrated Care Board", "E40000012", "Y63", "North East and Yorkshire", "TPP"],
    ["GP_PRAC_PAT_LIST", "01Oct2025", "D82017", "TRINITY & BOWTHORPE MEDICAL PRACTICE", "NR2 2BQ", "U00000",
     "WEST NORWICH PCN", "E38000239", "26A", "NHS Norfolk and Waveney ICB - 26A", "E54000022", "QMM",
     "NHS Norfolk and Waveney Integrated Care Board", "E40000013", "Y61", "East of England", "EMIS"],
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerows([header, *rows])
    return path


def replaced(rows: list[list[str]], header: list[str], column: str, value: str, row: int = 0) -> list[list[str]]:
    changed = [list(r) for r in rows]
    changed[row][header.index(column)] = value
    return changed


# --- Hand-made files ----------------------------------------------------------------------------------------


def test_ccg_era_file_reads_with_neutral_columns_and_says_its_level(tmp_path):
    table = read_practice_map(write_csv(tmp_path / "gp-reg-pat-prac-map.csv", CCG_HEADER, CCG_ROWS))

    assert table["practice_code"].tolist() == ["A81001", "A84035", "A85001"]
    assert table["commissioner_level"].tolist() == ["ccg", "ccg", "ccg"]
    assert table["commissioner_code"].tolist() == ["16C", "00L", "X2C4Y"]  # five characters: merged April 2021
    assert table["commissioner_ons_code"].tolist() == ["E38000247", "E38000130", "E38000212"]
    assert table["icb_or_stp_code"].unique().tolist() == ["QHM"]
    assert table["icb_or_stp_name"].unique().tolist() == ["Cumbria and North East"]
    assert table["region_ons_code"].unique().tolist() == ["E40000009"]
    # 'U' / 'Unallocated' is no PCN: missing, not a code.
    assert table["pcn_code"].isna().tolist() == [False, True, False]
    assert table["pcn_name"].isna().tolist() == [False, True, False]
    assert table["extract_date"].unique().tolist() == [pd.Timestamp("2022-01-01")]
    assert not [column for column in table.columns if column.startswith(("ccg", "stp", "sub_icb", "icb_code"))]


def test_sub_icb_era_file_reads_into_the_same_columns_with_level_sub_icb(tmp_path):
    table = read_practice_map(write_csv(tmp_path / "gp-reg-pat-prac-map.csv", SUB_ICB_HEADER, SUB_ICB_ROWS))

    assert table["commissioner_level"].tolist() == ["sub-icb", "sub-icb"]
    assert table["commissioner_code"].tolist() == ["16C", "26A"]
    assert table["commissioner_name"].tolist() == ["NHS North East and North Cumbria ICB - 16C",
                                                   "NHS Norfolk and Waveney ICB - 26A"]  # fmt: skip
    assert table["icb_or_stp_code"].tolist() == ["QHM", "QMM"]
    assert table["icb_or_stp_ons_code"].tolist() == ["E54000050", "E54000022"]
    assert table["region_ons_code"].tolist() == ["E40000012", "E40000013"]  # North East and Yorkshire's new code
    assert table["pcn_code"].tolist() == ["U89141", "U00000"]
    assert table["extract_date"].unique().tolist() == [pd.Timestamp("2025-10-01")]
    assert "supplier_name" not in table.columns  # SUPPLIER_NAME (2025 on) is not read


def test_a_zip_holding_the_file_reads_the_same(tmp_path):
    plain = write_csv(tmp_path / "gp-reg-pat-prac-map.csv", SUB_ICB_HEADER, SUB_ICB_ROWS)
    archive = tmp_path / "gp-reg-pat-prac-map.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("readme.txt", "not the mapping\n")
        handle.write(plain, "gp-reg-pat-prac-map.csv")
    pd.testing.assert_frame_equal(read_practice_map(archive), read_practice_map(plain))


def test_optional_columns_may_be_absent(tmp_path):
    keep = [c for c in CCG_HEADER if c not in ("EXTRACT_DATE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_NAME",
                                               "ONS_STP_CODE", "STP_NAME", "ONS_COMM_REGION_CODE")]  # fmt: skip
    rows = [[row[CCG_HEADER.index(c)] for c in keep] for row in CCG_ROWS]
    table = read_practice_map(write_csv(tmp_path / "map.csv", keep, rows))
    assert table["commissioner_code"].tolist() == ["16C", "00L", "X2C4Y"]
    assert table["commissioner_level"].unique().tolist() == ["ccg"]
    for column in ("extract_date", "practice_name", "practice_postcode", "pcn_name", "icb_or_stp_ons_code",
                   "icb_or_stp_name", "region_ons_code"):  # fmt: skip
        assert table[column].isna().all(), column


def test_bad_cells_are_each_reported_with_row_and_column(tmp_path):
    rows = replaced(CCG_ROWS, CCG_HEADER, "CCG_CODE", "16CC", row=0)
    rows = replaced(rows, CCG_HEADER, "ONS_CCG_CODE", "E54000050", row=1)
    rows = replaced(rows, CCG_HEADER, "EXTRACT_DATE", "31Feb2022", row=2)
    rows = replaced(rows, CCG_HEADER, "PCN_CODE", "P12345", row=2)
    found = problems(read_practice_map, write_csv(tmp_path / "map.csv", CCG_HEADER, rows))
    assert any("row 2, column 'CCG_CODE'" in p and "a CCG or sub-ICB location code" in p and "'16CC'" in p for p in found)
    assert any("row 3, column 'ONS_CCG_CODE'" in p and "E38 and 6 digits" in p for p in found)
    assert any("row 4, column 'EXTRACT_DATE'" in p and "'31Feb2022'" in p for p in found)
    assert any("row 4, column 'PCN_CODE'" in p and "'P12345'" in p for p in found)
    assert len(found) == 4


def test_a_practice_twice_is_a_problem(tmp_path):
    rows = replaced(SUB_ICB_ROWS, SUB_ICB_HEADER, "PRACTICE_CODE", "A81001", row=1)
    found = problems(read_practice_map, write_csv(tmp_path / "map.csv", SUB_ICB_HEADER, rows))
    assert found == ["column 'PRACTICE_CODE': practice code 'A81001' appears in rows 2 and 3; expected once"]


def test_a_file_mixing_the_two_eras_columns_is_refused(tmp_path):
    header = ["SUB_ICB_LOCATION_NAME" if c == "CCG_NAME" else c for c in CCG_HEADER]
    found = problems(read_practice_map, write_csv(tmp_path / "map.csv", header, CCG_ROWS))
    assert len(found) == 1
    assert "'CCG_CODE'; 'ONS_CCG_CODE'; 'SUB_ICB_LOCATION_NAME'" in found[0] and "expected one era" in found[0]


def test_a_file_without_commissioner_columns_names_both_eras_spellings(tmp_path):
    header = ["ORG_CODE" if c == "CCG_CODE" else c for c in CCG_HEADER]
    found = problems(read_practice_map, write_csv(tmp_path / "map.csv", header, CCG_ROWS))
    assert len(found) == 1
    assert "missing column 'CCG_CODE' (or 'SUB_ICB_LOCATION_CODE')" in found[0] and "'ORG_CODE'" in found[0]


def test_another_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("PRACTICE_CODE,TOTAL\nA81001,100\n", encoding="utf-8")
    found = problems(read_practice_map, path)
    assert any("missing column 'PCN_CODE'" in p for p in found)


# --- The real files (../shared/data-later) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def later(shared_data_later) -> Path:
    return shared_data_later


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("release", "level", "commissioner", "icb", "counts"),
    [
        # practices, PCNs, commissioners, ICBs or STPs, unallocated practices
        ("2022-01", "ccg", "CCG_CODE", "STP_CODE", (6527, 1254, 106, 42, 68)),
        ("2025-10", "sub-icb", "SUB_ICB_LOCATION_CODE", "ICB_CODE", (6202, 1297, 106, 42, 71)),
    ],
)
def test_real_practice_maps(later, release, level, commissioner, icb, counts):
    path = later / "registrations-map" / release / "gp-reg-pat-prac-map.csv"
    table = read_practice_map(path)

    rows = csv_rows(path)
    independent = (
        len(rows),
        len({row["PCN_CODE"] for row in rows} - {"U"}),
        len({row[commissioner] for row in rows}),
        len({row[icb] for row in rows}),
        sum(row["PCN_CODE"] == "U" for row in rows),
    )
    assert independent == counts
    assert (
        len(table), table["pcn_code"].nunique(), table["commissioner_code"].nunique(),
        table["icb_or_stp_code"].nunique(), int(table["pcn_code"].isna().sum()),
    ) == counts  # fmt: skip
    assert table["commissioner_level"].unique().tolist() == [level]
    assert table["region_code"].nunique() == len({row["COMM_REGION_CODE"] for row in rows}) == 7
    # Each practice's links are the file's own.
    by_practice = table.set_index("practice_code")
    for row in rows[:: max(1, len(rows) // 50)]:
        assert by_practice.at[row["PRACTICE_CODE"], "commissioner_code"] == row[commissioner]
        assert by_practice.at[row["PRACTICE_CODE"], "icb_or_stp_code"] == row[icb]
