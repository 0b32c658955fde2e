"""Remember pandoc's answers by what it was given, so an unchanged page is not converted again.

pandoc is a pure function of its arguments, its standard input and the files its arguments name
(template, Lua filter, includes, bibliography). A render of the book makes about 300 pandoc calls
(one parse and one HTML page per chapter, area profiles included); after one chapter's text changes,
all but a few get exactly the same input as last time. `PandocCache.run` keys each call by a SHA-256
over the pandoc binary, the arguments (each argument that names a file replaced by that file's hash)
and the input, and keeps the output in `<folder>/<key>.json`. `prune` then deletes the entries the
last render did not use, so the folder holds one book's worth.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ..core.atomic import write_text_atomic
from ..core.hashing import sha256_bytes, sha256_of
from .pandoc_run import pandoc_binary, run_pandoc


class PandocCache:
    def __init__(self, folder: Path, refresh: bool = False):
        self.folder = Path(folder)
        self.refresh = refresh  # convert everything again (--force), but keep the answers for next time
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._file_hashes: dict[str, str] = {}

    def _file_hash(self, path: str) -> str:
        if path not in self._file_hashes:
            self._file_hashes[path] = sha256_of(Path(path))
        return self._file_hashes[path]

    def key(self, args: list[str], stdin: str) -> str:
        binary = pandoc_binary()
        stat = os.stat(binary)
        named = [[arg, self._file_hash(arg)] if os.path.isfile(arg) else arg for arg in args]
        head = json.dumps([binary, stat.st_size, stat.st_mtime_ns, named]).encode("utf-8")
        return sha256_bytes(head + b"\0" + stdin.encode("utf-8"))

    def run(self, args: list[str], stdin: str, what: str) -> tuple[str, str]:
        """Like `run_pandoc`: (stdout, stderr), from the cache when pandoc saw this input before."""
        key = self.key(args, stdin)
        entry = self.folder / f"{key}.json"
        with self._lock:
            self.used.add(key)
        try:
            if self.refresh:
                raise OSError("refreshing")
            stored = json.loads(entry.read_text(encoding="utf-8"))
            with self._lock:
                self.hits += 1
            return stored["stdout"], stored["stderr"]
        except (OSError, ValueError, KeyError):
            pass
        stdout, stderr = run_pandoc(args, stdin, what)  # a failure raises, and nothing is stored
        self._store(entry, json.dumps({"stdout": stdout, "stderr": stderr}))
        with self._lock:
            self.misses += 1
        return stdout, stderr

    def _store(self, entry: Path, text: str) -> None:
        # Renamed into place, so a reader never sees half an entry; not synced to disk: a lost entry
        # costs one pandoc call, and 300 fsyncs would cost seconds.
        write_text_atomic(entry, text, record=False, fsync=False)

    def prune(self) -> None:
        """Delete the entries this cache's renders did not use."""
        for entry in self.folder.glob("*.json"):
            if entry.stem not in self.used:
                entry.unlink(missing_ok=True)
