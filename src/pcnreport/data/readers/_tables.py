"""Tables of text cells: `Raw` (every cell as read) and `Rows` (the columns a reader needs, by canonical
name, optional ones the file lacks as all-missing columns), and the conversions of validated text into a
tidy typed table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from pcnreport.data.readers._checks import duplicate_problems, parsed_dates, raise_if_any, schema_problems
from pcnreport.data.readers._headers import Columns, match_header, one_line

# Dates are stored in datetime64[ns] whatever the pandas version (pandas 3 would infer microseconds).
DATE_DTYPE = "datetime64[ns]"


def stripped(cells: pd.Series) -> pd.Series:
    """`cells` without surrounding whitespace. Worked out once a distinct value: without pyarrow, pandas'
    string methods loop in Python, and a national file repeats each code thousands of times."""
    changed = {value: value.strip() for value in cells.unique() if value != value.strip()}
    return cells.replace(changed) if changed else cells


# --- Tables of text cells --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A table as read: every cell as stripped text, `header` as the file spells it, rows indexed by the
    row number a person sees in a spreadsheet or text editor (header = row 1). Blank rows are dropped."""

    path: Path  # the file the user named (for a zipped CSV, the archive)
    header: list[str]
    cells: pd.DataFrame  # columns are positions 0..n-1, so a repeated or blank header is harmless
    where: str = ""  # what prefixes each problem: "member 'x.csv', " or "sheet 'X', "

    def select(self, columns: Columns, optional: Collection[str] = ()) -> Rows:
        """The columns a reader needs, by canonical name; every missing one is reported at once. Columns
        in `optional` (`_headers.OPTIONAL`) may be absent: they are then all-missing (see `Rows.absent`)."""
        rows, problems = self.try_select(columns, optional)
        raise_if_any(self.path, problems)
        return rows

    def try_select(self, columns: Columns, optional: Collection[str] = ()) -> tuple[Rows | None, list[str]]:
        """As `select`, returning the problems instead of raising (to report several tables at once)."""
        # "sheet 'X': missing column ..." reads better than "sheet 'X', missing column ...".
        where = self.where[:-2] + ": " if self.where else ""
        positions, problems = match_header(self.header, columns, where, optional)
        if problems:
            return None, problems
        # Checked after the header, which is the more fundamental problem.
        if self.cells.empty:
            if self.where.startswith("sheet "):
                return None, [f"{self.where[:-2]} has no data rows: the header row has nothing under it"]
            return None, [f"{self.where}no data rows: the file has a header row but nothing under it"]
        absent = frozenset(columns) - frozenset(positions)
        frame = pd.DataFrame(
            {
                name: stripped(self.cells[positions[name]])
                if name in positions
                else pd.Series(None, index=self.cells.index, dtype="str")
                for name in columns
            },
            index=self.cells.index,
        )
        headers = {name: one_line(self.header[pos]) for name, pos in positions.items()}
        return Rows(self.path, frame, headers, self.where, absent), []


@dataclass(frozen=True)
class Rows:
    """The columns a reader needs, as text, under canonical names; `headers` keeps the file's own names,
    which every problem quotes."""

    path: Path
    frame: pd.DataFrame
    headers: Mapping[str, str]  # each on one line (`_headers.one_line`), as messages quote them
    where: str = ""
    # Optional columns the file lacks: all-missing in `frame`, not checked, not in `headers`.
    absent: frozenset[str] = field(default_factory=frozenset)

    def keep(self, mask: pd.Series) -> Rows:
        return replace(self, frame=self.frame[mask])

    def schema_problems(self, schema: pa.DataFrameSchema) -> list[str]:
        # An absent optional column has nothing to check (its cells are missing, not blank).
        checked = schema.remove_columns([name for name in schema.columns if name in self.absent])
        return schema_problems(self.frame, checked, self.headers, self.where)

    def duplicate_problems(self, keys: str | Sequence[str], what: str) -> list[str]:
        return duplicate_problems(self.frame, keys, what, self.headers, self.where)

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]


# --- Conversions (on validated text only) --------------------------------------------------------------


def to_dates(text: pd.Series, fmt: str | Sequence[str]) -> pd.Series:
    """Validated dates (`_checks.date_check` with the same formats); missing cells stay missing (NaT)."""
    return parsed_dates(text, fmt).astype(DATE_DTYPE)


def to_numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False).replace("", None)).astype("Float64")


def to_int(text: pd.Series) -> pd.Series:
    return text.astype("int64")


def tidy(table: pd.DataFrame, keep: list[str], **columns: pd.Series) -> pd.DataFrame:
    """`keep` columns of `table` then `columns`, in that order, with a fresh 0..n-1 index."""
    out = table[keep].assign(**columns)
    return out[keep + list(columns)].reset_index(drop=True)
