"""Workbooks read by python-calamine give exactly the tables openpyxl gives, and the problems too; a
workbook with an error cell (#N/A), the one thing calamine reads differently, goes to openpyxl."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from test_readers import MEMBERS, PCNS, epcn_workbook

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers import Epcn, _workbook, read_epcn, read_imd
from pcnreport.data.synth import MARKER, SAMPLE_PATHS, SyntheticSpec, write_sample

ENGINES = ("openpyxl", "calamine")


def _read_with(engine: str, reader, path, monkeypatch):
    monkeypatch.setattr(_workbook, "ENGINE", engine)
    try:
        return reader(path)
    except DataFormatError as error:
        return error.problems


def assert_same_tables(one, two) -> None:
    assert type(one) is type(two)
    if isinstance(one, Epcn):
        pd.testing.assert_frame_equal(one.pcns, two.pcns)
        pd.testing.assert_frame_equal(one.members, two.members)
    elif isinstance(one, pd.DataFrame):
        pd.testing.assert_frame_equal(one, two)
    else:
        assert one == two  # the problems reported, row numbers included


def assert_engines_agree(reader, path, monkeypatch):
    tables = [_read_with(engine, reader, path, monkeypatch) for engine in ENGINES]
    assert_same_tables(*tables)
    return tables[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    # The same folder test_synth.py and test_synth_datasets.py use: written once a session.
    root = tmp_path_factory.getbasetemp() / f"synth-sample-seed{SyntheticSpec().seed}"
    if (root / MARKER).is_file():
        return {name: root / path for name, path in SAMPLE_PATHS.items()}
    return write_sample(root, SyntheticSpec())


def test_synthetic_workbooks_read_the_same_with_both_engines(sample, monkeypatch):
    assert isinstance(assert_engines_agree(read_epcn, sample["epcn"], monkeypatch), Epcn)
    assert len(assert_engines_agree(read_imd, sample["imd"], monkeypatch)) > 30_000


@pytest.mark.shared_data
def test_real_workbooks_read_the_same_with_both_engines(shared_data, monkeypatch):
    # The real ePCN workbook's partner sheet has formula columns (PCN Name): both engines give their
    # cached values, or blank where there are none.
    epcn = assert_engines_agree(read_epcn, shared_data / "epcn/2019-12/ePCN.xlsx", monkeypatch)
    assert len(epcn.pcns) == 1250
    imd = assert_engines_agree(
        read_imd, shared_data / "imd/2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx", monkeypatch
    )
    assert len(imd) == 32844


@pytest.mark.parametrize(
    "pcns, members",
    [
        pytest.param(PCNS, MEMBERS, id="good"),
        pytest.param(PCNS + [("U4444", "SHORT CODE PCN", "00L", "A CCG", 20191340, None)],
                     MEMBERS + [(None, "NO CODE SURGERY", "00L", "U11111", "00L", "2019-10-01", None)], id="bad cells"),
        pytest.param(PCNS, [], id="header only"),
    ],
)  # fmt: skip
def test_hand_written_workbooks_give_the_same_tables_and_problems(tmp_path, monkeypatch, pcns, members):
    path = epcn_workbook(tmp_path / "ePCN.xlsx", pcns=pcns, members=members)
    assert_engines_agree(read_epcn, path, monkeypatch)


def test_both_engines_start_at_cell_a1(tmp_path):
    # calamine skips leading empty rows and columns unless told not to: positions must still be Excel's.
    workbook = openpyxl.Workbook()
    workbook.active.title = "S"
    workbook.active["C3"] = "x"
    workbook.save(tmp_path / "w.xlsx")
    data = (tmp_path / "w.xlsx").read_bytes()
    for engine in ENGINES:
        opened = _workbook.open_workbook_bytes(tmp_path / "w.xlsx", data, engine=engine)
        rows = [list(row) for row in opened.rows("S")]
        opened.close()
        assert [row.index("x") for row in rows if "x" in row] == [2], engine
        assert [index for index, row in enumerate(rows) if "x" in row] == [2], engine


def test_row_numbers_count_blank_rows(tmp_path, monkeypatch):
    path = epcn_workbook(tmp_path / "ePCN.xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["PCN Core Partner Details"]
    sheet.insert_rows(3, amount=2)  # two blank rows: the next member is on row 5
    sheet["A5"] = "A1234"
    workbook.save(path)
    problems = assert_engines_agree(read_epcn, path, monkeypatch)
    assert any(problem.startswith("sheet 'PCN Core Partner Details', row 5, column 'Partner Organisation Code'")
               for problem in problems)


def test_a_workbook_with_an_error_cell_is_read_with_openpyxl(tmp_path, monkeypatch):
    path = epcn_workbook(tmp_path / "ePCN.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["PCN Details"]["F3"] = "#N/A"  # a Close Date holding an error, stored as an error cell
    workbook.save(path)
    assert _workbook.has_error_cells(path.read_bytes())
    # calamine alone would read the error as a blank cell, i.e. "not closed" and the PCN current.
    assert isinstance(_read_with("calamine", read_epcn, path, monkeypatch), Epcn)
    # The default sends it to openpyxl, so the reader reports the cell as Excel shows it.
    problems = _read_with("auto", read_epcn, path, monkeypatch)
    assert problems == _read_with("openpyxl", read_epcn, path, monkeypatch)
    assert any("row 3, column 'Close Date'" in problem and "'#N/A'" in problem for problem in problems)


def test_the_default_reads_clean_workbooks_with_calamine(tmp_path, monkeypatch):
    path = epcn_workbook(tmp_path / "ePCN.xlsx")
    assert not _workbook.has_error_cells(path.read_bytes())
    opened = _workbook.open_workbook_bytes(path, path.read_bytes(), engine="auto")
    opened.close()
    assert isinstance(opened, _workbook.CalamineWorkbook)


@pytest.mark.parametrize("engine", ENGINES + ("auto",))
@pytest.mark.parametrize("content", [b"PCN Code,PCN Name\n", b"PK\x03\x04 not really a zip"], ids=["text", "broken zip"])
def test_a_file_that_is_not_a_workbook_is_a_data_format_error(tmp_path, monkeypatch, engine, content):
    path = tmp_path / "ePCN.xlsx"
    path.write_bytes(content)
    monkeypatch.setattr(_workbook, "ENGINE", engine)
    with pytest.raises(DataFormatError, match="not an Excel workbook"):
        read_epcn(path)
