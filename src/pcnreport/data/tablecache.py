"""A disk cache of readers' tidy tables, so a dataset is parsed and validated once, not once a notebook.

Five notebooks read the ePCN workbook and one reads eight datasets; each runs in its own kernel, so
without this cache every kernel parses and validates the same files again (most of a notebook's time).
An entry is keyed by everything the table depends on:

- the SHA-256 of the data file's bytes (remembered by size, mtime, ctime and inode, see
  `core.hashing.FileHasher`, so a 65 MB file is not re-hashed by every kernel);
- the reader's name and the source of the readers package (every `.py` under `pcnreport/readers`, and
  `errors.py` which they raise from), so editing a reader invalidates its tables;
- the versions of Python and of the libraries that parse or hold the table (pandas, numpy, pandera,
  openpyxl, python-calamine): a new pandas may parse differently, and pickles are only promised to
  load in the pandas version that wrote them.

Why pickle and not parquet: a reader returns DataFrames with pandas' own dtypes (categoricals, nullable
Int64/Float64, datetime64[ns], the `str` dtype) or, for ePCN, a dataclass of two frames; pickle stores
them exactly and loads the largest (800,000 rows) in under 0.1 s, with nothing to install. Parquet
would need pyarrow (a 55 MB wheel that also changes pandas' default string storage for the whole
project) and a mapping for the dataclass. Pickle's drawbacks are handled here: the key pins the pandas
and Python versions, and loading a pickle runs code, so entries live only in the project's own
`.cache/tables/`, written by the project itself: the same trust as the project's source files.

An entry is one file: a header line (format, key, payload length and SHA-256) then the pickle. It is
written atomically; a file that is truncated, corrupt, from another format or for another key is a
miss: the table is read again and the entry rewritten. Only the newest `KEEP` entries of a dataset are
kept, so a data folder updated monthly does not grow the cache without bound.
"""

from __future__ import annotations

import json
import pickle
import sys
from importlib import metadata
from pathlib import Path

from pcnreport.core.atomic import write_bytes_atomic
from pcnreport.core.hashing import FileHasher, sha256_bytes, sha256_json, tree_hashes

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the pcnreport package: its readers and errors key the tables
FOLDER = Path(".cache") / "tables"  # below the project folder; .cache/ is never committed
FORMAT = 1  # bump when the entry layout changes: every older entry becomes a miss
MAGIC = b"pcnreport-table\n"
KEEP = 3  # entries kept a dataset (the newest): the current release, the last and one spare
HASHES_FILE = "file-hashes.json"
# The libraries whose behaviour or pickled classes shape a table. Missing ones count as "absent".
LIBRARIES = ("pandas", "numpy", "pandera", "openpyxl", "python-calamine")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


class TableCache:
    """Tables keyed by (reader, data file bytes, readers' source, library versions) in `folder`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.hasher = FileHasher(self.folder / HASHES_FILE)
        self._environment: str | None = None
        self.hits: list[str] = []  # dataset names served from the cache, for tests and curious users

    def environment(self) -> str:
        """One digest over the readers' source and the library versions (computed once a process)."""
        if self._environment is None:
            self._environment = sha256_json(
                {
                    "format": FORMAT,
                    "python": list(sys.version_info[:3]),
                    "libraries": {name: _version(name) for name in LIBRARIES},
                    "readers": tree_hashes(PACKAGE_DIR.parent, f"{PACKAGE_DIR.name}/data/readers", self.hasher, (".py",)),
                    "errors": self.hasher(PACKAGE_DIR / "core" / "errors.py"),
                }
            )
        return self._environment

    def read(self, dataset: str, reader: str, path: Path, read):
        """`read(path)`'s table, from the cache when an entry for this file, reader and library exists."""
        try:
            key = self.key(reader, path)
        except OSError:
            return read(path)  # the file cannot be hashed: the reader says what is wrong with it
        table = self.load(dataset, key)
        if table is None:
            table = read(path)  # a bad file raises here, and nothing is stored
            self.store(dataset, key, table)
        self.hasher.save()
        return table

    def key(self, reader: str, path: Path) -> str:
        return sha256_json({"reader": reader, "file": self.hasher(path), "environment": self.environment()})

    def entry(self, dataset: str, key: str) -> Path:
        return self.folder / f"{dataset}-{key[:32]}.pickle"

    def load(self, dataset: str, key: str):
        """The cached table, or None when there is no usable entry (absent, truncated, corrupt, stale)."""
        path = self.entry(dataset, key)
        try:
            data = path.read_bytes()
        except OSError:  # absent, or pruned by another kernel between listing and reading
            return None
        header, payload = _split(data)
        if header is None or header.get("format") != FORMAT or header.get("key") != key:
            return None
        # Checked before unpickling: a damaged pickle can load as a wrong table instead of failing.
        if header.get("length") != len(payload) or header.get("sha256") != sha256_bytes(payload):
            return None
        try:
            table = pickle.loads(payload)
        except Exception:  # a checksum match makes this near impossible, but a miss is always safe
            return None
        self.hits.append(dataset)
        return table

    def store(self, dataset: str, key: str, table) -> None:
        payload = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT, "key": key, "length": len(payload), "sha256": sha256_bytes(payload)}
        entry = self.entry(dataset, key)
        # record=False: an entry is this cache's, not an output of the notebook whose kernel wrote it.
        write_bytes_atomic(entry, MAGIC + json.dumps(header, sort_keys=True).encode("ascii") + b"\n" + payload,
                           record=False)
        self._prune(dataset, keep=entry)

    def _prune(self, dataset: str, keep: Path) -> None:
        # Entries of a dataset are "<dataset>-<32 hex>.pickle"; another dataset's name may start with this
        # one's ("registrations-age" vs "registrations"), hence the exact length check of the suffix.
        entries = [
            path for path in self.folder.glob(f"{dataset}-*.pickle")
            if len(path.stem) == len(dataset) + 33 and path != keep
        ]
        try:
            entries.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
        except OSError:
            return  # another kernel is pruning too: leave it to that one
        for old in entries[KEEP - 1:]:
            old.unlink(missing_ok=True)


def _split(data: bytes) -> tuple[dict | None, bytes]:
    if not data.startswith(MAGIC):
        return None, b""
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        return None, b""
    try:
        header = json.loads(data[len(MAGIC):end])
    except ValueError:
        return None, b""
    return (header if isinstance(header, dict) else None), data[end + 1:]
