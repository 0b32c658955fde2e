"""Writes that never leave a half-written file or folder behind.

A reader of any output (a user opening the site, the next build hashing a file) sees either the
old complete version or the new complete one: files are written beside their target and renamed
over it, and a published folder is swapped in with renames.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pcnreport import runlog


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes, *, record: bool = True) -> Path:
    """Write `data` to `path` atomically. `record=False` for a cache a notebook's kernel keeps for itself
    (read tables, file hashes): those are not the notebook's outputs, so the build must not restore them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file must be in the same folder: os.replace is atomic only within one filesystem.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates files readable by their owner only; published files must be world-readable.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if record:
        runlog.record_write(path)  # inside a build's notebook run: the build caches what each run wrote
    return path


def write_text_atomic(path: Path, text: str, *, record: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), record=record)


def publish_directory(staging: Path, target: Path) -> None:
    """Replace `target` with the complete folder `staging`.

    POSIX cannot swap two non-empty folders in one call, so the old folder is first renamed aside
    (`.target.old`), the new one renamed in, and only then the old one deleted. If the process dies
    between the two renames, `recover_directory` puts the old one back on the next run.
    """
    staging, target = Path(staging), Path(target)
    # Staging folders come from mkdtemp (owner-only); a published site must be readable by a web server.
    os.chmod(staging, 0o777 & ~_umask())
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        if backup.exists() and not target.exists():
            os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def recover_directory(target: Path) -> None:
    """Restore `target` from its backup if a previous publish was interrupted mid-swap."""
    target = Path(target)
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        if target.exists():
            shutil.rmtree(backup)
        else:
            os.replace(backup, target)
