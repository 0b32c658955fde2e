"""SHA-256 of bytes, files and JSON values: one definition for downloads, checks and the build cache.

Imports only the standard library (and `atomic` to save the memo): the build cache hashes files on the
no-op path, which must stay fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from pcnreport.core.atomic import write_text_atomic

_BLOCK = 1 << 20  # read files a MiB at a time: the national LSOA file is ~70 MB


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks so a large file never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(value) -> str:
    """A key for a JSON-able value that does not depend on dict order or whitespace."""
    return sha256_bytes(json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def url_cache_name(url: str) -> str:
    """The cache file name of a download known only by its address (no checksum yet)."""
    return f"url-{sha256_bytes(url.encode('utf-8'))}"


class FileHasher:
    """SHA-256 of files, remembered by (size, mtime, ctime, inode) as git's index does.

    A rebuild re-hashes only files whose metadata changed, so checking 100 MB of data costs a stat
    per file. ctime is in the signature because no program can set it: a write that restores the size
    and mtime (`touch -d`, a copy keeping times) still changes it. And as git does for "racily clean"
    files, a file changed within `RACY_SECONDS` of being hashed is not remembered, since a second
    write in the same timestamp tick would leave its signature unchanged.
    """

    RACY_SECONDS = 2  # covers coarse timestamps (2 s on FAT) as well as the kernel's clock tick

    def __init__(self, store: Path | None = None):
        self.store = Path(store) if store else None
        self._known: dict[str, list] = {}
        self._dirty = False
        if self.store and self.store.is_file():
            try:
                self._known = json.loads(self.store.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                self._known = {}

    def __call__(self, path: Path) -> str:
        path = Path(path)
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        # abspath, not resolve(): no syscalls (resolve() was half a no-op build's time); the signature's
        # inode still tells two files apart whatever path names them.
        key = os.path.abspath(path)
        known = self._known.get(key)
        if isinstance(known, list) and known[:4] == signature:
            return known[4]
        digest = sha256_of(path)
        changed_last = max(stat.st_mtime_ns, stat.st_ctime_ns)
        if time.time_ns() - changed_last > self.RACY_SECONDS * 1_000_000_000:
            self._known[key] = [*signature, digest]
            self._dirty = True
        return digest

    def save(self) -> None:
        # A cache, never an output: not recorded as written by a notebook when saved inside its kernel.
        if self.store and self._dirty:
            write_text_atomic(self.store, json.dumps(self._known, sort_keys=True), record=False)
            self._dirty = False


def tree_hashes(root: Path, folder: Path | str, hasher: FileHasher, suffixes: tuple[str, ...] | None = None) -> dict[str, str]:
    """relative path -> sha256 of every file under root/folder (sorted; caches and hidden files left out)."""
    root = Path(root)
    base = root / folder
    if base.is_file():
        return {Path(folder).as_posix(): hasher(base)}
    found = {}
    for path in sorted(base.rglob("*")) if base.is_dir() else []:
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_file() and (suffixes is None or path.suffix in suffixes):
            found[relative.as_posix()] = hasher(path)
    return found
