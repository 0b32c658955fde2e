"""Readers: a publisher's own file format -> a validated, tidy pandas table.

Each reader works the same way:

1. check the file exists and is not empty;
2. read every cell as text (so nothing is silently coerced: '1,234', 'abc' and '' all survive to be judged);
3. match the header against the columns the reader needs (`_match_header`), reporting every missing one;
4. validate the values with a pandera schema, lazily so every bad cell is collected, plus explicit checks
   that span rows (duplicates, cross-references), which pandera cannot describe well;
5. only then convert types and return the tidy table.

Any problem raises `DataFormatError(path, problems)`. A problem names the row as a person sees it in a
spreadsheet or text editor (header = row 1, first data row = row 2), the publisher's column name, what was
expected and what was found. No pandas, pandera or openpyxl traceback reaches the user for a bad file.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.pandas as pa
from openpyxl.utils.exceptions import InvalidFileException

from pcnreport.errors import DataFormatError

__all__ = ["Epcn", "read_epcn", "read_registrations", "read_payments"]

# Beyond this many problems of one kind, a message stops being read: list these and count the rest.
MAX_PROBLEMS = 20

# Organisation code shapes (ODS): practices are a letter and 5 digits (A81001, Y02345), PCNs are U + 5
# digits, CCGs (and their successor sub-ICB locations) 3 letters or digits (00L, 99A, 15N).
PRACTICE_CODE = r"[A-Z]\d{5}"
PCN_CODE = r"U\d{5}"
CCG_CODE = r"[0-9A-Z]{3}"

# The payments file writes this instead of a PCN code (and name) for practices outside any PCN.
NO_PCN = "Unknown or no PCN"
# ... and this for a practice whose rurality is not known.
NO_RURALITY = "MISSING"

# Dates are stored in datetime64[ns] whatever the pandas version (pandas 3 would infer microseconds).
DATE_DTYPE = "datetime64[ns]"


# --- Column specs: canonical name -> the header spellings accepted for it ------------------------------
# Only the columns a reader needs are listed; any others in the file are ignored. Spellings are the
# publishers' own, matched exactly. To accept a renamed or re-cased header in a later release, add its
# spelling to the tuple: `_match_header` is the only place that reads these.

EPCN_PCN_SHEET = "PCN Details"
EPCN_PCN_COLUMNS = {
    "pcn_code": ("PCN Code",),
    "pcn_name": ("PCN Name",),
    "ccg_code": ("Current Clinical Commissioning Group Code",),
    "ccg_name": ("Clinical Commissioning Group Name",),
    "open_date": ("Open Date (YYYYMMDD)",),
    "close_date": ("Close Date",),
}

# The partner sheet's `PCN Name` and `Practice CCG and PCN CCG match?` are Excel formulas (VLOOKUP and a
# comparison). A workbook saved by a program other than Excel has no cached values for them, so they are
# not read: PCN names come from `PCN Details`.
EPCN_MEMBER_SHEET = "PCN Core Partner Details"
EPCN_MEMBER_COLUMNS = {
    "practice_code": ("Partner Organisation Code",),
    "practice_name": ("Partner Name",),
    "practice_ccg_code": ("Practice Parent CCG Code",),
    "pcn_code": ("PCN Code",),
    "pcn_ccg_code": ("PCN Parent CCG Code",),
    "start_date": ("Practice to PCN Relationship Start Date",),
    "end_date": ("Practice to PCN Relationship End Date",),
}

REGISTRATIONS_COLUMNS = {
    "extract_date": ("EXTRACT_DATE",),
    "type": ("TYPE",),
    "ccg_code": ("CCG_CODE",),
    "practice_code": ("CODE",),
    "postcode": ("POSTCODE",),
    "sex": ("SEX",),
    "age": ("AGE",),
    "list_size": ("NUMBER_OF_PATIENTS",),
}

PAYMENTS_COLUMNS = {
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
}


# --- Value checks on text cells ------------------------------------------------------------------------
# Every check gets `error=` set to what was expected: pandera reports it as the failure's `check`, and
# `_schema_problems` turns it into "expected <error>".


def _matches(pattern: str, expected: str, *, blank_ok: bool = False) -> pa.Check:
    if blank_ok:
        pattern = f"(?:{pattern})?"
    return pa.Check(lambda s: s.str.fullmatch(pattern), error=expected)


def _date_check(fmt: str, expected: str, *, blank_ok: bool = False) -> pa.Check:
    # A regex would accept 20191340; parsing rejects impossible dates too.
    def valid(s: pd.Series) -> pd.Series:
        ok = pd.to_datetime(s, format=fmt, errors="coerce").notna()
        return ok | (s == "") if blank_ok else ok

    return pa.Check(valid, error=expected)


def _text_schema(checks: Mapping[str, pa.Check | list[pa.Check]]) -> pa.DataFrameSchema:
    # Frames hold text only (see `_read_csv`, `_read_sheet`), so no dtype is checked, just the values.
    return pa.DataFrameSchema({name: pa.Column(checks=check) for name, check in checks.items()})


_NOT_BLANK = _matches(r".+", "a value (not blank)")
_PRACTICE = _matches(PRACTICE_CODE, "a practice code: a letter and 5 digits, like A81001")
_PCN = _matches(PCN_CODE, "a PCN code: U and 5 digits, like U12345")
_CCG = _matches(CCG_CODE, "a CCG code: 3 letters or digits, like 00L")
_YYYYMMDD = _date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001")
_YYYYMMDD_OR_BLANK = _date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001, or blank", blank_ok=True)
# Thousands separators appear in some releases' figures ("12,345.5"); blanks mean "not known".
_NUMBER_OR_BLANK = _matches(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+",
    "a number >= 0 (thousands separators allowed) or blank",
    blank_ok=True,
)

EPCN_PCN_SCHEMA = _text_schema(
    {
        "pcn_code": _PCN,
        "pcn_name": _NOT_BLANK,
        "ccg_code": _CCG,
        "ccg_name": _NOT_BLANK,
        "open_date": _YYYYMMDD,
        "close_date": _YYYYMMDD_OR_BLANK,
    }
)
EPCN_MEMBER_SCHEMA = _text_schema(
    {
        "practice_code": _PRACTICE,
        "practice_name": _NOT_BLANK,
        "practice_ccg_code": _CCG,
        "pcn_code": _PCN,
        "pcn_ccg_code": _CCG,
        "start_date": _YYYYMMDD,
        "end_date": _YYYYMMDD_OR_BLANK,
    }
)
REGISTRATIONS_SCHEMA = _text_schema(
    {
        "extract_date": _date_check("%d%b%Y", "a date like 01JAN2021"),
        "ccg_code": _CCG,
        "practice_code": _PRACTICE,
        "list_size": _matches(r"\d+", "a whole number >= 0"),
    }
)
PAYMENTS_SCHEMA = _text_schema(
    {
        "region_code": _NOT_BLANK,
        "ccg_code": _CCG,
        "pcn_code": _matches(
            f"{PCN_CODE}|{NO_PCN}", f"a PCN code like U12345, '{NO_PCN}' or blank", blank_ok=True
        ),
        "practice_code": _PRACTICE,
        "registered_patients": _NUMBER_OR_BLANK,
        "weighted_patients": _NUMBER_OR_BLANK,
    }
)


# --- Public API ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Epcn:
    """The ePCN extract: PCNs and the core partner practices that make them up."""

    pcns: pd.DataFrame  # pcn_code, pcn_name, ccg_code, ccg_name, open_date
    # practice_code, practice_name, pcn_code, practice_ccg_code, pcn_ccg_code, start_date
    members: pd.DataFrame


def read_epcn(path, *, as_of: dt.date | str | None = None) -> Epcn:
    """Read NHS Digital's ePCN workbook (sheets `PCN Details` and `PCN Core Partner Details`).

    Only current PCNs and relationships are kept. The workbook carries no extract date, so by default
    "current" means no close / end date; pass `as_of` to instead keep those open on that day (started on
    or before it, and not ended or closed by it). A practice may then be in one PCN only.
    """
    path = _existing_file(path)
    workbook = _open_workbook(path)
    try:
        pcns, pcn_problems = _read_sheet(workbook, EPCN_PCN_SHEET, EPCN_PCN_COLUMNS)
        members, member_problems = _read_sheet(workbook, EPCN_MEMBER_SHEET, EPCN_MEMBER_COLUMNS)
    finally:
        workbook.close()
    # Both sheets are reported at once: a user fixing the file should see everything in one go.
    _raise_if_any(path, pcn_problems + member_problems)

    pcn_where, member_where = f"sheet '{EPCN_PCN_SHEET}', ", f"sheet '{EPCN_MEMBER_SHEET}', "
    _raise_if_any(
        path,
        _schema_problems(pcns, EPCN_PCN_SCHEMA, EPCN_PCN_COLUMNS, pcn_where)
        + _schema_problems(members, EPCN_MEMBER_SCHEMA, EPCN_MEMBER_COLUMNS, member_where),
    )
    _raise_if_any(path, _duplicate_problems(pcns, "pcn_code", "PCN code", EPCN_PCN_COLUMNS, pcn_where))

    pcns = pcns[_current(pcns, "open_date", "close_date", as_of)]
    members = members[_current(members, "start_date", "end_date", as_of)]
    _raise_if_any(path, _epcn_membership_problems(pcns, members, member_where))

    return Epcn(
        pcns=_tidy(
            pcns,
            ["pcn_code", "pcn_name", "ccg_code", "ccg_name"],
            open_date=_to_dates(pcns["open_date"], "%Y%m%d"),
        ),
        members=_tidy(
            members,
            ["practice_code", "practice_name", "pcn_code", "practice_ccg_code", "pcn_ccg_code"],
            start_date=_to_dates(members["start_date"], "%Y%m%d"),
        ),
    )


def read_registrations(path) -> pd.DataFrame:
    """Read NHS Digital's "Patients Registered at a GP Practice" all-persons file (gp-reg-pat-prac-all.csv).

    Keeps practices' all-persons rows (TYPE 'GP', SEX 'ALL', AGE 'ALL'). Returns one row a practice:
    practice_code, ccg_code, postcode, extract_date (datetime64), list_size (int64).
    """
    path = _existing_file(path)
    raw = _read_csv(path, REGISTRATIONS_COLUMNS)
    rows = raw[(raw["type"] == "GP") & (raw["sex"] == "ALL") & (raw["age"] == "ALL")]
    if rows.empty:
        _raise_if_any(path, ["no practice rows: expected rows with TYPE 'GP', SEX 'ALL' and AGE 'ALL'"])
    _raise_if_any(
        path,
        _schema_problems(rows, REGISTRATIONS_SCHEMA, REGISTRATIONS_COLUMNS)
        + _duplicate_problems(rows, "practice_code", "practice code", REGISTRATIONS_COLUMNS),
    )
    return _tidy(
        rows,
        ["practice_code", "ccg_code"],
        postcode=rows["postcode"].replace("", pd.NA).astype("str"),
        extract_date=_to_dates(rows["extract_date"], "%d%b%Y"),
        list_size=rows["list_size"].astype("int64"),
    )


def read_payments(path) -> pd.DataFrame:
    """Read NHS Digital's "NHS Payments to General Practice" CSV: one row a practice.

    Returns region_code, region_name, ccg_code, ccg_name, pcn_code, pcn_name, practice_code,
    practice_name, practice_rurality, registered_patients, weighted_patients. The publisher's placeholders
    become missing values: pcn_code and pcn_name 'Unknown or no PCN', practice_rurality 'MISSING'.
    Both patient counts are Float64: the publisher's registered figure has a fractional part for most
    practices (9023.5; 5,148 of 7,001 rows in 2019-20), which Int64 would have to round away.
    """
    path = _existing_file(path)
    rows = _read_csv(path, PAYMENTS_COLUMNS)
    _raise_if_any(
        path,
        _schema_problems(rows, PAYMENTS_SCHEMA, PAYMENTS_COLUMNS)
        + _duplicate_problems(rows, "practice_code", "practice code", PAYMENTS_COLUMNS),
    )
    no_pcn = rows["pcn_code"].isin([NO_PCN, ""])
    return _tidy(
        rows,
        ["region_code", "region_name", "ccg_code", "ccg_name"],
        pcn_code=rows["pcn_code"].mask(no_pcn).astype("str"),
        pcn_name=rows["pcn_name"].mask(no_pcn | (rows["pcn_name"] == NO_PCN)).astype("str"),
        practice_code=rows["practice_code"],
        practice_name=rows["practice_name"],
        practice_rurality=rows["practice_rurality"].replace({NO_RURALITY: pd.NA, "": pd.NA}).astype("str"),
        registered_patients=_to_numbers(rows["registered_patients"]),
        weighted_patients=_to_numbers(rows["weighted_patients"]),
    )


# --- Opening files -------------------------------------------------------------------------------------


def _existing_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataFormatError(path, "file not found")
    if not path.is_file():
        raise DataFormatError(path, "not a file (is it a folder?)")
    if path.stat().st_size == 0:
        raise DataFormatError(path, "the file is empty (0 bytes): expected a header row and data rows")
    return path


def _read_csv(path: Path, columns: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    """The needed columns as text, renamed to canonical names, indexed by spreadsheet row number."""
    try:
        table = _csv_as_text(path, "utf-8-sig")
    except UnicodeDecodeError:
        # A CSV re-saved by Excel on Windows is Windows-1252, not UTF-8; try that before giving up.
        try:
            table = _csv_as_text(path, "cp1252")
        except UnicodeDecodeError:
            raise DataFormatError(path, "not a text file: expected UTF-8 or Windows-1252 CSV") from None
    positions, problems = _match_header(list(table.columns), columns)
    _raise_if_any(path, problems)
    # Blank lines are kept while reading so row numbers match the file, then dropped here.
    table.index = pd.RangeIndex(2, len(table) + 2)
    table = table.fillna("")
    table = table[(table != "").any(axis=1)]
    if table.empty:
        _raise_if_any(path, ["no data rows: the file has a header row but nothing under it"])
    return pd.DataFrame(
        {name: table.iloc[:, pos].str.strip() for name, pos in positions.items()}, index=table.index
    )


def _csv_as_text(path: Path, encoding: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise DataFormatError(path, "no header row: the file holds only blank lines") from None
    except pd.errors.ParserError as error:
        # pandas counts lines from 1 including the header, as a text editor does ("Expected 10 fields in
        # line 14, saw 11"); its tokenizer prefix means nothing to a user.
        detail = str(error).replace("Error tokenizing data. C error: ", "").strip()
        raise DataFormatError(path, f"not a well-formed CSV file: {detail}") from None
    if not isinstance(table.index, pd.RangeIndex):
        # When the first data row has more fields than the header, pandas silently takes the extra
        # leading fields as the row index, shifting every column: refuse rather than misread.
        raise DataFormatError(
            path,
            f"not a well-formed CSV file: row 2 has more fields than the header row's {len(table.columns)}; "
            "expected one field a column",
        )
    return table


def _open_workbook(path: Path):
    try:
        # read_only streams the XML (the real 8,000-row workbook in under ~1 s, a little faster than
        # pandas.read_excel); data_only gives formulas' cached results, or None when there are none.
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise DataFormatError(path, f"not an Excel workbook (.xlsx) that can be opened: {error}") from None


def _read_sheet(workbook, sheet: str, columns: Mapping[str, tuple[str, ...]]):
    """(table of text cells indexed by row number, problems) for the needed columns of one sheet."""
    if sheet not in workbook.sheetnames:
        found = ", ".join(f"'{name}'" for name in workbook.sheetnames)
        return None, [f"missing sheet '{sheet}' (found sheets: {found})"]
    rows = workbook[sheet].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(cell is None for cell in header):
        return None, [f"sheet '{sheet}' is empty: expected a header row in row 1"]
    positions, problems = _match_header([_cell_text(cell) for cell in header], columns, f"sheet '{sheet}': ")
    if problems:
        return None, problems
    records, numbers = [], []
    # openpyxl yields empty rows for gaps too, so counting from 2 gives the row numbers Excel shows.
    for number, row in enumerate(rows, start=2):
        cells = [row[pos] if pos < len(row) else None for pos in positions.values()]
        if any(cell is not None and cell != "" for cell in cells):
            records.append([_cell_text(cell) for cell in cells])
            numbers.append(number)
    if not records:
        return None, [f"sheet '{sheet}' has no data rows: the header row has nothing under it"]
    return pd.DataFrame(records, columns=list(positions), index=numbers, dtype="str"), []


def _cell_text(value) -> str:
    """A cell as the text a person would type: 20191001 not 20191001.0, a real date as YYYYMMDD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        # A workbook re-saved by Excel may hold the YYYYMMDD columns as real dates.
        return value.strftime("%Y%m%d")
    return str(value).strip()


def _match_header(
    found: list[str], columns: Mapping[str, tuple[str, ...]], where: str = ""
) -> tuple[dict[str, int], list[str]]:
    """Map each canonical column to its position in the header, accepting any of its listed spellings."""
    positions, problems = {}, []
    for name, spellings in columns.items():
        position = next((found.index(s) for s in spellings if s in found), None)
        if position is None:
            # Name the usual spelling, any alternatives, and the whole header, so a renamed column shows.
            expected = "; ".join(f"'{accepted[0]}'" for accepted in columns.values())
            present = "; ".join(f"'{header}'" for header in found)
            also = "".join(f" (or '{other}')" for other in spellings[1:])
            problems.append(
                f"{where}missing column '{spellings[0]}'{also} "
                f"(expected columns: {expected}; found: {present})"
            )
        else:
            positions[name] = position
    return positions, problems


# --- Problems ------------------------------------------------------------------------------------------


def _schema_problems(
    table: pd.DataFrame, schema: pa.DataFrameSchema, columns: Mapping[str, tuple[str, ...]], where: str = ""
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
        header = columns[column][0] if column in columns else column
        cases = cases.sort_values("index", kind="stable")  # pandera does not keep file order
        lines = [
            f"{where}row {row}, column '{header}': expected {expected}, found {_shown(value)}"
            for row, value in zip(cases["index"], cases["failure_case"])
        ]
        problems += _capped(lines, f"in column '{header}' with the same problem")
    return problems


def _duplicate_problems(
    table: pd.DataFrame, column: str, what: str, columns: Mapping[str, tuple[str, ...]], where: str = ""
) -> list[str]:
    header = columns[column][0]
    lines = [
        f"{where}column '{header}': {what} '{code}' appears in rows {_rows(group.index)}; expected once"
        for code, group in _repeated(table, column)
    ]
    return _capped(lines, f"repeated {what}s")


def _epcn_membership_problems(pcns: pd.DataFrame, members: pd.DataFrame, where: str) -> list[str]:
    """Current members must point at a current PCN in PCN Details, and a practice be in one PCN at once."""
    pcn_header = EPCN_MEMBER_COLUMNS["pcn_code"][0]
    unknown = members[~members["pcn_code"].isin(pcns["pcn_code"])]
    problems = _capped(
        [
            f"{where}row {row}, column '{pcn_header}': expected a PCN listed (and open) in sheet "
            f"'{EPCN_PCN_SHEET}', found '{code}'"
            for row, code in unknown["pcn_code"].items()
        ],
        "rows with a PCN not in the PCN list",
    )
    lines = []
    for practice, group in _repeated(members, "practice_code"):
        if group["pcn_code"].nunique() == 1:
            lines.append(
                f"{where}practice '{practice}' is listed more than once in PCN '{group['pcn_code'].iloc[0]}' "
                f"(rows {_rows(group.index)}); expected once"
            )
        else:
            places = " and ".join(f"'{pcn}' (row {row})" for row, pcn in group["pcn_code"].items())
            lines.append(
                f"{where}practice '{practice}' is in two PCNs at once: {places}; "
                "expected one current PCN a practice (an earlier relationship needs an end date)"
            )
    return problems + _capped(lines, "practices in more than one PCN")


def _repeated(table: pd.DataFrame, column: str) -> Iterable[tuple[str, pd.DataFrame]]:
    """(value, its rows) for each value of `column` on more than one row, in file order."""
    repeated = table[table[column].duplicated(keep=False) & (table[column] != "")]
    return repeated.groupby(column, sort=False)


def _capped(lines: list[str], rest: str) -> list[str]:
    if len(lines) <= MAX_PROBLEMS:
        return lines
    return lines[:MAX_PROBLEMS] + [f"... and {len(lines) - MAX_PROBLEMS} more {rest}"]


def _rows(numbers: Iterable[int]) -> str:
    numbers = [str(n) for n in numbers]
    return ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _shown(value) -> str:
    return "a blank cell" if value == "" or pd.isna(value) else repr(str(value))


def _raise_if_any(path: Path, problems: list[str]) -> None:
    if problems:
        raise DataFormatError(path, problems)


# --- Conversions (on validated text only) --------------------------------------------------------------


def _current(table: pd.DataFrame, start: str, end: str, as_of) -> pd.Series:
    if as_of is None:
        return table[end] == ""
    day = pd.Timestamp(as_of)
    started = _to_dates(table[start], "%Y%m%d") <= day
    not_ended = (table[end] == "") | (pd.to_datetime(table[end], format="%Y%m%d", errors="coerce") > day)
    return started & not_ended


def _to_dates(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt).astype(DATE_DTYPE)


def _to_numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False).replace("", None)).astype("Float64")


def _tidy(table: pd.DataFrame, keep: list[str], **columns: pd.Series) -> pd.DataFrame:
    """`keep` columns of `table` then `columns`, in that order, with a fresh 0..n-1 index."""
    out = table[keep].assign(**columns)
    return out[keep + list(columns)].reset_index(drop=True)
