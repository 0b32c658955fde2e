"""Value checks on text cells and the problems they find: code shapes, pandera checks with what was
expected, and problems collected per cell or row (capped) before one `DataFormatError` is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pcnreport.core.errors import DataFormatError

# Beyond this many problems of one kind, a message stops being read: list these and count the rest.
MAX_PROBLEMS = 20

# Code shapes. ODS: practices are a letter and 5 digits (A81001, Y02345), PCNs are U + 5 digits, CCGs
# 3 letters or digits (00L, 99A, 15N), or 5 for the nine CCGs made by the mergers of April 2021 (A3A8R,
# B2M3M, D2P2L, D4U1Y, D9Y0V, M1J4Y, M2L0M, W2U3Z, X2C4Y). ONS (2011 census geography): LSOAs E01 + 6
# digits in England (W01 in Wales), MSOAs E02 (W02).
PRACTICE_CODE = r"[A-Z]\d{5}"
PCN_CODE = r"U\d{5}"
CCG_CODE = r"[0-9A-Z]{3}|[0-9A-Z]{5}"
LSOA_CODE = r"E01\d{6}"
MSOA_CODE = r"E02\d{6}"
CCG_ONS_CODE = r"E38\d{6}"  # ONS's code of a CCG (E38000014): what the CCG boundary files key on
WELSH_LSOA_CODE = r"W01\d{6}"
WELSH_MSOA_CODE = r"W02\d{6}"


# --- Value checks on text cells ------------------------------------------------------------------------
# Every check gets `error=` set to what was expected: pandera reports it as the failure's `check`, and
# `schema_problems` turns it into "expected <error>".


def matches(pattern: str, expected: str, *, blank_ok: bool = False) -> pa.Check:
    if blank_ok:
        pattern = f"(?:{pattern})?"

    def valid(cells: pd.Series) -> pd.Series:
        # The regex runs once a distinct value (see `_tables.stripped`): 800,000 LSOA rows hold ~33,000 codes.
        distinct = pd.Series(cells.unique(), dtype="str")
        return cells.isin(distinct[distinct.str.fullmatch(pattern)])

    return pa.Check(valid, error=expected)


def one_of(values: Iterable[str], expected: str) -> pa.Check:
    allowed = list(values)
    return pa.Check(lambda cells: cells.isin(allowed), error=expected)


def date_check(fmt: str | Sequence[str], expected: str, *, blank_ok: bool = False) -> pa.Check:
    """Dates in the format `fmt`, or in any of several (a publisher that changed its format)."""

    # A regex would accept 20191340; parsing rejects impossible dates too.
    def valid(s: pd.Series) -> pd.Series:
        ok = parsed_dates(s, fmt).notna()
        return ok | (s == "") if blank_ok else ok

    return pa.Check(valid, error=expected)


def parsed_dates(text: pd.Series, fmt: str | Sequence[str]) -> pd.Series:
    """Each cell parsed by the first of the formats that fits it; NaT where none does."""
    formats = [fmt] if isinstance(fmt, str) else list(fmt)
    dates = pd.to_datetime(text, format=formats[0], errors="coerce")
    for other in formats[1:]:
        dates = dates.fillna(pd.to_datetime(text, format=other, errors="coerce"))
    return dates


def text_schema(
    checks: Mapping[str, pa.Check | list[pa.Check]], rows: Sequence[pa.Check] = ()
) -> pa.DataFrameSchema:
    """Column checks, and `rows`: checks comparing columns within each row (made by `row_check`)."""
    # Frames hold text only (see `_files.read_csv`, `read_sheet`), so no dtype is checked, just the values.
    return pa.DataFrameSchema({name: pa.Column(checks=check) for name, check in checks.items()}, checks=list(rows))


# --- Plausibility: values a real file cannot hold ----------------------------------------------------------
# The value checks above say a cell has the right form; these say the value could be true. Each bound is
# a named constant with where it comes from. They are checks of the schema, so every implausible cell is
# reported with the rest, at once.

# The most patients one practice code can have. The largest lists in the releases the project reads are
# 89,786 (January 2021) and 118,415 (June 2026: a practice code that absorbed others; the digital-first
# GP at Hand practice passed 100,000 in 2022); NHS Payments' largest registered figure is 84,710 (2020-21).
# Lists of the largest practices have grown by tens of thousands in a few years, so the bound leaves a
# margin of about 2.5 over the largest seen, and still stops a 999,999 or a figure with a digit too many
# (a 40,000 list typed as 400,000).
MAX_LIST_SIZE = 300_000

# A practice's weighted list (the Carr-Hill formula's need-adjusted count, NHS Payments) against its
# registered patients. Nationally the weights average 1; in the 2019-20 and 2020-21 releases a practice's
# ratio runs from 0.54 (C82111) to 4.23 (Y02625, a small practice for a population with high needs), and
# 98% of practices lie between 0.77 and 1.27. The bounds leave a margin of about half the lowest and 1.4
# times the highest seen, and stop a weighted figure moved a column or given a digit too many.
MIN_WEIGHTED_RATIO = 0.25
MAX_WEIGHTED_RATIO = 6.0


def numbers_in(cells: pd.Series) -> pd.Series:
    """Text cells as numbers >= 0 (thousands separators allowed, as `NUMBER_OR_BLANK`); NaN where a cell is
    blank or not in that form, which the value checks report: a plausibility check judges numbers only."""
    # Worked out once a distinct value (see `matches`): 800,000 LSOA rows hold a few thousand counts.
    codes, distinct = pd.factorize(cells)
    distinct = pd.Series(distinct, dtype="str")
    numbers = pd.to_numeric(
        distinct.where(distinct.str.fullmatch(_NUMBER_FORM)).str.replace(",", "", regex=False), errors="coerce"
    ).to_numpy(dtype="float64")
    return pd.Series(np.where(codes >= 0, numbers[codes], np.nan), index=cells.index)


def at_most(limit: float, expected: str) -> pa.Check:
    """A number no larger than `limit`; cells that are not numbers pass (their form check reports them)."""
    return pa.Check(lambda cells: ~(numbers_in(cells) > limit), error=expected)


# Row checks: pandera reports a failing row once for each column of the frame; `schema_problems` reports
# it once, in the column the check is about, quoting the columns it was compared with. Keyed by the
# check's `error` (what was expected), which pandera gives back with each failure.
_ROW_CHECKS: dict[str, tuple[str, tuple[str, ...]]] = {}


def row_check(column: str, compared: Sequence[str], valid, expected: str) -> pa.Check:
    """A check of `column` against `compared` columns within each row: `valid(frame)` is a boolean Series
    (True where the row is plausible, or where a cell is not a number: its form check reports it)."""
    _ROW_CHECKS[expected] = (column, tuple(compared))
    return pa.Check(valid, error=expected)


def same_date_on_every_row(fmt: str | Sequence[str], expected: str) -> pa.Check:
    """One date throughout the column (the most common one; rows with another are reported, and cells
    that are not dates pass: their form check reports them)."""

    def valid(cells: pd.Series) -> pd.Series:
        dates = parsed_dates(cells, fmt)
        common = dates.mode()
        return dates.isna() | (dates == common.iloc[0]) if len(common) else dates.isna()

    return pa.Check(valid, error=expected)


def not_in_future(fmt: str | Sequence[str], expected: str) -> pa.Check:
    """A date no later than today (cells that are not dates pass: their form check reports them)."""

    def valid(cells: pd.Series) -> pd.Series:
        return ~(parsed_dates(cells, fmt) > pd.Timestamp.today().normalize())

    return pa.Check(valid, error=expected)


NOT_BLANK = matches(r".+", "a value (not blank)")
PRACTICE = matches(PRACTICE_CODE, "a practice code: a letter and 5 digits, like A81001")
PCN = matches(PCN_CODE, "a PCN code: U and 5 digits, like U12345")
CCG = matches(CCG_CODE, "a CCG code: 3 or 5 letters or digits, like 00L or X2C4Y")
CCG_ONS = matches(CCG_ONS_CODE, "a CCG's ONS code: E38 and 6 digits, like E38000014")
# A sub-ICB location (July 2022 on) kept its CCG's code shapes; the messages name what the file holds.
SUB_ICB = matches(CCG_CODE, "a sub-ICB location code: 3 or 5 letters or digits, like 00L or 15N")
SUB_ICB_ONS = matches(CCG_ONS_CODE, "a sub-ICB location's ONS code: E38 and 6 digits, like E38000014")
LSOA = matches(LSOA_CODE, "an English LSOA code: E01 and 6 digits, like E01000001")
MSOA = matches(MSOA_CODE, "an English MSOA code: E02 and 6 digits, like E02000001")
WHOLE_NUMBER = matches(r"\d+", "a whole number >= 0")
YYYYMMDD = date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001")
YYYYMMDD_OR_BLANK = date_check("%Y%m%d", "a date as YYYYMMDD, like 20191001, or blank", blank_ok=True)
# Thousands separators appear in some releases' figures ("12,345.5"); blanks mean "not known".
_NUMBER_FORM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
NUMBER_OR_BLANK = matches(
    _NUMBER_FORM,
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
    in_rows = failures["schema_context"] == "DataFrameSchema"
    for (column, expected), cases in failures[~in_rows].groupby(["column", "check"], sort=False):
        header = headers.get(column, column)
        cases = cases.sort_values("index", kind="stable")  # pandera does not keep file order
        lines = [
            f"{where}row {row}, column '{header}': expected {expected}, found {shown(value)}"
            for row, value in zip(cases["index"], cases["failure_case"])
        ]
        problems += capped(lines, f"in column '{header}' with the same problem")
    return problems + _row_problems(failures[in_rows], headers, where)


def _row_problems(failures: pd.DataFrame, headers: Mapping[str, str], where: str) -> list[str]:
    """Failures of `row_check`s: one problem a row, in the checked column, with the compared values."""
    problems = []
    for expected, cases in failures.groupby("check", sort=False):
        column, compared = _ROW_CHECKS[expected]
        header = headers.get(column, column)
        values = cases.pivot_table(index="index", columns="column", values="failure_case", aggfunc="first")
        lines = [
            f"{where}row {row}, column '{header}': expected {expected}, found {shown(value[column])} where "
            + " and ".join(f"'{headers.get(other, other)}' is {shown(value[other])}" for other in compared)
            for row, value in values.sort_index().iterrows()
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
