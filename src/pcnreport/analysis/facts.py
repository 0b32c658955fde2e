"""Facts the report states rather than computes: tables and numbers kept as data files with their source.

Some of the interim report's tables are facts taken from other publications (the funding of Table 4.1, the
levels of Table 4.3) or from the evaluation's own fieldwork (the survey respondents of Table 5.1). They are
kept in `data/facts/*.yaml`, one file a table (or a set of numbers), each naming its source, so a reader
can trace every cell and a correction is a one-line change. This module is the computation: it reads and
checks those files into typed values, each number with its value and its text in the file's format
(`load_facts`). `report.sections.facts` writes the tables, captions and numbers the chapters include,
and Figure 4.1.

The format (data/facts/README.md has it for the people who edit the files):

    key: survey                        # the files' numbers are report_facts.<key>.<number>
    source: {report: ..., publication: ..., cite: bibkey (optional)}
    numbers:                           # optional
      ccg_areas: {value: 55, format: count, description: ...}
      respondents: {sum_of: ccgs, published: 37, format: count, description: ...}   # computed from rows
    table:                             # optional
      name: tbl-survey-regions
      caption: ...                     # Markdown: citations allowed
      columns: [{key: region, title: ...}, {key: ccgs, title: ..., type: count}]   # type: text|count|list
      rows: [{region: North West, ccgs: 8}, ...]   # text cells may hold {number} placeholders; null: not stated
      total: {label: Total, number: respondents}   # optional: a row showing a number (usually a sum_of)
      footer: [{label: ..., number: ccg_areas}]    # optional: rows after the total

A number with `sum_of` is computed from the rows, never typed; with `published`, a sum that differs from
the printed value is an error (a row mistyped, or the source's own arithmetic to explain). Any problem in
a file raises `DataFormatError` naming the file and each problem with its row and line.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pcnreport.core.errors import DataFormatError


def _pounds(value: float) -> str:
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def _plain(value: float) -> str:
    return f"{value:,g}" if abs(value) < 1e6 else f"{value:,.0f}"


FORMATS = {
    "count": lambda v: f"{round(v):,}",  # 50000 -> 50,000
    "decimal": _plain,  # 0.25 -> 0.25
    "pounds": _pounds,  # 1.5 -> £1.50, 120 -> £120
    "pounds_million": lambda v: f"£{v / 1e6:,g} million",  # 40500000 -> £40.5 million
    "million": lambda v: f"{v / 1e6:,g} million",  # 3000000 -> 3 million
}
COLUMN_TYPES = ("text", "count", "list")


@dataclass(frozen=True)
class Number:
    key: str
    value: float
    text: str
    description: str
    sum_of: str | None = None
    published: float | None = None


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    type: str = "text"


@dataclass(frozen=True)
class FactTable:
    name: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[dict, ...]
    total: tuple[str, str] | None = None  # (label, number key)
    footer: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FactFile:
    path: Path
    key: str
    source: dict
    numbers: dict[str, Number]
    table: FactTable | None

    def text(self) -> dict[str, str]:
        return {key: number.text for key, number in self.numbers.items()}


# --- Reading and checking ---------------------------------------------------------------------------------


class _Problems(list):
    """Problems of one file; `where` prefixes the line the problem is on, when YAML's parser knows it."""


def _node_at(node, *path):
    """The YAML node at a path of keys and list positions, or None (used for line numbers only)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
        if node is None:
            return None
    return node


def _line(root, *path) -> str:
    node = _node_at(root, *path)
    return f" (line {node.start_mark.line + 1})" if node is not None else ""


def load_fact_file(path: Path) -> FactFile:
    """Read one facts file and check it, collecting every problem before raising."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        raw = yaml.safe_load(text)
    except OSError as error:
        raise DataFormatError(path, f"cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise DataFormatError(path, "not a UTF-8 text file") from None
    except yaml.YAMLError as error:
        raise DataFormatError(path, f"not valid YAML: {error}") from None
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise DataFormatError(path, "expected a mapping with 'key', 'source' and 'numbers' or 'table'")
    _unknown(raw, {"key", "source", "numbers", "table"}, "the file", problems)
    key = raw.get("key")
    if not (isinstance(key, str) and key.isidentifier()):
        problems.append(f"'key'{_line(root, 'key')}: expected a name of letters, digits and _, found {key!r}")
    source = raw.get("source")
    if not isinstance(source, dict) or not all(isinstance(source.get(k), str) and source[k].strip() for k in ("report", "publication")):
        problems.append(f"'source'{_line(root, 'source')}: expected 'report' and 'publication' (the report's table and the publication it draws on)")
        source = {}
    else:
        _unknown(source, {"report", "publication", "cite", "url"}, "'source'", problems)
    if "numbers" not in raw and "table" not in raw:
        problems.append("expected 'numbers', 'table' or both: the file holds no facts")
    numbers_raw = raw.get("numbers") or {}
    if not isinstance(numbers_raw, dict):
        problems.append(f"'numbers'{_line(root, 'numbers')}: expected a mapping of name -> {{value, format, description}}")
        numbers_raw = {}
    table_raw = raw.get("table")
    table = _table(table_raw, root, problems) if table_raw is not None else None
    numbers = _numbers(numbers_raw, table, root, problems)
    if table is not None:
        _check_references(table, numbers, set(numbers_raw), root, problems)
    if problems:
        raise DataFormatError(path, problems)
    return FactFile(path, key, dict(source), numbers, table)


def _unknown(mapping: dict, allowed: set[str], what: str, problems: list[str]) -> None:
    extra = sorted(str(k) for k in set(mapping) - allowed)
    if extra:
        problems.append(f"{what}: unknown field(s) {', '.join(repr(e) for e in extra)} (allowed: {', '.join(sorted(allowed))})")


def _table(raw: Any, root, problems: list[str]) -> FactTable | None:
    if not isinstance(raw, dict):
        problems.append(f"'table'{_line(root, 'table')}: expected a mapping with name, caption, columns and rows")
        return None
    _unknown(raw, {"name", "caption", "columns", "rows", "total", "footer"}, "'table'", problems)
    name, caption = raw.get("name"), raw.get("caption")
    if not (isinstance(name, str) and name.startswith("tbl-") and name.replace("-", "").isalnum()):
        problems.append(f"table 'name'{_line(root, 'table', 'name')}: expected an id such as tbl-funding, found {name!r}")
    if not (isinstance(caption, str) and caption.strip()):
        problems.append(f"table 'caption'{_line(root, 'table', 'caption')}: expected the table's caption")
    columns = []
    for i, column in enumerate(raw.get("columns") or []):
        where = f"table column {i + 1}{_line(root, 'table', 'columns', i)}"
        if not (isinstance(column, dict) and isinstance(column.get("key"), str) and isinstance(column.get("title"), str)):
            problems.append(f"{where}: expected {{key, title, type}}")
            continue
        kind = column.get("type", "text")
        if kind not in COLUMN_TYPES:
            problems.append(f"{where}: type must be one of {', '.join(COLUMN_TYPES)}, found {kind!r}")
        columns.append(Column(column["key"], column["title"], kind))
    if not columns:
        problems.append(f"table 'columns'{_line(root, 'table', 'columns')}: expected a list of columns")
    rows = raw.get("rows")
    if not isinstance(rows, list) or not rows:
        problems.append(f"table 'rows'{_line(root, 'table', 'rows')}: expected a list of rows")
        rows = []
    keys = [c.key for c in columns]
    for i, row in enumerate(rows):
        where = f"table row {i + 1}{_line(root, 'table', 'rows', i)}"
        if not isinstance(row, dict):
            problems.append(f"{where}: expected a mapping of column -> value, found {row!r}")
            continue
        missing = [k for k in keys if k not in row]
        extra = [str(k) for k in row if k not in keys]
        if missing or extra:
            problems.append(
                f"{where}: expected the columns {', '.join(keys)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else "")
            )
        for column in columns:
            if column.key in row:
                problem = _cell_problem(column, row[column.key])
                if problem:
                    problems.append(f"{where}: column '{column.key}': {problem}")
    total = None
    if raw.get("total") is not None:
        total = _labelled(raw["total"], "table 'total'" + _line(root, "table", "total"), problems)
    footer = []
    for i, item in enumerate(raw.get("footer") or []):
        labelled = _labelled(item, f"table footer row {i + 1}{_line(root, 'table', 'footer', i)}", problems)
        if labelled:
            footer.append(labelled)
    return FactTable(
        str(name), str(caption or "").strip(), tuple(columns), tuple(r for r in rows if isinstance(r, dict)), total, tuple(footer)
    )


def _cell_problem(column: Column, value: Any) -> str | None:
    if value is None:
        return None  # not stated in the source
    if column.type == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"expected a whole number >= 0 (or null), found {value!r}"
    elif column.type == "list":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            return f"expected a list of text, found {value!r}"
    elif not isinstance(value, str | int | float) or isinstance(value, bool):
        return f"expected text, found {value!r}"
    return None


def _labelled(raw: Any, where: str, problems: list[str]) -> tuple[str, str] | None:
    if not (isinstance(raw, dict) and isinstance(raw.get("label"), str) and isinstance(raw.get("number"), str)):
        problems.append(f"{where}: expected {{label, number}} (the row's label and the name of a number)")
        return None
    return raw["label"], raw["number"]


def _numbers(raw: dict, table: FactTable | None, root, problems: list[str]) -> dict[str, Number]:
    numbers = {}
    for key, spec in raw.items():
        where = f"number '{key}'{_line(root, 'numbers', key)}"
        if not (isinstance(key, str) and key.isidentifier()):
            problems.append(f"{where}: the name must be letters, digits and _")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where}: expected {{value, format, description}}")
            continue
        _unknown(spec, {"value", "sum_of", "published", "format", "description"}, where, problems)
        fmt = spec.get("format", "count")
        if fmt not in FORMATS:
            problems.append(f"{where}: format must be one of {', '.join(FORMATS)}, found {fmt!r}")
            continue
        if ("value" in spec) == ("sum_of" in spec):
            problems.append(f"{where}: expected either 'value' (a fact) or 'sum_of' (a table column to add up)")
            continue
        published = spec.get("published")
        if published is not None and not _is_number(published):
            problems.append(f"{where}: 'published' must be a number, found {published!r}")
            published = None
        if "value" in spec:
            value = spec["value"]
            if not _is_number(value):
                problems.append(f"{where}: 'value' must be a number, found {value!r}")
                continue
        else:
            value = _column_sum(spec["sum_of"], table, where, problems)
            if value is None:
                continue
            if published is not None and value != published:
                problems.append(
                    f"{where}: the rows of column '{spec['sum_of']}' add up to {value:g}, but the source prints "
                    f"{published:g}: check the rows against the source"
                )
        numbers[key] = Number(
            key, value, FORMATS[fmt](value), str(spec.get("description") or ""), spec.get("sum_of"), published
        )
    return numbers


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _column_sum(column: Any, table: FactTable | None, where: str, problems: list[str]) -> float | None:
    counts = [c.key for c in table.columns if c.type == "count"] if table else []
    if column not in counts:
        problems.append(f"{where}: 'sum_of' must name a count column of the table ({', '.join(counts) or 'none'}), found {column!r}")
        return None
    cells = [row.get(column) for row in table.rows]
    if any(not isinstance(c, int) or isinstance(c, bool) for c in cells):
        problems.append(f"{where}: column '{column}' has cells that are not whole numbers: no total")
        return None
    return sum(cells)


def _placeholders(text: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]


def _check_references(table: FactTable, numbers: dict[str, Number], declared: set, root, problems: list[str]) -> None:
    """Every {placeholder} in a text cell and every total or footer row names a number of the file.

    A name the file declares but whose number has a problem of its own is not reported again here.
    """
    for i, row in enumerate(table.rows):
        for column in table.columns:
            value = row.get(column.key)
            if column.type == "text" and isinstance(value, str):
                try:
                    unknown = [f for f in _placeholders(value) if f not in declared]
                except ValueError as error:
                    problems.append(f"table row {i + 1}{_line(root, 'table', 'rows', i)}: column '{column.key}': {error} in {value!r}")
                    continue
                if unknown:
                    problems.append(
                        f"table row {i + 1}{_line(root, 'table', 'rows', i)}: column '{column.key}': "
                        f"unknown number(s) {', '.join('{' + u + '}' for u in unknown)} (the file's numbers: "
                        f"{', '.join(sorted(declared)) or 'none'})"
                    )
    for label, key in ([table.total] if table.total else []) + list(table.footer):
        if key not in declared:
            problems.append(f"table row '{label}': unknown number '{key}' (the file's numbers: {', '.join(sorted(declared)) or 'none'})")


def load_facts(folder: Path) -> list[FactFile]:
    """Every `*.yaml` in `folder`, in name order; keys and table names must be unique across files."""
    files = [load_fact_file(path) for path in sorted(Path(folder).glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for fact in files:
        for name in [f"key '{fact.key}'"] + ([f"table '{fact.table.name}'"] if fact.table else []):
            if name in seen:
                raise DataFormatError(fact.path, f"{name} is also used by '{seen[name]}': expected each once")
            seen[name] = fact.path
    return files


# --- Raw numbers ------------------------------------------------------------------------------------------


def raw_numbers(facts: list[FactFile]) -> dict:
    return {
        fact.key: {key: n.value for key, n in fact.numbers.items()} | {"source": fact.source["report"]}
        for fact in facts
    }
