"""Registrations by LSOA as Parquet, converted once a release and queried with DuckDB.

The by-LSOA file is published quarterly with about 800,000 rows. Read whole by the pandas reader
(`readers.read_registrations_lsoa`), one release costs several hundred MiB of Python objects, so an
analysis over five years of quarters cannot hold them side by side. This store converts each release
file once to a Parquet file of the reader's normalised columns, and the analyses over time query those
files with DuckDB, which reads only the columns it needs and spills to disk rather than exceeding its
memory limit; only small results (one row a PCN and release) come back as pandas frames.

What a conversion does, and why:

- The file is recognised as the pandas reader recognises it (`readers._files`): its first bytes say CSV
  or ZIP, a ZIP must hold exactly one CSV, and the header is matched against the reader's accepted
  spellings (`SPELLINGS["registrations-lsoa"]`), so R's re-save (an unnamed index column, the count
  column `Number.of.Patients`) converts as the publisher's file does. A zipped CSV is extracted, in
  blocks, to a temporary file beside the store (DuckDB reads files, not archive members).
- DuckDB streams the CSV into a table of four text columns (practice, LSOA, sex, count), every cell
  stripped, so the checks run as SQL over the whole file at once. No pandas frame of the file is made.
- The checks are the pandas reader's, with its messages (row numbers as a text editor or spreadsheet
  shows them, header = row 1): practice and LSOA code shapes, whole counts no larger than a practice's
  list, one row a practice and LSOA among the all-persons rows. Any problem raises `DataFormatError`
  naming the file, and nothing is stored.
- The Parquet file holds the all-persons rows (SEX 'ALL') in file order: practice_code, lsoa_code (NULL
  where the publisher wrote a no-area word: NO2011, CLOSED, EMPTY, L99999), patients (int64) and
  unassigned (that word, NULL elsewhere): the reader's table, column for column.

Entries live in the project's `.cache/columnar/registrations-lsoa/`, named by the SHA-256 of the source
file's bytes: the same release under another name or folder is converted once, and a corrected file is a
new entry. Each is written to a temporary name in the same folder and renamed (`os.replace`), so a
reader never sees half a file. The entry records the conversion's FORMAT in its Parquet metadata: an
entry written by an older conversion is converted again.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pcnreport.core.errors import DataFormatError
from pcnreport.core.hashing import FileHasher
from pcnreport.data.readers._checks import (
    _NUMBER_FORM,
    MAX_LIST_SIZE,
    MAX_PROBLEMS,
    PRACTICE_CODE,
    raise_if_any,
    row_list,
    shown,
)
from pcnreport.data.readers._fields import shape_problems
from pcnreport.data.readers._files import _ZIP_MAGIC, _one_member, existing_file
from pcnreport.data.readers._headers import SPELLINGS, match_header, one_line
from pcnreport.data.readers.registrations import LSOA_SCHEMA, NO_AREA, NO_LSOA

FOLDER = Path(".cache") / "columnar"  # below the project folder; .cache/ is never committed
DATASET = "registrations-lsoa"
# Bump when the stored columns or the checks change: entries of another format are converted again.
FORMAT = "1"
HASHES_FILE = "file-hashes.json"

# DuckDB's own limits. The memory limit bounds its buffers (tables, sorts, windows): beyond it DuckDB
# spills to TEMP_FOLDER rather than growing, which is what keeps a build over years of releases under
# its memory budget. Four threads convert a national file in about a second; more add memory per thread
# for little time.
MEMORY_LIMIT = "1GB"
THREADS = min(4, os.cpu_count() or 1)
TEMP_FOLDER = ".duckdb-spill"

# The pandas reader's expectations, taken from its schema so that both readers say the same thing.
_EXPECTED = {name: [check.error for check in column.checks] for name, column in LSOA_SCHEMA.columns.items()}
# The reader's LSOA pattern (registrations.LSOA_SCHEMA), rebuilt from the same parts: pandera keeps it
# inside a closure. RE2 (DuckDB) and Python's re agree on it: alternation, classes and counts only.
_LSOA_PATTERN = r"[EWS]01\d{6}|N21\d{6}|" + "|".join(NO_AREA)
# What str.strip() removes in practice from a CSV cell; DuckDB's trim() alone removes spaces only.
_WHITESPACE = " \t\r\n\f\v"


@dataclass(frozen=True)
class _Csv:
    """The CSV to convert: a file DuckDB can read (the source, or its extracted ZIP member)."""

    path: Path  # the file the user named (messages name it)
    csv_path: Path
    where: str  # "member 'x.csv', " for a zipped CSV, as the pandas reader prefixes its problems


def connect(spill_folder: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the project's limits (MEMORY_LIMIT, THREADS), spilling to `spill_folder`."""
    # preserve_insertion_order: the staged table's rowid is then the record's place in the file (row
    # numbers in messages, and the Parquet rows in file order). No progress bar: it writes to stdout.
    config = {"memory_limit": MEMORY_LIMIT, "threads": THREADS, "preserve_insertion_order": True}
    if spill_folder is not None:
        Path(spill_folder).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(spill_folder)
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET enable_progress_bar = false")  # a connection's setting, not a database's
    except duckdb.InvalidInputException:
        # In a Jupyter kernel (a build's notebook runs) DuckDB refuses the setting when ipywidgets, which
        # its notebook progress bar needs, is absent: no bar can be drawn there anyway.
        pass
    return con


class ColumnarStore:
    """Parquet files of registrations by LSOA, one a release file, in `folder` (`.cache/columnar`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.entries = self.folder / DATASET
        # A 65 MB release is not hashed again on every use: the hash is remembered by size, times and inode.
        self.hasher = FileHasher(self.folder / HASHES_FILE)
        self.converted: list[Path] = []  # sources converted (not re-used) by this store, for tests and benchmarks

    @classmethod
    def for_project(cls, project_dir: Path) -> ColumnarStore:
        return cls(Path(project_dir) / FOLDER)

    def entry(self, digest: str) -> Path:
        return self.entries / f"{digest}.parquet"

    def parquet_for(self, path) -> Path:
        """The Parquet file of release file `path` (CSV or ZIP), converted now unless a usable entry exists."""
        path = existing_file(path)
        digest = self.hasher(path)
        self.hasher.save()
        entry = self.entry(digest)
        if _current(entry):
            return entry
        self.entries.mkdir(parents=True, exist_ok=True)
        with _csv_of(path, self.entries) as source, connect(self.folder / TEMP_FOLDER) as con:
            _convert(con, source, entry, digest)
        self.converted.append(path)
        return entry

    def parquet_files(self, releases: dict[str, Path]) -> dict[str, Path]:
        """release label -> its Parquet file, for each release label -> its source file."""
        return {release: self.parquet_for(path) for release, path in releases.items()}


def _current(entry: Path) -> bool:
    """Whether `entry` exists and was written by this FORMAT of conversion (an unreadable file is not)."""
    if not entry.is_file():
        return False
    try:
        with duckdb.connect(":memory:") as con:
            rows = con.execute("SELECT key, value FROM parquet_kv_metadata(?)", [str(entry)]).fetchall()
    except duckdb.Error:
        return False
    metadata = {bytes(key).decode(): bytes(value).decode() for key, value in rows}
    return metadata.get("pcnreport_format") == FORMAT


def lsoa_vintage(entry: Path) -> str | None:
    """"2011" when the release marks patients without a 2011 LSOA (NO2011), else None: the reader's
    attrs["lsoa_vintage"], kept in the entry's metadata."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute(
            "SELECT value FROM parquet_kv_metadata(?) WHERE key = 'lsoa_vintage'", [str(entry)]
        ).fetchall()
    value = bytes(rows[0][0]).decode() if rows else ""
    return value or None


def practice_totals(entries: Sequence[Path]) -> pd.DataFrame:
    """Patients a practice in each entry: path, practice_code, patients (a small frame, ~7,000 rows a release)."""
    with connect() as con:
        return con.execute(
            "SELECT filename AS path, practice_code, sum(patients)::BIGINT AS patients "
            "FROM read_parquet(?, filename = true) GROUP BY ALL ORDER BY path, practice_code",
            [[str(entry) for entry in entries]],
        ).df()


# --- The source CSV --------------------------------------------------------------------------------------


@contextmanager
def _csv_of(path: Path, scratch: Path) -> Iterator[_Csv]:
    """The CSV inside `path`: the file itself, or its one ZIP member extracted to `scratch` for the
    conversion (removed after). The member is chosen as the pandas reader chooses it (`_one_member`)."""
    with path.open("rb") as file:
        start = file.read(len(_ZIP_MAGIC))
    if start != _ZIP_MAGIC:
        yield _Csv(path, path, "")
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise DataFormatError(path, f"a damaged ZIP archive ({error}): expected a CSV file or a ZIP archive holding one") from None
    with archive:
        if "xl/workbook.xml" in archive.namelist():
            raise DataFormatError(path, "an Excel workbook: expected a CSV file or a ZIP archive holding one")
        name = _one_member(path, archive, "*.csv")
        fd, extracted = tempfile.mkstemp(dir=scratch, prefix=".member-", suffix=".csv")
        try:
            with os.fdopen(fd, "wb") as target, archive.open(name) as member:
                shutil.copyfileobj(member, target, 1 << 20)  # in blocks: the member never sits in memory
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as error:
            Path(extracted).unlink(missing_ok=True)
            raise DataFormatError(path, f"member '{name}', cannot be read from the ZIP archive: {error}") from None
    try:
        yield _Csv(path, Path(extracted), f"member '{name}', ")
    finally:
        Path(extracted).unlink(missing_ok=True)


def _header(source: _Csv) -> tuple[list[str], str]:
    """The header's names (stripped; R's blank index name stays blank) and the text encoding to read the
    file in: UTF-8 (a byte-order mark allowed), or Windows-1252 as Excel on Windows saves."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with source.csv_path.open(encoding=encoding, newline="") as text:
                first = next(csv.reader(text), [])
        except UnicodeDecodeError:
            continue
        if not first:
            raise DataFormatError(source.path, f"{source.where}line 1 is blank: expected the header row")
        return [name.strip() for name in first], encoding
    raise DataFormatError(source.path, f"{source.where}not a text file: expected UTF-8 or Windows-1252 CSV")


# --- Conversion ------------------------------------------------------------------------------------------


def _convert(con: duckdb.DuckDBPyConnection, source: _Csv, entry: Path, digest: str) -> None:
    header, encoding = _header(source)
    # "member 'x.csv': missing column ..." as the pandas reader words it (`_tables.Raw.try_select`).
    where_header = source.where[:-2] + ": " if source.where else ""
    positions, problems = match_header(header, SPELLINGS[DATASET], where_header)
    raise_if_any(source.path, problems)
    headers = {name: one_line(header[position]) for name, position in positions.items()}
    used_encoding = _stage(con, source, len(header), positions, encoding)
    raise_if_any(source.path, _problems(con, source, headers, used_encoding))
    _write(con, entry, digest)


def _stage(con, source: _Csv, width: int, positions: dict[str, int], encoding: str) -> str:
    """Stream the CSV into the temporary table `staged`: the four columns the reader needs, as stripped
    text ('' for an empty cell), one row a non-blank record in file order (its rowid is its ordinal).
    Returns the encoding DuckDB read it in."""
    # Every column is named and typed here rather than sniffed: the header was matched above, and a
    # count like '1.5' must reach the checks as text, not make DuckDB choose a DOUBLE column.
    columns = {f"c{i}": "VARCHAR" for i in range(width)}

    def cell(name: str) -> str:
        return f"coalesce(trim(c{positions[name]}, '{_WHITESPACE}'), '')"

    # DuckDB knows UTF-8 and Latin-1 only; Windows-1252 differs from Latin-1 in bytes 0x80-0x9F, which no
    # code or count holds, so Latin-1 reads the columns kept exactly as Windows-1252 would.
    attempts = ["utf-8", "latin-1"] if encoding == "utf-8-sig" else ["latin-1"]
    for attempt in attempts:
        try:
            con.execute("DROP TABLE IF EXISTS staged")
            con.execute(
                f"""
                CREATE TEMP TABLE staged AS
                SELECT {cell("practice_code")} AS practice_code, {cell("lsoa_code")} AS lsoa_code,
                       {cell("sex")} AS sex, {cell("patients")} AS patients
                FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                              columns = ?, strict_mode = true, null_padding = false, encoding = ?)
                """,
                [str(source.csv_path), columns, attempt],
            )
            return attempt
        except duckdb.InvalidInputException as error:
            if "Invalid unicode" in str(error) and attempt != attempts[-1]:
                continue  # not UTF-8 after all (a byte past the header): read it as Windows-1252
            raise DataFormatError(source.path, _unreadable(source, error)) from None
    raise AssertionError("unreachable: the last attempt returns or raises")


def _unreadable(source: _Csv, error: duckdb.Error) -> list[str]:
    """Why DuckDB could not read the CSV: the project's own shape problems (a line with another number of
    fields than the header, a quote never closed) when the file has any, else DuckDB's first line."""
    # Only on this failure path is the file read whole, to name the lines as every other reader does.
    problems = shape_problems(source.csv_path.read_bytes(), source.where)
    if problems:
        return problems
    detail = str(error).strip().splitlines()
    found = re.search(r"CSV Error on Line: (\d+)", str(error))
    line = f"line {found.group(1)}: " if found else ""
    return [f"{source.where}{line}not a CSV file DuckDB can read ({detail[0] if detail else error})"]


def _problems(con, source: _Csv, headers: dict[str, str], encoding: str) -> list[str]:
    """The pandas reader's problems, found by SQL over `staged`: empty file, no all-persons rows, bad
    codes and counts, repeated practice and LSOA. Rows are named only when there is a problem."""
    total, all_persons = con.execute("SELECT count(*), count(*) FILTER (WHERE sex = 'ALL') FROM staged").fetchone()
    if total == 0:
        return [f"{source.where}no data rows: the file has a header row but nothing under it"]
    if all_persons == 0:
        return [f"{source.where}no all-persons rows: expected rows with {headers['sex']} 'ALL'"]

    not_whole = "NOT regexp_full_match(patients, '\\d+')"
    checks = [  # (column, what was expected, SQL true for a failing all-persons row): the schema's order
        ("practice_code", _EXPECTED["practice_code"][0], f"NOT regexp_full_match(practice_code, '{PRACTICE_CODE}')"),
        ("lsoa_code", _EXPECTED["lsoa_code"][0], f"NOT regexp_full_match(lsoa_code, '{_LSOA_PATTERN}')"),
        ("patients", _EXPECTED["patients"][0], not_whole),
        # As `_checks.at_most`: any number (decimals, thousands separators) above the limit, whole or not.
        ("patients", _EXPECTED["patients"][1],
         f"regexp_full_match(patients, '{_NUMBER_FORM}') AND TRY_CAST(replace(patients, ',', '') AS DOUBLE) > {MAX_LIST_SIZE}"),
    ]
    # One scan counts every kind of problem; a clean national file stops here.
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {failing})" for _, _, failing in checks)
        + " FROM staged WHERE sex = 'ALL'"
    ).fetchone()
    repeated = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM staged WHERE sex = 'ALL' GROUP BY practice_code, lsoa_code "
        "HAVING count(*) > 1)"
    ).fetchone()[0]
    if not any(counts) and not repeated:
        return []

    found = []  # (column, expected, [(ordinal, value)], how many)
    for (column, expected, failing), count in zip(checks, counts):
        if count:
            examples = con.execute(
                f"SELECT rowid, {column} FROM staged WHERE sex = 'ALL' AND {failing} ORDER BY rowid LIMIT ?",
                [MAX_PROBLEMS],
            ).fetchall()
            found.append((column, expected, examples, count))
    groups = con.execute(
        "SELECT practice_code, lsoa_code, list(rowid ORDER BY rowid) FROM staged WHERE sex = 'ALL' "
        "GROUP BY practice_code, lsoa_code HAVING count(*) > 1 ORDER BY min(rowid) LIMIT ?",
        [MAX_PROBLEMS],
    ).fetchall()

    wanted = {ordinal for _, _, examples, _ in found for ordinal, _ in examples}
    wanted |= {ordinal for *_, ordinals in groups for ordinal in ordinals}
    rows = _row_numbers(source.csv_path, encoding, wanted)
    problems = []
    for column, expected, examples, count in found:
        header = headers[column]
        lines = [
            f"{source.where}row {rows[ordinal]}, column '{header}': expected {expected}, found {shown(value)}"
            for ordinal, value in examples
        ]
        problems += _capped(lines, count, f"in column '{header}' with the same problem")
    label = f"columns '{headers['practice_code']}', '{headers['lsoa_code']}'"
    lines = [
        f"{source.where}{label}: practice and LSOA '{practice}', '{lsoa}' appears in rows "
        f"{row_list(rows[o] for o in ordinals)}; expected once"
        for practice, lsoa, ordinals in groups
    ]
    return problems + _capped(lines, repeated, "repeated practice and LSOAs")


def _capped(lines: list[str], count: int, rest: str) -> list[str]:
    """`_checks.capped`'s wording, when only the first MAX_PROBLEMS of `count` problems were fetched."""
    if count <= MAX_PROBLEMS:
        return lines
    return lines[:MAX_PROBLEMS] + [f"... and {count - MAX_PROBLEMS} more {rest}"]


def _row_numbers(csv_path: Path, encoding: str, ordinals: set[int]) -> dict[int, int]:
    """The row number (header = 1, as the pandas reader and a spreadsheet count records) of each wanted
    ordinal of `staged`. DuckDB skips empty lines, which the pandas reader counts, so the file is walked
    once, record by record, on this failure path only."""
    wanted = sorted(ordinals)
    found: dict[int, int] = {}
    if not wanted:
        return found
    text_encoding = "utf-8-sig" if encoding == "utf-8" else "latin-1"
    with csv_path.open(encoding=text_encoding, newline="") as text:
        records = csv.reader(text)
        next(records, None)  # the header, row 1
        ordinal = 0
        for number, record in enumerate(records, start=2):
            if not record:
                continue  # an empty line: a row to the pandas reader, none to DuckDB
            if ordinal == wanted[len(found)]:
                found[ordinal] = number
                if len(found) == len(wanted):
                    break
            ordinal += 1
    return found


def _write(con, entry: Path, digest: str) -> None:
    """The all-persons rows, normalised, to `entry`: a temporary file in its folder, then renamed."""
    no_area = ", ".join(f"'{word}'" for word in NO_AREA)
    vintage = "2011" if con.execute(
        "SELECT count(*) FROM staged WHERE sex = 'ALL' AND lsoa_code = ?", [NO_LSOA]
    ).fetchone()[0] else ""
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".tmp")
    os.close(fd)
    try:
        con.execute(
            f"""
            COPY (
                SELECT practice_code,
                       CASE WHEN lsoa_code IN ({no_area}) THEN NULL ELSE lsoa_code END AS lsoa_code,
                       CAST(patients AS BIGINT) AS patients,
                       CASE WHEN lsoa_code IN ({no_area}) THEN lsoa_code END AS unassigned
                FROM staged WHERE sex = 'ALL' ORDER BY rowid
            ) TO '{_sql_text(tmp)}' (FORMAT parquet, COMPRESSION zstd,
                KV_METADATA {{pcnreport_format: '{FORMAT}', source_sha256: '{digest}', lsoa_vintage: '{vintage}'}})
            """
        )
        os.replace(tmp, entry)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS staged")


def _sql_text(value: str) -> str:
    # COPY ... TO takes a literal file name, not a parameter: quotes in a path are doubled.
    return str(value).replace("'", "''")


def entry_rows(entry: Path) -> pd.DataFrame:
    """An entry's rows as a pandas frame, as `read_registrations_lsoa` returns them (for tests and small
    releases: a national release is ~800,000 rows, which is what the store exists to avoid)."""
    with connect() as con:
        table = con.execute("SELECT * FROM read_parquet(?)", [str(entry)]).df()
    return table.astype({"practice_code": "str", "lsoa_code": "str", "patients": "int64", "unassigned": "str"})
