"""Writes that never leave a half-written file behind.

A reader of any output (a user opening the site, the next build hashing a file) sees either the
old complete version or the new complete one: files are written beside their target and renamed
over it, and a folder (the published site) is exchanged with its complete replacement
(`replace_directory`). A process killed at any moment (SIGKILL, a power cut of the process) leaves
at worst hidden temporary names behind, never a half-written file or folder under the real name.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
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


# --- whole folders ------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h: swap the two names in one step
_AT_FDCWD = -100
# errno values meaning "this system or filesystem cannot exchange", not "this exchange failed".
_NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _renameat2():
    """glibc's renameat2 (2.28+), or None where the C library has none (macOS, old or other libcs)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap the names of two existing paths in one atomic step (Linux's RENAME_EXCHANGE).

    Returns False, having changed nothing, where the system or the filesystem cannot do it; raises
    OSError for any other failure (a missing path, a permission).
    """
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def backup_path(target: Path) -> Path:
    """Where `replace_directory`'s fallback keeps the old folder between its two renames."""
    return Path(target).with_name(f".{Path(target).name}.old")


def discard_directory(path: Path) -> None:
    """Delete a folder so that no state of an interrupted deletion carries a name anything trusts.

    A deletion killed half-way leaves some files and not others. The folder is first renamed to a
    hidden throw-away name, which only `recover_directory` looks at (to finish the deletion).
    """
    path = Path(path)
    if not path.exists():
        return
    doomed = path.with_name(f".{path.name.lstrip('.')}.trash-{secrets.token_hex(4)}")
    os.replace(path, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def replace_directory(source: Path, target: Path) -> None:
    """Put the complete folder `source` at `target`, deleting the folder that was there.

    Where the system can (Linux), the two folders' names are exchanged in one step: at every instant
    `target` is either the whole old folder or the whole new one, and the old one, now at `source`'s
    name, is deleted after. Elsewhere POSIX has no such step: the old folder is renamed aside to
    `backup_path(target)` and the new one renamed in; between the two renames `target` is absent but
    the old folder is complete under the backup name, and `recover_directory` (run first by the next
    build) puts it back.
    """
    source, target = Path(source), Path(target)
    recover_directory(target)  # a backup left by an interrupted fallback is the published folder
    if not source.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no folder to publish", str(source))
    if not target.exists():
        os.rename(source, target)
        return
    if exchange_paths(source, target):
        discard_directory(source)  # the old folder, now under the staging name
        return
    backup = backup_path(target)
    os.rename(target, backup)
    try:
        os.rename(source, target)
    except BaseException:
        os.rename(backup, target)
        raise
    discard_directory(backup)


def recover_directory(target: Path) -> None:
    """Undo what an interrupted `replace_directory` or `discard_directory` left beside `target`.

    A backup with no `target` is the old folder, complete, caught between the fallback's two renames:
    it is put back. A backup beside a `target` was being discarded: `target` is complete, so the
    backup goes. Throw-away folders of an interrupted deletion are deleted.
    """
    target = Path(target)
    backup = backup_path(target)
    if backup.exists():
        if target.exists():
            discard_directory(backup)
        else:
            os.rename(backup, target)
    for leftover in target.parent.glob(f".{target.name}.trash-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.old.trash-*"):
        shutil.rmtree(leftover, ignore_errors=True)
