"""What every reader shares: opening files as text, matching headers, checking values, reporting problems.

Format variants across releases live here and only here:

- `SPELLINGS`, the one table of the header spellings accepted for each column of each dataset. Headers
  are compared ignoring case and runs of whitespace, so only genuinely different spellings are listed.
- `open_table`, which decides what a file is from its bytes (not its name): a CSV (UTF-8 or Windows-1252),
  a ZIP archive holding exactly one matching CSV, or an Excel workbook where a publisher ships one.
  Anything else is refused with a message naming the file, what was expected and what was found.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers._workbook import Workbook, open_workbook_bytes

# Beyond this many problems of one kind, a message stops being read: list these and count the rest.
MAX_PROBLEMS = 20

# Code shapes. ODS: practices are a letter and 5 digits (A81001, Y02345), PCNs are U + 5 digits, CCGs
# (and their successor sub-ICB locations) 3 letters or digits (00L, 99A, 15N). ONS (2011 census
# geography): LSOAs E01 + 6 digits in England (W01 in Wales), MSOAs E02 (W02).
PRACTICE_CODE = r"[A-Z]\d{5}"
PCN_CODE = r"U\d{5}"
CCG_CODE = r"[0-9A-Z]{3}"
LSOA_CODE = r"E01\d{6}"
MSOA_CODE = r"E02\d{6}"
CCG_ONS_CODE = r"E38\d{6}"  # ONS's code of a CCG (E38000014): what the CCG boundary files key on
WELSH_LSOA_CODE = r"W01\d{6}"
WELSH_MSOA_CODE = r"W02\d{6}"

# Dates are stored in datetime64[ns] whatever the pandas version (pandas 3 would infer microseconds).
DATE_DTYPE = "datetime64[ns]"

Columns = Mapping[str, tuple[str, ...]]

# --- The one table of accepted header spellings ---------------------------------------------------------
# dataset (or dataset part) -> canonical column -> the spellings publishers have used, the usual one first
# (it is the one a "missing column" message names). Only the columns a reader needs are listed; any others
# in the file are ignored (including the unnamed index column R adds when it re-saves a CSV). To accept a
# renamed header in a later release, add the spelling here with the release that introduced it.
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "epcn/pcns": {
        "pcn_code": ("PCN Code",),
        "pcn_name": ("PCN Name",),
        "ccg_code": ("Current Clinical Commissioning Group Code",),
        "ccg_name": ("Clinical Commissioning Group Name",),
        "open_date": ("Open Date (YYYYMMDD)",),
        "close_date": ("Close Date",),
    },
    # The partner sheet's `PCN Name` and `Practice CCG and PCN CCG match?` are Excel formulas (VLOOKUP and
    # a comparison). A workbook saved by a program other than Excel has no cached values for them, so they
    # are not read: PCN names come from `PCN Details`.
    "epcn/members": {
        "practice_code": ("Partner Organisation Code",),
        "practice_name": ("Partner Name",),
        "practice_ccg_code": ("Practice Parent CCG Code",),
        "pcn_code": ("PCN Code",),
        "pcn_ccg_code": ("PCN Parent CCG Code",),
        "start_date": ("Practice to PCN Relationship Start Date",),
        "end_date": ("Practice to PCN Relationship End Date",),
    },
    "registrations": {
        "extract_date": ("EXTRACT_DATE",),
        "type": ("TYPE",),
        # July 2022 on: CCGs were replaced by sub-ICB locations, with codes of the same shape.
        "ccg_code": ("CCG_CODE", "SUB_ICB_LOCATION_CODE"),
        "practice_code": ("CODE",),
        "postcode": ("POSTCODE",),
        "sex": ("SEX",),
        "age": ("AGE",),
        "list_size": ("NUMBER_OF_PATIENTS",),
    },
    # NHS Digital's 5-year age bands by sex (gp-reg-pat-prac-quin-age.csv): one file for every level of
    # organisation, told apart by ORG_TYPE ('GP' for practices). TYPE and CODE are the all-persons file's
    # names for the same columns.
    "registrations-age/bands": {
        "org_type": ("ORG_TYPE", "TYPE"),
        "practice_code": ("ORG_CODE", "CODE"),
        "sex": ("SEX",),
        "age_group": ("AGE_GROUP_5",),
        "patients": ("NUMBER_OF_PATIENTS",),
    },
    # A third party's wide file derived from the same publication (PRACTICE_CODE, TOTAL, ..., 65OV, 65OV%).
    "registrations-age/wide": {
        "practice_code": ("PRACTICE_CODE",),
        "list_size": ("TOTAL",),
        "aged_65_plus": ("65OV",),
    },
    "registrations-lsoa": {
        "practice_code": ("PRACTICE_CODE",),
        "lsoa_code": ("LSOA_CODE",),
        "sex": ("SEX",),
        # The publisher has used both of the first two; the third is R's make.names() of the second.
        "patients": ("NUMBER_OF_PATIENTS", "Number of Patients", "Number.of.Patients"),
    },
    "payments": {
        "region_code": ("NHS England (Region) code",),
        "region_name": ("NHS England (Region) Name",),
        "ccg_code": ("CCG Code",),
        "ccg_name": ("CCG NAME",),
        "pcn_code": ("PCN Code",),
        "pcn_name": ("PCN Name",),
        "practice_code": ("Practice Code",),
        "practice_name": ("Practice Name",),
        "practice_rurality": ("Practice Rurality",),
        "registered_patients": ("Number of Registered Patients (Last Known Figure)",),
        "weighted_patients": ("Number of Weighted Patients (Last Known Figure)",),
    },
    "qof-prevalence": {
        "practice_code": ("PRACTICE_CODE",),
        # 2023-24 on: GROUP_CODE and PRACTICE_LIST_SIZE.
        "indicator": ("INDICATOR_GROUP_CODE", "GROUP_CODE"),
        "register": ("REGISTER",),
        "list_type": ("PATIENT_LIST_TYPE",),
        "list_size": ("PATIENT_LIST_SIZE", "PRACTICE_LIST_SIZE"),
    },
    "practice-ccg": {
        "practice_code": ("PRACTICE_CODE",),
        "practice_name": ("PRACTICE_NAME",),
        "pcn_code": ("PCN_ODS_CODE",),
        "pcn_name": ("PCN_NAME",),
        "ccg_code": ("CCG_ODS_CODE",),
        "ccg_ons_code": ("CCG_ONS_CODE",),
        "ccg_name": ("CCG_NAME",),
        "stp_code": ("STP_ODS_CODE",),
        "region_code": ("REGION_ODS_CODE",),
        "region_name": ("REGION_NAME",),
    },
    # File 1 (xlsx, sheet IMD2019) and File 7 (the CSV of all the indices) spell rank and decile differently.
    "imd": {
        "lsoa_code": ("LSOA code (2011)",),
        "imd_rank": (
            "Index of Multiple Deprivation (IMD) Rank",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        ),
        "imd_decile": (
            "Index of Multiple Deprivation (IMD) Decile",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
        ),
    },
    # ONS names the LSOA column LSOA11CD; the copy in the project's test data renamed it `lsoa`.
    "ruc": {
        "lsoa_code": ("LSOA11CD", "lsoa"),
        "ruc_code": ("RUC11CD",),
        "ruc_name": ("RUC11",),
    },
    # The third-party lookup (LSOA_CODE, MSOA_CODE) and ONS's own output-area lookups (LSOA11CD, MSOA11CD).
    "lsoa-msoa": {
        "lsoa_code": ("LSOA_CODE", "LSOA11CD"),
        "msoa_code": ("MSOA_CODE", "MSOA11CD"),
    },
    # ONS boundary files (GeoJSON): the feature properties, named by census year. ONS's downloads use upper
    # case (MSOA11CD), its newer ones lower case (msoa11cd; case does not matter here); some republished
    # copies spell them msoa11_code / msoa11_name.
    "boundaries-msoa": {"code": ("MSOA11CD", "msoa11_code"), "name": ("MSOA11NM", "msoa11_name")},
    "boundaries-lsoa": {"code": ("LSOA11CD", "lsoa11_code"), "name": ("LSOA11NM", "lsoa11_name")},
    "boundaries-ccg": {"code": ("CCG20CD", "ccg20_code"), "name": ("CCG20NM", "ccg20_name")},
    # No publisher: the project's own documented format (data/catalogue.yaml).
    "federations": {
        "practice_code": ("practice_code",),
        "venture_id": ("venture_id",),
        "venture_name": ("venture_name",),
        "venture_type": ("venture_type",),
    },
}


def normalised(header: str) -> str:
    """A header as compared: case and runs of whitespace (including at the ends) do not matter."""
    return " ".join(str(header).split()).casefold()


def stripped(cells: pd.Series) -> pd.Series:
    """`cells` without surrounding whitespace. Worked out once a distinct value: without pyarrow, pandas'
    string methods loop in Python, and a national file repeats each code thousands of times."""
    changed = {value: value.strip() for value in cells.unique() if value != value.strip()}
    return cells.replace(changed) if changed else cells


def match_header(found: Sequence[str], columns: Columns, where: str = "") -> tuple[dict[str, int], list[str]]:
    """Map each canonical column to its position in the header, accepting any of its listed spellings."""
    positions_of = {}
    for position, header in enumerate(found):
        positions_of.setdefault(normalised(header), position)  # a repeated header: the first one counts
    positions, problems = {}, []
    for name, spellings in columns.items():
        position = next((positions_of[normalised(s)] for s in spellings if normalised(s) in positions_of), None)
        if position is None:
            # Name the usual spelling, any alternatives, and the whole header, so a renamed column shows.
            expected = "; ".join(f"'{accepted[0]}'" for accepted in columns.values())
            present = "; ".join(f"'{header}'" for header in found)
            also = f" (or {', '.join(repr(other) for other in spellings[1:])})" if spellings[1:] else ""
            problems.append(
                f"{where}missing column '{spellings[0]}'{also} (expected columns: {expected}; found: {present})"
            )
        else:
            positions[name] = position
    return positions, problems


def has_column(found: Sequence[str], spellings: Iterable[str]) -> bool:
    present = {normalised(header) for header in found}
    return any(normalised(s) in present for s in spellings)


# --- Tables of text cells --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A table as read: every cell as stripped text, `header` as the file spells it, rows indexed by the
    row number a person sees in a spreadsheet or text editor (header = row 1). Blank rows are dropped."""

    path: Path  # the file the user named (for a zipped CSV, the archive)
    header: list[str]
    cells: pd.DataFrame  # columns are positions 0..n-1, so a repeated or blank header is harmless
    where: str = ""  # what prefixes each problem: "member 'x.csv', " or "sheet 'X', "

    def select(self, columns: Columns) -> Rows:
        """The columns a reader needs, by canonical name; every missing one is reported at once."""
        rows, problems = self.try_select(columns)
        raise_if_any(self.path, problems)
        return rows

    def try_select(self, columns: Columns) -> tuple[Rows | None, list[str]]:
        """As `select`, returning the problems instead of raising (to report several tables at once)."""
        # "sheet 'X': missing column ..." reads better than "sheet 'X', missing column ...".
        positions, problems = match_header(self.header, columns, self.where[:-2] + ": " if self.where else "")
        if problems:
            return None, problems
        # Checked after the header, which is the more fundamental problem.
        if self.cells.empty:
            if self.where.startswith("sheet "):
                return None, [f"{self.where[:-2]} has no data rows: the header row has nothing under it"]
            return None, [f"{self.where}no data rows: the file has a header row but nothing under it"]
        frame = pd.DataFrame(
            {name: stripped(self.cells[pos]) for name, pos in positions.items()}, index=self.cells.index
        )
        return Rows(self.path, frame, {name: self.header[pos] for name, pos in positions.items()}, self.where), []


@dataclass(frozen=True)
class Rows:
    """The columns a reader needs, as text, under canonical names; `headers` keeps the file's own names,
    which every problem quotes."""

    path: Path
    frame: pd.DataFrame
    headers: Mapping[str, str]
    where: str = ""

    def keep(self, mask: pd.Series) -> Rows:
        return replace(self, frame=self.frame[mask])

    def schema_problems(self, schema: pa.DataFrameSchema) -> list[str]:
        return schema_problems(self.frame, schema, self.headers, self.where)

    def duplicate_problems(self, keys: str | Sequence[str], what: str) -> list[str]:
        return duplicate_problems(self.frame, keys, what, self.headers, self.where)

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]


# --- Opening files -------------------------------------------------------------------------------------

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
    """Every cell of a CSV as stripped text. `data` is the file's bytes when they come from an archive."""
    try:
        table = _csv_as_text(path, data, "utf-8-sig", where)
    except UnicodeDecodeError:
        # A CSV re-saved by Excel on Windows is Windows-1252, not UTF-8; try that before giving up.
        try:
            table = _csv_as_text(path, data, "cp1252", where)
        except UnicodeDecodeError:
            raise DataFormatError(path, f"{where}not a text file: expected UTF-8 or Windows-1252 CSV") from None
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


def _csv_as_text(path: Path, data: bytes | None, encoding: str, where: str) -> pd.DataFrame:
    source = path if data is None else io.BytesIO(data)
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise DataFormatError(path, f"{where}no header row: the file holds only blank lines") from None
    except pd.errors.ParserError as error:
        # pandas counts lines from 1 including the header, as a text editor does ("Expected 10 fields in
        # line 14, saw 11"); its tokenizer prefix means nothing to a user.
        detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
        raise DataFormatError(path, f"{where}not a well-formed CSV file: {detail}") from None
    if not isinstance(table.index, pd.RangeIndex):
        # When the first data row has more fields than the header, pandas silently takes the extra
        # leading fields as the row index, shifting every column: refuse rather than misread.
        raise DataFormatError(
            path,
            f"{where}not a well-formed CSV file: row 2 has more fields than the header row's "
            f"{len(table.columns)}; expected one field a column",
        )
    return table


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
    """The cells of one sheet as text, rows numbered as Excel shows them: every column, or only those of
    `columns` that the header holds (IMD's 32,844 rows: converting only what is needed saves time)."""
    where = f"sheet '{sheet}', "
    if sheet not in workbook.sheetnames:
        found = ", ".join(f"'{name}'" for name in workbook.sheetnames)
        raise DataFormatError(path, f"missing sheet '{sheet}' (found sheets: {found})")
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


# --- Value checks on text cells ------------------------------------------------------------------------
# Every check gets `error=` set to what was expected: pandera reports it as the failure's `check`, and
# `schema_problems` turns it into "expected <error>".


def matches(pattern: str, expected: str, *, blank_ok: bool = False) -> pa.Check:
    if blank_ok:
        pattern = f"(?:{pattern})?"

    def valid(cells: pd.Series) -> pd.Series:
        # The regex runs once a distinct value (see `stripped`): 800,000 LSOA rows hold ~33,000 codes.
        distinct = pd.Series(cells.unique(), dtype="str")
        return cells.isin(distinct[distinct.str.fullmatch(pattern)])

    return pa.Check(valid, error=expected)


def one_of(values: Iterable[str], expected: str) -> pa.Check:
    allowed = list(values)
    return pa.Check(lambda cells: cells.isin(allowed), error=expected)


def date_check(fmt: str, expected: str, *, blank_ok: bool = False) -> pa.Check:
    # A regex would accept 20191340; parsing rejects impossible dates too.
    def valid(s: pd.Series) -> pd.Series:
        ok = pd.to_datetime(s, format=fmt, errors="coerce").notna()
        return ok | (s == "") if blank_ok else ok

    return pa.Check(valid, error=expected)


def text_schema(checks: Mapping[str, pa.Check | list[pa.Check]]) -> pa.DataFrameSchema:
    # Frames hold text only (see `read_csv`, `read_sheet`), so no dtype is checked, just the values.
    return pa.DataFrameSchema({name: pa.Column(checks=check) for name, check in checks.items()})


NOT_BLANK = matches(r".+", "a value (not blank)")
PRACTICE = matches(PRACTICE_CODE, "a practice code: a letter and 5 digits, like A81001")
PCN = matches(PCN_CODE, "a PCN code: U and 5 digits, like U12345")
CCG = matches(CCG_CODE, "a CCG code: 3 letters or digits, like 00L")
CCG_ONS = matches(CCG_ONS_CODE, "a CCG's ONS code: E38 and 6 digits, like E38000014")
LSOA = matches(LSOA_CODE, "an English LSOA code: E01 and 6 digits, like E01000001")
MSOA = matches(MSOA_CODE, "an English MSOA code: E02 and 6 digits, like E02000001")
WHOLE_NUMBER = matches(r"\d+", "a whole number >= 0")
YYYYMMDD = date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001")
YYYYMMDD_OR_BLANK = date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001, or blank", blank_ok=True)
# Thousands separators appear in some releases' figures ("12,345.5"); blanks mean "not known".
NUMBER_OR_BLANK = matches(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+",
    "a number >= 0 (thousands separators allowed) or blank",
    blank_ok=True,
)


# --- Problems ------------------------------------------------------------------------------------------


def schema_problems(
    table: pd.DataFrame, schema: pa.DataFrameSchema, headers: Mapping[str, str], where: str = ""
) -> list[str]:
    """Every cell failing the schema, as 'row N, column 'X': expected ..., found ...', capped per check."""
    try:
        schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
    else:
        return []
    problems = []
    for (column, expected), cases in failures.groupby(["column", "check"], sort=False):
        header = headers.get(column, column)
        cases = cases.sort_values("index", kind="stable")  # pandera does not keep file order
        lines = [
            f"{where}row {row}, column '{header}': expected {expected}, found {shown(value)}"
            for row, value in zip(cases["index"], cases["failure_case"])
        ]
        problems += capped(lines, f"in column '{header}' with the same problem")
    return problems


def duplicate_problems(
    table: pd.DataFrame, keys: str | Sequence[str], what: str, headers: Mapping[str, str], where: str = ""
) -> list[str]:
    """Each key value (or combination) on more than one row, with its rows, in file order."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    names = ", ".join(f"'{headers.get(key, key)}'" for key in keys)
    label = f"column {names}" if len(keys) == 1 else f"columns {names}"
    lines = []
    for value, group in repeated(table, keys):
        shown_value = f"'{value}'" if len(keys) == 1 else ", ".join(f"'{v}'" for v in value)
        lines.append(f"{where}{label}: {what} {shown_value} appears in rows {row_list(group.index)}; expected once")
    return capped(lines, f"repeated {what}s")


def repeated(table: pd.DataFrame, keys: str | Sequence[str]) -> Iterable[tuple]:
    """(value, its rows) for each value of `keys` on more than one row, in file order. Vectorised first:
    on a national file almost nothing repeats, so only the repeats are grouped."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    if len(keys) == 1:
        rows = table[table[keys[0]].duplicated(keep=False) & (table[keys[0]] != "")]
        return rows.groupby(keys[0], sort=False)
    rows = table[table.duplicated(subset=keys, keep=False)]
    return rows.groupby(keys, sort=False)


def capped(lines: list[str], rest: str) -> list[str]:
    if len(lines) <= MAX_PROBLEMS:
        return lines
    return lines[:MAX_PROBLEMS] + [f"... and {len(lines) - MAX_PROBLEMS} more {rest}"]


def row_list(numbers: Iterable[int]) -> str:
    numbers = [str(n) for n in numbers]
    return ", ".join(numbers[:-1]) + " and " + numbers[-1]


def shown(value) -> str:
    return "a blank cell" if value == "" or pd.isna(value) else repr(str(value))


def raise_if_any(path: Path, problems: list[str]) -> None:
    if problems:
        raise DataFormatError(path, problems)


# --- Conversions (on validated text only) --------------------------------------------------------------


def to_dates(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt).astype(DATE_DTYPE)


def to_numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False).replace("", None)).astype("Float64")


def to_int(text: pd.Series) -> pd.Series:
    return text.astype("int64")


def tidy(table: pd.DataFrame, keep: list[str], **columns: pd.Series) -> pd.DataFrame:
    """`keep` columns of `table` then `columns`, in that order, with a fresh 0..n-1 index."""
    out = table[keep].assign(**columns)
    return out[keep + list(columns)].reset_index(drop=True)
