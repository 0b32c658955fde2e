"""Download a catalogued release, verify it, cache it, and place it in a data folder.

    publisher URL --(urllib, resumable)--> <cache>/<key>.part --(sha256, size)--> <cache>/<key>
        --> <data_dir>/<folder>/<release>/<file>      (a ZIP's member extracted safely)

The cache key is the catalogue's sha256 when it knows the download's checksum, otherwise a hash of the
URL, so a second fetch of the same release makes no request. Nothing incomplete is ever at a final path:
bytes go to `.part` files and temporary folders that are renamed only when complete and verified.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from pcnreport.core.atomic import copy_atomic, current_umask
from pcnreport.core.errors import ArchiveError, ChecksumError, FetchError
from pcnreport.core.hashing import sha256_of, url_cache_name
from pcnreport.data import landing
from pcnreport.data.catalogue import Catalogue, Dataset, Release

CHUNK = 1 << 16
# Worth another try: the server or the network may recover. Anything else (404, 403) will not.
RETRY_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one archive may extract: a guard against ZIP bombs."""

    max_bytes: int = 4 * 1024**3
    max_members: int = 10_000


@dataclass(frozen=True)
class Retry:
    attempts: int = 5  # requests in all, the first included
    backoff: float = 1.0  # seconds before the second attempt, doubling after each failure
    timeout: float = 60.0  # seconds without data before a request counts as failed


class _Transient(Exception):
    """A failure worth retrying (connection reset, timeout, 5xx)."""


class Downloaded(NamedTuple):
    sha256: str
    size: int
    # The file name the server gave (Content-Disposition), None when it gave none: an address such as an
    # ArcGIS item's .../items/<id>/data names no file, but the response does.
    name: str | None = None


# --- Fetching a catalogued release ------------------------------------------------------------------------


def fetch(
    catalogue: Catalogue,
    dataset: str | Dataset,
    release: str | None,
    data_dir: Path,
    *,
    cache_dir: Path,
    progress: bool = True,
    retry: Retry = Retry(),
    limits: ArchiveLimits = ArchiveLimits(),
    refresh: bool = False,
    log=None,
) -> Path:
    """Download `release` of `dataset` (default: its latest downloadable release) and place it in `data_dir`.

    Returns the placed file: `<data_dir>/<folder>/<release>/<file name>`. `refresh` downloads again even
    when the cache holds the release (for releases with no checksum, e.g. ODS's "current" ePCN).
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    entry = catalogue[dataset if isinstance(dataset, str) else dataset.name]
    rel = catalogue.release(entry.name, release) if release is not None else latest_downloadable(entry)
    if not is_downloadable(entry, rel):
        raise FetchError(not_downloadable(entry, rel, data_dir))

    cached = cache_path(Path(cache_dir), rel)
    if refresh and not rel.verifies_download:
        cached.unlink(missing_ok=True)
    if cached.is_file() and not _cache_ok(cached, rel):
        log(f"cache: '{cached}' does not match the catalogue; downloading again")
        cached.unlink()
    if cached.is_file():
        log(f"cache: {entry.name} {rel.id} from '{cached}'")
        address = _recorded_address(cached, rel)
        served_name = _recorded_facts(cached).get("file_name")
    else:
        address = rel.url
        if not rel.url_confirmed:
            address = landing.resolve(rel.url, entry, retry.timeout)
            log(f"found {entry.name} {rel.id} at {address} (linked from {rel.url})")
        sha256, size, served_name = download(
            address,
            cached,
            expected_sha256=rel.sha256 if rel.verifies_download else None,
            expected_size=rel.size if rel.verifies_download else None,
            retry=retry,
            progress=progress,
        )
        _record(cached, address, sha256, size, served_name)
        if not rel.verifies_download:
            log(_unknown_checksum_note(entry, rel, sha256, size))

    target_dir = Path(data_dir) / entry.folder / rel.id
    if rel.archive == "zip":
        try:
            placed = extract_zip(cached, target_dir, member=rel.member, limits=limits)
        except ArchiveError:
            if not rel.verifies_download:
                # Unverified bytes that are not a usable ZIP (often an HTML error page): do not keep them
                # in the cache, or every later fetch would fail the same way without a request.
                cached.unlink(missing_ok=True)
                cached.with_name(cached.name + ".json").unlink(missing_ok=True)
            raise
        return placed[0]
    name = placed_name(rel, address, served_name)
    if not any(fnmatchcase(name.lower(), pattern.lower()) for pattern in entry.file_patterns):
        log(
            f"note: {entry.name} {rel.id} is placed as '{name}', which matches none of the dataset's file names "
            f"({', '.join(entry.file_patterns)}), so `data validate` and the build will not find it: give the "
            "release a `file_name` in data/catalogue.yaml"
        )
    return copy_atomic(cached, target_dir / name)


def placed_name(release: Release, address: str, served_name: str | None) -> str:
    """The name a downloaded (not archived) file is placed under: the catalogue's `file_name`, else the name
    the server gave, else the address's last part. The catalogue wins so that the name matches the
    dataset's `files` whatever the server calls the file."""
    return release.file_name or served_name or file_name(address)


def is_downloadable(dataset: Dataset, release: Release) -> bool:
    """A file address, or a landing page that links the file (`file_on_landing_page`)."""
    return release.url is not None and (release.url_confirmed or dataset.file_on_landing_page)


def fetchable(dataset: Dataset) -> list[Release]:
    return [r for r in dataset.releases.values() if is_downloadable(dataset, r)]


def latest_downloadable(dataset: Dataset) -> Release:
    """The latest release with a confirmed address; failing that the latest release (whose landing page
    the error then names)."""
    releases = fetchable(dataset) or list(dataset.releases.values())
    if not releases:
        raise FetchError(
            f"'{dataset.name}' has no release in the catalogue"
            + (" (it is not public)" if dataset.landing_page is None else "")
            + f": place its file ({', '.join(dataset.file_patterns)}) into <data-dir>/{dataset.folder}/<release>/ by hand"
        )
    return max(releases, key=lambda r: r.id)


def not_downloadable(dataset: Dataset, release: Release, data_dir: Path) -> str:
    target = Path(data_dir) / dataset.folder / release.id
    if release.url is None:
        return (
            f"'{dataset.name}' release '{release.id}' is not a publisher's file and cannot be downloaded"
            f"{': ' + release.notes if release.notes else ''}"
        )
    return (
        f"'{dataset.name}' release '{release.id}': the catalogue has only the landing page, not a confirmed "
        f"file address. Download the file ({', '.join(dataset.file_patterns)}) from {release.url} into "
        f"'{target}/', then run `pcnreport data validate {data_dir}`"
    )


def cache_path(cache_dir: Path, release: Release) -> Path:
    if release.verifies_download:
        return cache_dir / release.sha256
    return cache_dir / url_cache_name(release.url)


def file_name(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise FetchError(f"'{url}': the address names no file")
    return name


def _cache_ok(path: Path, release: Release) -> bool:
    if not release.verifies_download:
        return True  # keyed by URL: nothing to check against (a complete file is only ever renamed in)
    if release.size is not None and path.stat().st_size != release.size:
        return False
    return sha256_of(path) == release.sha256


def _recorded_address(cached: Path, release: Release) -> str:
    """The address the cached file was downloaded from (a landing page's link is known only then)."""
    if release.url_confirmed:
        return release.url
    address = _recorded_facts(cached).get("url")
    if not isinstance(address, str):
        raise FetchError(
            f"'{cached}': the cache does not record where this download came from; delete it and fetch again"
        )
    return address


def _recorded_facts(cached: Path) -> dict:
    """What `_record` wrote beside a cached download; empty when nothing readable was recorded."""
    try:
        facts = json.loads(cached.with_name(cached.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}


def _record(cached: Path, url: str, sha256: str, size: int, served_name: str | None = None) -> None:
    facts = {"url": url, "sha256": sha256, "size": size, "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if served_name:
        facts["file_name"] = served_name  # so a later fetch from the cache places it under the same name
    cached.with_name(cached.name + ".json").write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")


def _unknown_checksum_note(dataset: Dataset, release: Release, sha256: str, size: int) -> str:
    lines = [
        f"note: the catalogue has no checksum for the download of {dataset.name} {release.id}; it is",
        f"    sha256: {sha256}",
        f"    size: {size}",
        "  add both to this release in data/catalogue.yaml once you have checked the file.",
    ]
    if release.checksum_of and release.sha256 and release.archive is None:
        same = release.sha256 == sha256
        lines.append(f"  It is {'identical to' if same else 'different from'} the {release.checksum_of}.")
    return "\n".join(lines)


# --- Downloading ----------------------------------------------------------------------------------------


def download(
    url: str,
    dest: Path,
    *,
    expected_sha256: str | None = None,
    expected_size: int | None = None,
    retry: Retry = Retry(),
    progress: bool = True,
) -> Downloaded:
    """Download `url` to `dest` through `dest.part`, resuming it after a broken connection.

    Returns the file's sha256 and size, and the file name the server gave (Content-Disposition) if any.
    A wrong checksum or size raises ChecksumError and deletes the partial file, so a bad download is never
    kept (nor resumed from).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    served_name = None
    for attempt in range(1, retry.attempts + 1):
        try:
            served_name = _attempt(url, part, expected_size, retry.timeout, progress)
            break
        except _Transient as exc:
            if attempt == retry.attempts:
                raise FetchError(
                    f"'{url}': download failed after {attempt} attempts: {exc}. Run the command again to "
                    f"resume ({part.stat().st_size if part.exists() else 0} bytes are kept in '{part}')"
                ) from None
            time.sleep(retry.backoff * 2 ** (attempt - 1))
    sha256, size = sha256_of(part), part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink()
        raise ChecksumError(url, f"{expected_size} bytes", f"{size} bytes")
    if expected_sha256 is not None and sha256 != expected_sha256:
        part.unlink()
        raise ChecksumError(url, f"sha256 {expected_sha256}", f"sha256 {sha256}")
    os.replace(part, dest)
    return Downloaded(sha256, size, served_name)


def served_file_name(headers) -> str | None:
    """The file name in a response's Content-Disposition header, reduced to a safe plain name (its last
    path part, no control characters, not hidden); None when there is none or nothing safe is left."""
    try:
        raw = headers.get_filename()  # email.message.Message: handles filename="..." and RFC 2231 filename*=
    except (AttributeError, ValueError, LookupError):
        return None
    if not raw:
        return None
    name = re.split(r"[\\/]", str(raw).strip())[-1].strip()
    if not name or name.startswith(".") or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    return name


def _attempt(url: str, part: Path, expected_size: int | None, timeout: float, progress: bool) -> str | None:
    offset = part.stat().st_size if part.exists() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()  # longer than the whole file: not a prefix of it
        offset = 0
    headers = {"User-Agent": landing.USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            part.unlink()  # the kept bytes do not fit the file the server has now: start over
            raise _Transient(f"HTTP 416 for the range from byte {offset}; starting over") from None
        if exc.code in RETRY_STATUS:
            raise _Transient(f"HTTP {exc.code} {exc.reason}") from None
        raise FetchError(f"'{url}': HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _Transient(str(getattr(exc, "reason", exc))) from None

    with response:
        if offset and response.status == 206 and _range_start(response) == offset:
            mode = "ab"
        else:
            mode, offset = "wb", 0  # the server ignored the Range header (200): start over
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else expected_size
        with open(part, mode) as out, _bar(total, offset, progress, file_name(url)) as bar:
            try:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(f"connection broken after {out.tell()} bytes: {exc!r}") from None
        if length and length.isdigit() and part.stat().st_size < total:
            raise _Transient(f"connection closed after {part.stat().st_size} of {total} bytes")
        return served_file_name(response.headers)


def _range_start(response) -> int | None:
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _bar(total: int | None, initial: int, progress: bool, label: str):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
        disable=not (progress and sys.stderr.isatty()), leave=False,
    )  # fmt: skip


# --- Placing files ----------------------------------------------------------------------------------------


def extract_zip(
    archive: Path, target_dir: Path, *, member: str | None = None, limits: ArchiveLimits = ArchiveLimits()
) -> list[Path]:
    """Extract the members matching `member` (a glob of the file name; None: all) into `target_dir`.

    Every member is checked before anything is written: no absolute paths, no `..`, no symbolic links,
    at most `limits.max_members` members and `limits.max_bytes` bytes (counted while extracting too, since
    a ZIP's declared sizes can lie). Members are placed by file name (ZIP folders dropped), first into a
    temporary folder beside `target_dir`, then renamed in.
    """
    archive, target_dir = Path(archive), Path(target_dir)
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"'{archive}': not a readable ZIP archive ({exc})") from None
    with handle:
        infos = handle.infolist()
        if len(infos) > limits.max_members:
            raise ArchiveError(
                f"'{archive}': {len(infos)} members, more than the limit of {limits.max_members}: refused"
            )
        for info in infos:
            _check_member(archive, info)
        chosen = [
            i for i in infos
            if not i.is_dir() and (member is None or fnmatchcase(PurePosixPath(i.filename).name, member))
        ]  # fmt: skip
        if not chosen:
            names = ", ".join(i.filename for i in infos[:20])
            raise ArchiveError(f"'{archive}': no member matches '{member}' (members: {names})")
        names = [PurePosixPath(i.filename).name for i in chosen]
        if len(set(names)) != len(names):
            raise ArchiveError(f"'{archive}': several members share a file name: {', '.join(sorted(names))}")
        declared = sum(i.file_size for i in chosen)
        if declared > limits.max_bytes:
            raise ArchiveError(_too_big(archive, declared, limits))

        target_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target_dir.parent, prefix=f".{target_dir.name}.extract-"))
        try:
            written = 0
            for info, name in zip(chosen, names):
                with handle.open(info) as source, open(staging / name, "wb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > limits.max_bytes:
                            raise ArchiveError(_too_big(archive, written, limits))
                        out.write(chunk)
                os.chmod(staging / name, 0o666 & ~current_umask())
            return _move_in(staging, target_dir, names)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _move_in(staging: Path, target_dir: Path, names: list[str]) -> list[Path]:
    if not target_dir.exists():
        os.chmod(staging, 0o777 & ~current_umask())
        try:
            os.replace(staging, target_dir)  # the whole release folder appears at once
            return [target_dir / n for n in names]
        except OSError:
            pass  # created meanwhile: fall back to moving the files one by one
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(staging / name, target_dir / name)
    return [target_dir / n for n in names]


def _check_member(archive: Path, info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise ArchiveError(f"'{archive}': member '{name}' has an absolute path: refused")
    if ".." in parts:
        raise ArchiveError(f"'{archive}': member '{name}' points outside the folder ('..'): refused")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise ArchiveError(f"'{archive}': member '{name}' is a symbolic link: refused")


def _too_big(archive: Path, size: int, limits: ArchiveLimits) -> str:
    return (
        f"'{archive}': extracting it would write {size} bytes or more, over the limit of {limits.max_bytes} "
        "(a ZIP bomb, or a far larger file than expected): refused"
    )
