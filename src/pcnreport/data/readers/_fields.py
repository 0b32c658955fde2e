"""The shape of a CSV file: does every line have as many fields as the header, and is every quote closed?

pandas fills the missing fields of a short row with blanks, so a download cut in the middle of a row (the
last practice's figures gone, the file half its length) reads without a word; a file that ends inside a
quoted field is refused, but with a message about the tokenizer rather than the file. These checks look
at the bytes themselves, once, in the helper every reader's CSV passes through (`_files.read_csv`).

Two passes:

- a fast one, whole-array operations on the positions of the three bytes that shape a CSV (comma, double
  quote, line feed): a comma or line feed counts when an even number of quotes precedes it. That is
  exact for files whose quotes all open and close fields (publishers' files, and R's or Excel's re-saves,
  which double a quote inside a field). The national by-LSOA file (65 MB, 868,000 lines) takes about a
  tenth of a second;
- an exact one, a small state machine in Python that follows pandas' rules (a quote opens a quoted field
  only at the start of a field; elsewhere it is a character like any other). It runs only when the fast
  pass finds something, to confirm it and name the lines: a stray quote inside a field can fool the fast
  pass, and only a real problem is reported.

What publishers really do is not a problem: a byte-order mark, CRLF (or CR) line ends, blank lines
(a trailing one included: they hold no data and are dropped), a last line without a line end, and a
trailing comma on every data row of a file whose header has none (an empty last field, as ODS writes).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

_COMMA, _QUOTE, _LF, _CR = ord(","), ord('"'), ord("\n"), ord("\r")

_SHOWN_PROBLEMS = 10  # lines listed before "... and N more": the first few say what happened


@dataclass(frozen=True)
class _Records:
    """Each record (a row of the CSV, which may span lines when a quoted field holds a line break)."""

    starts: np.ndarray  # byte offset of each record's first byte
    stops: np.ndarray  # byte offset of its terminator (or the end of the data)
    fields: np.ndarray  # number of fields
    unclosed_quote: int | None  # offset of a quote never closed (the file ends inside it), else None


def shape_problems(data: bytes, where: str = "") -> list[str]:
    """Every line whose number of fields differs from the header's, and a quote the file never closes,
    as problems naming the line as a text editor numbers it (header = line 1)."""
    if not data:
        return []
    buf = np.frombuffer(data, dtype=np.uint8)
    terminator = _terminator(data)
    quoted_file = b'"' in data
    records = _fast_records(buf, terminator, quoted_file)
    if records.unclosed_quote is None and not _bad_records(buf, records, terminator).size:
        return []
    if quoted_file:
        # Something looks wrong, and a stray quote could be why: confirm with the exact rules.
        records = _exact_records(buf, terminator)
    problems = []
    bad = _bad_records(buf, records, terminator)
    if records.unclosed_quote is not None:
        bad = bad[bad != len(records.starts) - 1]  # the last record is the unclosed field's: said below
    if bad.size:
        header = int(records.fields[0])
        line_feeds = np.flatnonzero(buf == terminator)  # every line end, inside quotes too, as an editor counts
        shown = bad[:_SHOWN_PROBLEMS]
        lines = np.searchsorted(line_feeds, records.starts[shown]) + 1
        names = _header_names(data, records)
        problems += [
            f"{where}line {line}: {count} field{'s' if count != 1 else ''} where the header (line 1) has "
            f"{header}{_missing_columns(names, count)}; expected {header} on every line ({_why(count, header)})"
            for line, count in zip(lines.tolist(), records.fields[shown].tolist())
        ]
        if bad.size > _SHOWN_PROBLEMS:
            problems.append(f"{where}... and {bad.size - _SHOWN_PROBLEMS} more lines with a different number of fields")
    if records.unclosed_quote is not None:
        line = int(np.count_nonzero(buf[: records.unclosed_quote] == terminator)) + 1
        problems.append(
            f"{where}line {line}: a quoted field opens here and the file ends before it closes; expected a "
            "closing '\"' (a file that ends inside quotes was cut short: download it again)"
        )
    return problems


def _header_names(data: bytes, records: _Records) -> list[str]:
    """The header's column names (as the csv module splits them), to say which columns a short line lacks."""
    text = data[records.starts[0] : records.stops[0]].decode("utf-8-sig", errors="replace").rstrip("\r")
    return [name.strip() for name in next(csv.reader([text]), [])]


def _missing_columns(names: list[str], count: int) -> str:
    if count >= len(names):
        return ""  # a line with extra fields: they belong to no column
    if count == len(names) - 1:
        return f": column '{names[count]}' is missing"
    return f": columns '{names[count]}' to '{names[-1]}' are missing"


def _why(count: int, header: int) -> str:
    if count < header:
        return "a line cut short is the mark of an incomplete download or a broken edit"
    return "a line with extra fields is the mark of a broken edit, such as an unquoted comma in a value"


def _terminator(data: bytes) -> int:
    # Old Mac files end lines with CR alone; anything with a line feed uses it (CRLF's CR is then just the
    # last byte of a field, which changes no count).
    return _LF if b"\n" in data or b"\r" not in data else _CR


def _bad_records(buf: np.ndarray, records: _Records, terminator: int) -> np.ndarray:
    """Indices of the data records whose field count is not the header's (blank lines and a trailing comma
    on every data row excepted)."""
    header = records.fields[0]
    data_rows = np.arange(1, len(records.fields))
    lengths = records.stops[data_rows] - records.starts[data_rows]
    blank = (records.fields[data_rows] == 1) & (
        (lengths == 0) | ((lengths == 1) & (buf[np.minimum(records.starts[data_rows], len(buf) - 1)] == _CR))
    )
    rows = data_rows[~blank]
    wrong = rows[records.fields[rows] != header]
    if wrong.size and wrong.size == rows.size and _all_trailing_commas(buf, records, rows):
        return wrong[:0]
    return wrong


def _all_trailing_commas(buf: np.ndarray, records: _Records, rows: np.ndarray) -> bool:
    """Whether every data row has exactly one field more than the header and that field is empty (the
    row ends with a comma): a publisher's habit, not damage, and pandas reads such a file correctly."""
    if not (records.fields[rows] == records.fields[0] + 1).all():
        return False
    last = records.stops[rows] - 1
    last = np.where(buf[np.maximum(last, 0)] == _CR, last - 1, last)
    return bool((buf[np.maximum(last, 0)] == _COMMA).all())


def _fast_records(buf: np.ndarray, terminator: int, quoted_file: bool) -> _Records:
    # Two or three comparisons beat a 256-entry lookup table over tens of megabytes; quotes are looked
    # for only when the file has any.
    mask = (buf == _COMMA) | (buf == terminator)
    if quoted_file:
        mask |= buf == _QUOTE
    positions = np.flatnonzero(mask)
    kinds = buf[positions]
    quotes = kinds == _QUOTE
    if quoted_file:
        # A comma or line end counts when an even number of quotes precedes it (it is outside quotes).
        outside = (np.cumsum(quotes) & 1) == 0
        unclosed = int(positions[quotes][-1]) if np.count_nonzero(quotes) % 2 else None
        positions, kinds = positions[outside & ~quotes], kinds[outside & ~quotes]
    else:
        unclosed = None
    return _records_from(len(buf), positions, kinds == terminator, unclosed)


def _records_from(size: int, positions: np.ndarray, is_end: np.ndarray, unclosed: int | None) -> _Records:
    """Records from the positions of the commas and line ends that count, in file order (`is_end` marks
    the line ends): a record's fields are the commas since the previous line end, plus one."""
    commas_so_far = np.cumsum(~is_end)
    ends = positions[is_end]
    commas_at_end = commas_so_far[is_end]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [size]))
    commas_at_stop = np.concatenate((commas_at_end, [commas_so_far[-1] if len(commas_so_far) else 0]))
    fields = np.diff(commas_at_stop, prepend=0) + 1
    if starts[-1] >= size:  # the data ends with a line end: no record after it
        starts, stops, fields = starts[:-1], stops[:-1], fields[:-1]
    return _Records(starts, stops, fields, unclosed)


def _exact_records(buf: np.ndarray, terminator: int) -> _Records:
    """As pandas' tokenizer reads the file: a quote opens a quoted field only as a field's first byte; in
    a quoted field a doubled quote is a quote, a single one closes it. Only the shaping bytes are visited."""
    special = np.zeros(256, dtype=bool)
    special[[_COMMA, _QUOTE, terminator]] = True
    positions = np.flatnonzero(special[buf]).tolist()
    kinds = buf[positions].tolist()
    counted, is_end = [], []
    quoted, opened, field_start = False, None, 0
    i, count = 0, len(positions)
    while i < count:
        at, kind = positions[i], kinds[i]
        if quoted:
            if kind == _QUOTE:
                if i + 1 < count and positions[i + 1] == at + 1 and kinds[i + 1] == _QUOTE:
                    i += 2  # a doubled quote inside quotes is one quote character
                    continue
                quoted = False
        elif kind == _QUOTE:
            if at == field_start:
                quoted, opened = True, at
        else:
            counted.append(at)
            is_end.append(kind != _COMMA)
            field_start = at + 1
        i += 1
    return _records_from(
        len(buf), np.array(counted, dtype=np.int64), np.array(is_end, dtype=bool), opened if quoted else None
    )
