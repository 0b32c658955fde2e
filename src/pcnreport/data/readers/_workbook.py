"""Excel workbooks (.xlsx) as rows of cell values, read by python-calamine or openpyxl.

python-calamine (Rust) reads the IMD workbook's 32,844 rows about ten times faster than openpyxl's
read-only mode, and both give the same values for what the publishers' workbooks hold: text, numbers,
dates, booleans, and formulas (their cached result; blank when the file has none, as ePCN's partner
sheet's `PCN Name`). They differ on one thing: an error cell (#N/A, #REF!, ...) is '#N/A' in openpyxl
but an empty string in calamine, so a broken `Close Date` would read as "not closed". A workbook with
any error cell is therefore read with openpyxl, so a reader reports the error as the cell shows it;
the check is a byte search of the worksheets' XML, a few milliseconds.

Both engines number rows from Excel's row 1 (calamine is asked not to skip leading empty rows) and
yield empty rows for gaps, so the row numbers readers report are those Excel shows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from pcnreport.core.errors import DataFormatError

try:
    import python_calamine
except ImportError:  # an optional speed-up: without it every workbook is read with openpyxl
    python_calamine = None

# "auto": calamine unless the workbook has an error cell (or calamine is not installed); tests force
# "openpyxl" or "calamine" to compare the two.
ENGINE = "auto"

# How SpreadsheetML marks an error cell: <c r="B7" t="e">. Text that merely contains this (a formula)
# only sends the workbook to openpyxl: slower, never wrong.
_ERROR_MARKS = (b' t="e"', b" t='e'")


class OpenpyxlWorkbook:
    def __init__(self, source):
        # Imported here: most builds never need it (0.15 s of each notebook kernel's start otherwise).
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            # read_only streams the XML; data_only gives formulas' cached results, or None when there are none.
            self._book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except InvalidFileException as error:
            raise ValueError(str(error)) from None  # reported as "not an Excel workbook" below
        self.sheetnames: list[str] = list(self._book.sheetnames)

    def header(self, sheet: str) -> Sequence:
        return next(self._book[sheet].iter_rows(max_row=1, values_only=True), ())

    def rows(self, sheet: str) -> Iterator[Sequence]:
        return self._book[sheet].iter_rows(values_only=True)

    def close(self) -> None:
        self._book.close()


class CalamineWorkbook:
    def __init__(self, data: bytes):
        self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        self.sheetnames: list[str] = list(self._book.sheet_names)

    def header(self, sheet: str) -> Sequence:
        rows = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=1)
        return rows[0] if rows else ()

    def rows(self, sheet: str) -> Iterator[Sequence]:
        # skip_empty_area=False: start at A1, so the list index + 1 is Excel's row number.
        return iter(self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False))

    def close(self) -> None:
        self._book.close()


Workbook = OpenpyxlWorkbook | CalamineWorkbook


def has_error_cells(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                if any(mark in xml for mark in _ERROR_MARKS):
                    return True
    return False


def open_workbook_bytes(path: Path, data: bytes, engine: str | None = None) -> Workbook:
    """The workbook in `data` (the bytes of `path`, or of a member of the ZIP archive at `path`)."""
    engine = engine or ENGINE
    try:
        if engine == "calamine" or (engine == "auto" and python_calamine is not None and not has_error_cells(data)):
            if python_calamine is None:
                raise DataFormatError(path, "python-calamine is not installed: run pip install python-calamine")
            return CalamineWorkbook(data)
        return OpenpyxlWorkbook(io.BytesIO(data))
    except DataFormatError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise DataFormatError(path, f"not an Excel workbook (.xlsx) that can be opened: {error}") from None
    except Exception as error:  # python-calamine's own errors (CalamineError and its kin)
        if python_calamine is not None and isinstance(error, python_calamine.CalamineError):
            raise DataFormatError(path, f"not an Excel workbook (.xlsx) that can be opened: {error}") from None
        raise
