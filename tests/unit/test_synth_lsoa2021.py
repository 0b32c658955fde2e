"""The latest era's small areas: the synthetic sample written in 2021 LSOAs (registrations by LSOA, IMD 2025,
RUC 2021, ONS's LSOA 2011 to 2021 lookup, the 2021 output area lookup, MSOA boundaries named for 2021).
Counted independently of the readers where the point is a count; read with the readers where the point is
that the build can use them."""

from __future__ import annotations

import collections

import openpyxl
import pytest
from reader_support import csv_rows

from pcnreport.data import readers, small_areas
from pcnreport.data.synth import SyntheticSpec, get_vintage, write_sample


@pytest.fixture(scope="module")
def latest(tmp_path_factory):
    root = tmp_path_factory.mktemp("latest-lsoa2021")
    return write_sample(root, SyntheticSpec(), "latest")


def test_the_latest_era_writes_the_2021_small_area_files_in_their_publishers_folders(latest):
    paths = get_vintage("latest").paths
    assert paths["imd"] == "imd/2025/File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"
    assert {"imd", "ruc", "lsoa-msoa", "lsoa-changes", "boundaries-msoa", "registrations-lsoa"} <= set(latest)
    assert "lsoa-changes" not in get_vintage("2023-01").paths  # earlier eras stay in 2011 LSOAs


def test_imd_2025_workbook_has_the_publishers_sheets_and_header(latest):
    book = openpyxl.load_workbook(latest["imd"], read_only=True)
    assert book.sheetnames == ["Notes", "IMD25"]
    rows = book["IMD25"].iter_rows(values_only=True)
    header = next(rows)
    assert header[:4] == ("LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
                          "Local Authority District name (2024)")  # fmt: skip
    codes = [row[0] for row in rows]
    book.close()
    assert len(codes) == len(set(codes)) > 33_000


def test_every_file_reads_in_2021_lsoas_and_they_agree(latest):
    imd = readers.read_imd(latest["imd"])
    ruc = readers.read_ruc(latest["ruc"])
    lookup = readers.read_lsoa_msoa(latest["lsoa-msoa"])
    changes = readers.read_lsoa_changes(latest["lsoa-changes"])
    boundaries = readers.read_msoa_boundaries(latest["boundaries-msoa"])
    assert {small_areas.vintage_of(t) for t in (imd, ruc, lookup)} == {"2021"}
    assert set(imd["lsoa_code"]) == set(ruc["lsoa_code"]) == set(lookup["lsoa_code"]) == set(changes["lsoa21_code"])
    assert set(lookup["msoa_code"]) <= set(boundaries["code"])
    assert set(changes["change"]) == {"U", "S", "M", "X"}
    # The registrations' codes are 2021's: the lookup tells them apart from 2011's.
    registrations = readers.read_registrations_lsoa(latest["registrations-lsoa"])
    assert small_areas.infer_vintage(registrations["lsoa_code"], changes) == "2021"
    english = registrations["lsoa_code"].str.startswith("E01", na=False)
    assert set(registrations.loc[english, "lsoa_code"]) <= set(imd["lsoa_code"])


def test_registrations_by_2021_lsoa_keep_every_patient_with_special_values(latest):
    rows = csv_rows(latest["registrations-lsoa"])
    by_practice = collections.Counter()
    by_code = collections.Counter()
    for row in rows:
        by_practice[row["PRACTICE_CODE"]] += int(row["NUMBER_OF_PATIENTS"])
        code = row["LSOA_CODE"]
        by_code[code if not code.startswith("E01") else "E01"] += int(row["NUMBER_OF_PATIENTS"])
    lists = {row["CODE"]: int(row["NUMBER_OF_PATIENTS"]) for row in csv_rows(latest["registrations"])}
    assert by_practice == lists  # every practice's rows add up to its list
    for special in ("CLOSED", "EMPTY", "L99999", "W01900001", "S01900001", "N21900001"):
        assert by_code[special] > 0, special
