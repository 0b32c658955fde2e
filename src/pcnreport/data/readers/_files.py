"""Opening files as tables of text: what a file is comes from its bytes (not its name).

`open_table` reads a CSV (UTF-8 or Windows-1252), a ZIP archive holding exactly one matching CSV, or an
Excel workbook where a publisher ships one. Anything else is refused with a message naming the file,
what was expected and what was found.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers._checks import raise_if_any
from pcnreport.data.readers._fields import shape_problems
from pcnreport.data.readers._headers import Columns, has_column, match_header
from pcnreport.data.readers._tables import Raw
from pcnreport.data.readers._workbook import Workbook, open_workbook_bytes

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary Excel (.xls)


def existing_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataFormatError(path, "file not found")
    if not path.is_file():
        raise DataFormatError(path, "not a file (is it a folder?)")
    if path.stat().st_size == 0:
        raise DataFormatError(path, "the file is empty (0 bytes): expected a header row and data rows")
    return path


def open_table(path, *, member: str = "*.csv", sheets: Columns | None = None) -> Raw:
    """Read a CSV, a ZIP archive holding one CSV named like `member`, or (when `sheets` is given) an Excel
    workbook, finding the sheet whose header holds `sheets`' columns. What a file is comes from its first
    bytes, so a download saved under any name still reads."""
    path = existing_file(path)
    with path.open("rb") as file:
        start = file.read(8)
    if start.startswith(_OLE_MAGIC):
        raise DataFormatError(
            path, f"an old binary Excel file (.xls): expected {_expected(sheets)}; re-save it as .xlsx or CSV"
        )
    if not start.startswith(_ZIP_MAGIC):
        return read_csv(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise DataFormatError(path, f"a damaged ZIP archive ({error}): expected {_expected(sheets)}") from None
    with archive:
        names = archive.namelist()
        if "xl/workbook.xml" in names:
            if sheets is None:
                raise DataFormatError(path, f"an Excel workbook: expected {_expected(sheets)}")
            return read_workbook_table(path, sheets)
        return _read_zipped_csv(path, archive, member)


def _expected(sheets) -> str:
    return "a CSV file or a ZIP archive holding one" + (", or an Excel workbook (.xlsx)" if sheets else "")


def _one_member(path: Path, archive: zipfile.ZipFile, member: str) -> str:
    """The archive's one file named like `member` (a glob, any case, in any folder of the archive)."""
    files = [info.filename for info in archive.infolist() if not info.is_dir()]
    matching = [
        name
        for name in files
        # macOS's archiver adds __MACOSX/._name resource forks that look like the real member.
        if fnmatch.fnmatch(Path(name).name.casefold(), member.casefold()) and not name.startswith("__MACOSX/")
    ]
    if len(matching) != 1:
        listed = ", ".join(f"'{name}'" for name in files) or "none"
        found = "no member" if not matching else f"{len(matching)} members"
        raise DataFormatError(
            path,
            f"a ZIP archive with {found} named like '{member}': expected exactly one (members: {listed})",
        )
    return matching[0]


def _read_zipped_csv(path: Path, archive: zipfile.ZipFile, member: str) -> Raw:
    # The CSV is read straight from the archive into memory: nothing is extracted to disk.
    name = _one_member(path, archive, member)
    where = f"member '{name}', "
    try:
        data = archive.read(name)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as error:
        raise DataFormatError(path, f"{where}cannot be read from the ZIP archive: {error}") from None
    return read_csv(path, data, where)


def read_csv(path: Path, data: bytes | None = None, where: str = "") -> Raw:
    """Every cell of a CSV as stripped text. `data` is the file's bytes when they come from an archive.

    The file's shape is checked too (`_fields`): a line with fewer or more fields than the header, or a
    quote never closed, is a problem naming the line, where pandas would fill a cut line with blanks."""
    try:
        table, first_row_long = _csv_as_text(path, data, "utf-8-sig", where)
    except UnicodeDecodeError:
        # A CSV re-saved by Excel on Windows is Windows-1252, not UTF-8; try that before giving up.
        try:
            table, first_row_long = _csv_as_text(path, data, "cp1252", where)
        except UnicodeDecodeError:
            raise DataFormatError(path, f"{where}not a text file: expected UTF-8 or Windows-1252 CSV") from None
    # Checked after pandas has read the file (one that is not text at all is better called that than
    # "line 3 has 1 field"), and only when pandas' table shows a sign of a line of another length: pandas
    # stops at a long line (or warns, for the first), and fills a short line's missing fields with blanks,
    # so a table whose last column is never blank on a non-blank row has no short line. The national
    # by-LSOA file then costs one comparison, not a scan of its 65 MB.
    if first_row_long or _may_have_short_lines(table):
        raise_if_any(path, shape_problems(_bytes(path, data), where))
    header = [str(name).strip() for name in table.columns]
    # Blank lines are kept while reading so row numbers match the file, then dropped here.
    table.columns = pd.RangeIndex(len(header))
    table.index = pd.RangeIndex(2, len(table) + 2)
    table = table.fillna("")
    # Cells are stripped when a reader selects its columns (`Raw.select`): only those need it.
    table = table[(table != "").any(axis=1)]
    # pandas names a blank header "Unnamed: 0" (R writes one for its row index): show it as the file has it.
    header = ["" if name.startswith("Unnamed: ") else name for name in header]
    return Raw(path, header, table, where)


def _bytes(path: Path, data: bytes | None) -> bytes:
    return path.read_bytes() if data is None else data


def _may_have_short_lines(table: pd.DataFrame) -> bool:
    if table.shape[1] < 2:
        return False  # a line of a one-column file cannot lose a field without being blank
    blank_last = table.iloc[:, -1] == ""
    return bool(blank_last.any() and (table.loc[blank_last] != "").any(axis=None))


def _csv_as_text(path: Path, data: bytes | None, encoding: str, where: str) -> tuple[pd.DataFrame, bool]:
    """The table as pandas reads it, and whether pandas warned that the first data row had more fields
    than the header (and dropped them)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            # index_col=False: a first data row with an extra field must not become the row index (shifting
            # every column); pandas then warns, and `_fields` names the line (or accepts a trailing comma
            # on every row).
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # pandas reads a path itself (faster than from memory): the bytes are read only for a check.
            table = pd.read_csv(
                path if data is None else io.BytesIO(data), dtype=str, keep_default_na=False, skip_blank_lines=False, encoding=encoding,
                index_col=False,
            )
        return table, any(issubclass(w.category, pd.errors.ParserWarning) for w in caught)
    except pd.errors.EmptyDataError:
        raise DataFormatError(path, f"{where}no header row: the file holds only blank lines") from None
    except pd.errors.ParserError as error:
        # The shape check names the line and both field counts; pandas' own words are the fallback.
        problems = shape_problems(_bytes(path, data), where)
        if not problems:
            detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
            problems = [f"{where}not a well-formed CSV file: {detail}"]
        raise DataFormatError(path, problems) from None


def open_workbook(path: Path, member: str = "*.xlsx") -> Workbook:
    """An Excel workbook, or the one workbook named like `member` inside a ZIP archive (ODS ships ePCN
    zipped), opened from memory without extracting it (see `_workbook` for which engine reads it)."""
    try:
        data = Path(path).read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    data = archive.read(_one_member(path, archive, member))
    except (zipfile.BadZipFile, OSError) as error:
        raise DataFormatError(path, f"not an Excel workbook (.xlsx) that can be opened: {error}") from None
    return open_workbook_bytes(path, data)


def read_workbook_table(path: Path, columns: Columns) -> Raw:
    """The first sheet whose header row holds `columns` (sheet names change between releases: IMD2019's
    is 'IMD2019', IMD 2015's 'IMD 2015'), as text."""
    workbook = open_workbook(path)
    try:
        for sheet in workbook.sheetnames:
            header = workbook.header(sheet)
            if all(has_column([cell_text(c) for c in header], spellings) for spellings in columns.values()):
                return read_sheet(path, workbook, sheet, columns)
        found = ", ".join(f"'{name}'" for name in workbook.sheetnames)
        wanted = "; ".join(f"'{spellings[0]}'" for spellings in columns.values())
        raise DataFormatError(path, f"no sheet has the expected columns ({wanted}) in row 1 (sheets: {found})")
    finally:
        workbook.close()


def read_sheet(path: Path, workbook: Workbook, sheet: str, columns: Columns | None = None) -> Raw:
    """The cells of one sheet (found by `find_sheet`) as text, rows numbered as Excel shows them: every
    column, or only those of `columns` that the header holds (IMD's 32,844 rows: converting only what is
    needed saves time). Problems name the sheet as the workbook spells it."""
    sheet = find_sheet(path, workbook, sheet)
    where = f"sheet '{sheet}', "
    rows = workbook.rows(sheet)
    header = next(rows, None)
    if header is None or all(cell is None or cell == "" for cell in header):
        raise DataFormatError(path, f"sheet '{sheet}' is empty: expected a header row in row 1")
    names = [cell_text(cell) for cell in header]
    wanted = range(len(names))
    if columns is not None:
        wanted = sorted(match_header(names, columns)[0].values()) or wanted
    records, numbers = [], []
    # Both engines yield empty rows for gaps too, so counting from 2 gives the row numbers Excel shows.
    for number, row in enumerate(rows, start=2):
        cells = [cell_text(row[pos]) if pos < len(row) else "" for pos in wanted]
        if any(cells):
            records.append(cells)
            numbers.append(number)
    cells = pd.DataFrame(records, index=numbers, columns=list(wanted), dtype="str")
    return Raw(path, names, cells, where)


def sheet_key(name: str) -> str:
    """A sheet name as compared: case and spaces do not matter (ODS's `PCN Details` is `PCNDetails` from
    2022)."""
    return "".join(str(name).split()).casefold()


def find_sheet(path: Path, workbook: Workbook, sheet: str) -> str:
    """The workbook's own name for `sheet`: the exact name, else the first that differs only in case and
    spacing; a missing sheet is a DataFormatError listing the sheets there are."""
    if sheet in workbook.sheetnames:
        return sheet
    same = [name for name in workbook.sheetnames if sheet_key(name) == sheet_key(sheet)]
    if not same:
        found = ", ".join(f"'{name}'" for name in workbook.sheetnames)
        raise DataFormatError(path, f"missing sheet '{sheet}' (found sheets: {found})")
    return same[0]


def cell_text(value) -> str:
    """A cell as the text a person would type: 20191001 not 20191001.0, a real date as YYYYMMDD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        # A workbook re-saved by Excel may hold the YYYYMMDD columns as real dates.
        return value.strftime("%Y%m%d")
    return str(value).strip()
