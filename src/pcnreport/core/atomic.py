"""Writes that never leave a half-written file behind.

A reader of any output (a user opening the site, the next build hashing a file) sees either the
old complete version or the new complete one: files are written beside their target and renamed
over it. (The published site folder is swapped in whole by `pcnreport.build.publish`.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pcnreport.core import runlog


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_with(path: Path, fill) -> None:
    """Create a temporary file beside `path`, let `fill(tmp)` write it, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file must be in the same folder: os.replace is atomic only within one filesystem.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        fill(tmp)
        # mkstemp creates files readable by their owner only; published files must be world-readable.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes, *, record: bool = True, fsync: bool = True) -> Path:
    """Write `data` to `path` atomically. `record=False` for a cache a notebook's kernel keeps for itself
    (read tables, file hashes): those are not the notebook's outputs, so the build must not restore them.
    `fsync=False` for a cache entry whose loss in a power cut costs only its recomputation."""
    path = Path(path)

    def fill(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())

    _replace_with(path, fill)
    if record:
        runlog.record_write(path)  # inside a build's notebook run: the build caches what each run wrote
    return path


def write_text_atomic(path: Path, text: str, *, record: bool = True, fsync: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), record=record, fsync=fsync)


def copy_atomic(source: Path, target: Path, *, keep_times: bool = False) -> Path:
    """Copy `source` over `target` atomically; `keep_times` keeps the source's modification time (a
    restored output then looks as it did when the build hashed it)."""
    target = Path(target)
    _replace_with(target, lambda tmp: (shutil.copy2 if keep_times else shutil.copyfile)(source, tmp))
    return target

