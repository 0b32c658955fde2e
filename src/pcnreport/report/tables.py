"""Data tables for the report: a CSV for download and a Quarto fragment holding a pandoc pipe table.

A chapter includes the fragment inside its own `::: {#tbl-...}` div, whose last paragraph is the
caption, so numbering and cross-references work the same with Quarto and with the pandoc path.
Cell text comes from data (practice and PCN names): it is escaped so that markup in a name shows as
text and never becomes HTML, a link or a table break.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from pcnreport.core.atomic import write_text_atomic

# In pandoc's Markdown a backslash makes any ASCII punctuation literal; escaping all of it is simpler
# and safer than deciding which characters could start markup in which position.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Bounds on a column's share of a wrapped table, in pandoc's unit (dashes of the separator line).
MIN_DASHES, MAX_DASHES = 10, 40
# A wrapped table's columns share the text width in proportion to their dashes. The PDF's text width holds
# about 85 characters of its body text; 80 leaves room for wide letters and bold headers. A cell's inset
# (6 pt a side) costs about 2 more. Used to keep a column wide enough for its longest word, which cannot wrap.
LINE_CHARACTERS, CELL_INSET_CHARACTERS = 80, 2


def escape_markdown(text: str) -> str:
    """Markdown that displays `text` literally (no emphasis, links, raw HTML or pipe breaks)."""
    one_line = " ".join(str(text).split())
    return _PUNCTUATION.sub(r"\\\1", one_line)


def pipe_table(table: pd.DataFrame, align: dict[str, str] | None = None) -> str:
    """A pandoc pipe table of `table`'s values as text; `align` maps column -> 'l', 'r' or 'c'.

    Columns default to right alignment when numeric, left otherwise. Values should already be
    formatted for reading (see pcnreport.report.numbers); they are escaped here.
    """
    align = align or {}
    columns = list(table.columns)
    header = [escape_markdown(c) for c in columns]
    body = [["" if pd.isna(v) else escape_markdown(v) for v in row] for row in table.itertuples(index=False)]

    def separator(column, count: int) -> str:
        default = "r" if pd.api.types.is_numeric_dtype(table[column]) else "l"
        side = align.get(column, default)
        return {"l": ":" + "-" * count, "r": "-" * count + ":", "c": ":" + "-" * count + ":"}[side]

    dashes = column_dashes(table)
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(separator(c, n) for c, n in zip(columns, dashes)) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def column_dashes(table: pd.DataFrame) -> list[int]:
    """Each column's count of dashes in the separator line of `table`'s pipe table.

    A long table wraps to the text width, and pandoc then sizes each column by its count of dashes: as
    many as the widest cell (unescaped), within bounds so that a column of long labels gets room without
    squeezing the numbers beside it. A column must also hold its longest word (a release such as
    "unversioned", a code, a number), which cannot wrap: too narrow, the word is drawn over the next
    column in the PDF. Its share of the line is therefore raised until the word fits; raising one column
    narrows the others, so the shares are worked out again until none changes.
    """
    texts = [[str(column)] + ["" if pd.isna(v) else str(v) for v in table[column]] for column in table.columns]
    dashes = [min(MAX_DASHES, max(MIN_DASHES, max(len(cell) for cell in cells))) for cells in texts]
    words = [max((len(word) for cell in cells for word in cell.split()), default=0) for cells in texts]
    for _ in range(20):
        total = sum(dashes)
        needed = [math.ceil((word + CELL_INSET_CHARACTERS) * total / LINE_CHARACTERS) for word in words]
        wider = [max(d, n) for d, n in zip(dashes, needed)]
        if wider == dashes:
            break
        dashes = wider
    return dashes


def table_fragment(name: str, table: pd.DataFrame, figures_href: str, align: dict[str, str] | None = None) -> str:
    """The include file: the table, then (in HTML only) a link to download its data as CSV."""
    return (
        pipe_table(table, align)
        + f"""
::: {{.content-visible when-format="html"}}
[Download the data (CSV)]({figures_href}/{name}.csv){{.csv-download download="{name}.csv"}}
:::
"""
    )


def save_table(
    table: pd.DataFrame,
    name: str,
    out_dir: Path,
    *,
    data: pd.DataFrame | None = None,
    align: dict[str, str] | None = None,
    figures_href: str = "../figures",
) -> dict[str, Path]:
    """Write `name.md` (the displayed table) and `name.csv` (`data`, or the table itself).

    `data` lets the download carry unrounded values or more rows than the printed table shows.
    """
    out_dir = Path(out_dir)
    paths = {"fragment": out_dir / f"{name}.md", "csv": out_dir / f"{name}.csv"}
    write_text_atomic(paths["csv"], (table if data is None else data).to_csv(index=False, lineterminator="\n"))
    write_text_atomic(paths["fragment"], table_fragment(name, table, figures_href, align))
    return paths
