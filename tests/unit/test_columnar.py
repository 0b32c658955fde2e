"""The columnar store of registrations by LSOA: each release to Parquet once, the pandas reader's rows and
problems, re-used by content. Tiny hand-written files; one real extract when ../shared is present."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from pcnreport.core.errors import DataFormatError
from pcnreport.data.columnar import ColumnarStore, entry_rows, lsoa_vintage, practice_totals
from pcnreport.data.readers import read_registrations_lsoa
from pcnreport.data.synth.lsoa_series import memberships, write_lsoa_series
from tests.unit.reader_support import write

PUBLISHER = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"


def publisher_rows() -> str:
    return (
        "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01024873,ALL,12\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,W01000001,ALL,3\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,NO2011,ALL,1\n"
        "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01024873,MALE,7\n"  # by sex: not the all-persons count
        "GP_PRAC_PAT_LIST,01JAN2020,P81001,B SURGERY,E01024873,ALL,0\n"
    )


EXPECTED = pd.DataFrame(
    {
        "practice_code": pd.Series(["A82003", "A82003", "A82003", "P81001"], dtype="str"),
        "lsoa_code": pd.Series(["E01024873", "W01000001", None, "E01024873"], dtype="str"),
        "patients": pd.Series([12, 3, 1, 0], dtype="int64"),
        "unassigned": pd.Series([None, None, "NO2011", None], dtype="str"),
    }
)


@pytest.fixture
def store(tmp_path):
    return ColumnarStore(tmp_path / "store")


def converted(store: ColumnarStore, path) -> pd.DataFrame:
    return entry_rows(store.parquet_for(path))


def test_publisher_file_converts_to_the_readers_rows(tmp_path, store):
    path = write(tmp_path, "gp-reg-pat-prac-lsoa-all.csv", PUBLISHER + publisher_rows())
    table = converted(store, path)

    pd.testing.assert_frame_equal(table, EXPECTED)
    pd.testing.assert_frame_equal(table, read_registrations_lsoa(path))
    # Stored as the brief's layout: <store>/registrations-lsoa/<sha256 of the file>.parquet
    assert store.parquet_for(path).parent == store.folder / "registrations-lsoa"
    assert lsoa_vintage(store.parquet_for(path)) == "2011"  # NO2011 marks a 2011-coded release


def test_other_spellings_and_r_resave_convert_the_same(tmp_path, store):
    spaced = PUBLISHER.replace("NUMBER_OF_PATIENTS", "Number of Patients")
    # R's write.csv: every field quoted, an unnamed row-number column first, make.names() of the header.
    r_header = '"","PUBLICATION","EXTRACT_DATE","PRACTICE_CODE","PRACTICE_NAME","LSOA_CODE","SEX","Number.of.Patients"\n'
    r_rows = "".join(
        f'"{i}",' + ",".join(f'"{cell}"' if k < 6 else cell for k, cell in enumerate(line.split(","))) + "\n"
        for i, line in enumerate(publisher_rows().splitlines(), start=1)
    )
    files = {
        "spaced.csv": spaced + publisher_rows(),
        "lsoapops_01JAN2020.csv": r_header + r_rows,
        "bom-crlf.csv": "\ufeff" + (PUBLISHER + publisher_rows()).replace("\n", "\r\n"),
    }
    for name, text in files.items():
        path = write(tmp_path, name, text)
        table = converted(store, path)
        pd.testing.assert_frame_equal(table, EXPECTED, obj=name)
        pd.testing.assert_frame_equal(table, read_registrations_lsoa(path), obj=name)


def test_zip_archive_converts_its_one_csv(tmp_path, store):
    path = tmp_path / "gp-reg-pat-prac-lsoa-oct-22.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gp-reg-pat-prac-lsoa-all.csv", PUBLISHER + publisher_rows())
    pd.testing.assert_frame_equal(converted(store, path), EXPECTED)
    assert not list((store.folder / "registrations-lsoa").glob(".member-*"))  # the extracted member is removed


def test_2021_no_area_words_become_missing_lsoas(tmp_path, store):
    rows = "".join(
        f"GP_PRAC_PAT_LIST,2026-06-01,A82003,A SURGERY,{code},ALL,{n}\n"
        for code, n in (("E01035000", 5), ("CLOSED", 1), ("EMPTY", 2), ("L99999", 3), ("S01012345", 1))
    )
    path = write(tmp_path, "lsoa.csv", PUBLISHER + rows)
    table = converted(store, path)

    assert table["lsoa_code"].isna().tolist() == [False, True, True, True, False]
    assert table["unassigned"].tolist()[1:4] == ["CLOSED", "EMPTY", "L99999"]
    assert table["patients"].sum() == 12  # every patient kept: the practice's rows add up to its list
    assert lsoa_vintage(store.parquet_for(path)) is None
    pd.testing.assert_frame_equal(table, read_registrations_lsoa(path))


def test_an_entry_is_reused_and_keyed_by_content(tmp_path, store):
    path = write(tmp_path, "a.csv", PUBLISHER + publisher_rows())
    entry = store.parquet_for(path)
    written = entry.stat().st_mtime_ns

    assert store.parquet_for(path) == entry
    (tmp_path / "elsewhere").mkdir()
    copy = write(tmp_path / "elsewhere", "b.csv", PUBLISHER + publisher_rows())
    assert store.parquet_for(copy) == entry  # the same bytes under another name: the same entry
    assert entry.stat().st_mtime_ns == written  # re-used, not written again
    assert store.converted == [path]

    changed = write(tmp_path, "a.csv", PUBLISHER + publisher_rows().replace(",12\n", ",13\n"))
    other = store.parquet_for(changed)
    assert other != entry and other.is_file()
    assert entry_rows(other)["patients"].tolist() == [13, 3, 1, 0]
    assert sorted(p.name for p in entry.parent.iterdir()) == sorted([entry.name, other.name])  # no temporary left


def test_an_entry_of_another_format_is_converted_again(tmp_path, store, monkeypatch):
    path = write(tmp_path, "a.csv", PUBLISHER + publisher_rows())
    entry = store.parquet_for(path)
    monkeypatch.setattr("pcnreport.data.columnar.FORMAT", "older")
    assert store.parquet_for(path) == entry
    assert store.converted == [path, path]


def test_bad_count_names_the_file_row_and_column(tmp_path, store):
    path = write(
        tmp_path,
        "lsoa.csv",
        PUBLISHER
        + "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01024873,ALL,12\n"
        + "\n"  # a blank line: a row to a spreadsheet, so the next row is row 4
        + "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01000001,ALL,1.5\n",
    )
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert str(path) in str(caught.value)
    assert caught.value.problems == [
        "row 4, column 'NUMBER_OF_PATIENTS': expected a whole number >= 0, found '1.5'"
    ]
    with pytest.raises(DataFormatError) as by_pandas:
        read_registrations_lsoa(path)
    assert by_pandas.value.problems == caught.value.problems
    assert not list(store.folder.glob("registrations-lsoa/*.parquet"))  # nothing stored for a bad file


def test_bad_codes_and_repeats_are_all_reported_as_the_reader_does(tmp_path, store):
    path = write(
        tmp_path,
        "lsoa.csv",
        PUBLISHER
        + "GP_PRAC_PAT_LIST,01JAN2020,A8200,A SURGERY,E01024873,ALL,1\n"
        + "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E0102487,ALL,1\n"
        + "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01000001,ALL,400000\n"
        + "GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01000001,ALL,2\n",
    )
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert caught.value.problems == [
        "row 2, column 'PRACTICE_CODE': expected a practice code: a letter and 5 digits, like A81001, found 'A8200'",
        "row 3, column 'LSOA_CODE': expected an LSOA code: E01 (or W01, S01, N21) and 6 digits, like E01000001, "
        "or one of 'NO2011', 'CLOSED', 'EMPTY', 'L99999', found 'E0102487'",
        "row 4, column 'NUMBER_OF_PATIENTS': expected at most 300,000 patients (a practice's list), found '400000'",
        "columns 'PRACTICE_CODE', 'LSOA_CODE': practice and LSOA 'A82003', 'E01000001' appears in rows 4 and 5; "
        "expected once",
    ]
    with pytest.raises(DataFormatError) as by_pandas:
        read_registrations_lsoa(path)
    assert by_pandas.value.problems == caught.value.problems


def test_many_bad_counts_are_capped(tmp_path, store):
    rows = "".join(f"GP_PRAC_PAT_LIST,01JAN2020,A82003,A SURGERY,E01{i:06d},ALL,x\n" for i in range(25))
    path = write(tmp_path, "lsoa.csv", PUBLISHER + rows)
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert len(caught.value.problems) == 21
    assert caught.value.problems[-1] == "... and 5 more in column 'NUMBER_OF_PATIENTS' with the same problem"


def test_missing_column_names_the_file_and_the_spellings(tmp_path, store):
    path = write(tmp_path, "lsoa.csv", "PRACTICE_CODE,LSOA_CODE,SEX\nA82003,E01024873,ALL\n")
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert str(path) in str(caught.value)
    assert caught.value.problems == [
        "missing column 'NUMBER_OF_PATIENTS' (or 'Number of Patients', 'Number.of.Patients') (expected columns: "
        "'PRACTICE_CODE'; 'LSOA_CODE'; 'SEX'; 'NUMBER_OF_PATIENTS'; found: 'PRACTICE_CODE'; 'LSOA_CODE'; 'SEX')"
    ]


def test_zip_member_problems_name_the_member(tmp_path, store):
    path = tmp_path / "lsoa.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("gp-reg-pat-prac-lsoa-all.csv", PUBLISHER.replace(",SEX", ",GENDER") + publisher_rows())
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert caught.value.problems[0].startswith("member 'gp-reg-pat-prac-lsoa-all.csv': missing column 'SEX'")


def test_a_line_cut_short_is_named(tmp_path, store):
    path = write(tmp_path, "lsoa.csv", PUBLISHER + publisher_rows() + "GP_PRAC_PAT_LIST,01JAN2020,A82003\n")
    with pytest.raises(DataFormatError) as caught:
        store.parquet_for(path)
    assert caught.value.problems[0].startswith("line 7: 3 fields where the header (line 1) has 7")


def test_windows_1252_file_converts(tmp_path, store):
    path = tmp_path / "lsoa.csv"
    text = PUBLISHER + publisher_rows().replace("B SURGERY", "CAFÉ SURGERY")
    path.write_bytes(text.encode("cp1252"))
    pd.testing.assert_frame_equal(converted(store, path), EXPECTED)


# --- Real extract -------------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_regional_file_converts_to_the_readers_totals(shared_data, store):
    path = shared_data / "registrations-lsoa" / "2020-01-pennine-lancashire" / "lsoapops_01JAN2020.csv"
    entry = store.parquet_for(path)
    by_pandas = read_registrations_lsoa(path).groupby("practice_code")["patients"].sum()
    totals = practice_totals([entry]).set_index("practice_code")["patients"]

    assert len(totals) == 254
    assert totals.sum() == 588_348
    pd.testing.assert_series_equal(totals, by_pandas, check_names=False, check_index_type=False)
    assert entry_rows(entry)["lsoa_code"].isna().sum() == 40  # NO2011: one row for each of 40 practices


# --- The synthetic series ----------------------------------------------------------------------------------


def test_synthetic_series_is_readable_and_deterministic(tmp_path, store):
    first = write_lsoa_series(tmp_path / "one", releases=2, seed=7, first="2022-10", n_practices=12, lsoas_per_practice=10)
    again = write_lsoa_series(tmp_path / "two", releases=2, seed=7, first="2022-10", n_practices=12, lsoas_per_practice=10)
    other = write_lsoa_series(tmp_path / "three", releases=2, seed=8, first="2022-10", n_practices=12, lsoas_per_practice=10)

    assert list(first) == ["2022-10", "2023-01"]
    assert first["2022-10"] == tmp_path / "one" / "registrations-lsoa" / "2022-10" / "gp-reg-pat-prac-lsoa-all.csv"
    for month, path in first.items():
        assert path.read_bytes() == again[month].read_bytes()
        assert path.read_bytes() != other[month].read_bytes()
    old, new = (read_registrations_lsoa(path) for path in first.values())
    assert old["practice_code"].nunique() == 12
    assert set(old["unassigned"].dropna()) <= {"NO2011"}
    assert set(new["unassigned"].dropna()) <= {"CLOSED", "EMPTY", "L99999"}
    assert first["2022-10"].read_text().splitlines()[1].split(",")[1] == "01OCT2022"  # the release's own month
    # Every practice has at least one patient in each of its LSOAs, and the columnar store agrees with pandas.
    assert (old["patients"] > 0).all()
    pd.testing.assert_frame_equal(entry_rows(store.parquet_for(first["2023-01"])), new)
    members = memberships(list(first), seed=7, n_practices=12)
    assert set(members["2022-10"]["practice_code"]) == set(old["practice_code"])
