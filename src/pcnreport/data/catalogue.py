"""The catalogue of data sources (data/catalogue.yaml) and how a data folder is laid out.

A data folder holds each dataset as `<folder>/<release>/<file>` (the catalogue names the folder: several
datasets can share one, e.g. QOF's prevalence and its practice mapping both live in `qof/`). A few
third-party derivatives sit directly in a folder with no release subfolder (`age/gp-by-age.csv`); they
are reported as release "unversioned". A release folder may also hold the publisher's ZIP instead of the
extracted file. Releases sort by name (dates such as 2019-12 or years such as 2019-20), so "latest" is
the last in sort order that holds a file of the dataset.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from pcnreport.core.errors import DataNotFoundError, PcnReportError

UNVERSIONED = "unversioned"  # the release of a file that sits directly in its dataset's folder
REPUBLISHED = "republished copy in ../shared/data"  # `checksum_of` for checksums of a copy, not the download

_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z][a-z0-9-]*")
_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]*")
_ARCHIVES = (None, "zip")


@dataclass(frozen=True)
class Release:
    """One published version of a dataset and where to download it.

    `sha256`/`size` are of the download itself (the ZIP when `archive` is "zip"), unless `checksum_of`
    says they were computed from another copy (e.g. a republished, renamed or trimmed file); such a
    checksum is never used to verify a download, only to recognise that copy.
    """

    id: str
    url: str | None  # None: no publisher address at all (a third party's derivative)
    url_confirmed: bool = True  # False: `url` is the release's landing page, not a file address
    sha256: str | None = None
    size: int | None = None
    archive: str | None = None  # "zip" or None
    member: str | None = None  # glob of the file inside the archive
    checksum_of: str | None = None
    notes: str = ""
    # The name to place a download under when its address names no file of the dataset (an ArcGIS item's
    # .../items/<id>/data); without it, the name the server gives (Content-Disposition) or the address's.
    file_name: str | None = None
    # False: `data fetch --all` leaves the release out (it is fetched only when named with --release),
    # for a release that a build cannot use on its own yet (IMD 2025 needs ONS's LSOA 2011 to 2021
    # lookup, whose address is not confirmed, to join the 2011-LSOA registrations).
    fetch_with_all: bool = True

    @property
    def verifies_download(self) -> bool:
        """True when `sha256` is the publisher's download's checksum (so a fetch must match it)."""
        return self.sha256 is not None and self.checksum_of is None


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Discovery:
    """How to find a publisher's releases newer than the catalogue's (`pcnreport data check-updates`).

    Either `url`, a template of each release's address with `{year}`, `{month}` (two digits) and
    `{month_name}` (january) for publishers whose addresses are predictable (NHS Digital's monthly
    publications), released in `months`; or `index`, a page listing the releases, and `pattern`, a
    regular expression matching each release's link on it, with groups `year` and `month` (digits or a
    name) or `release`. Release ids are YYYY-MM (or the `release` group).
    """

    url: str | None = None
    months: tuple[int, ...] = tuple(range(1, 13))
    index: str | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    publisher: str
    landing_page: str | None
    licence: str
    folder: str
    files: tuple[str, ...]
    reader: str
    releases: dict[str, Release] = field(default_factory=dict)
    also_in: tuple[str, ...] = ()  # other folders holding third-party versions of the dataset
    # False for research data the team supplies, and for boundaries (only the maps need them): without
    # the dataset, the sections using it say so instead of the build failing.
    required: bool = True
    columns: tuple[Column, ...] = ()  # the input format, for datasets no publisher defines (federations)
    notes: str = ""
    discovery: Discovery | None = None  # how `pcnreport data check-updates` finds newer releases
    # True: a release whose address is its landing page (url_confirmed: false) links the file itself,
    # so fetch and check-updates find the file there by `files` (see `landing`).
    file_on_landing_page: bool = False
    # The credit line the licence requires wherever the data are shown (ONS boundaries: the Ordnance
    # Survey copyright line); figures drawn from the dataset print it.
    attribution: str = ""

    @property
    def file_patterns(self) -> tuple[str, ...]:
        """The patterns of the data file itself (not of archives holding it)."""
        return tuple(p for p in self.files if not p.lower().endswith(".zip"))


@dataclass(frozen=True)
class Catalogue:
    datasets: dict[str, Dataset]
    path: Path | None = None

    def __getitem__(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            raise PcnReportError(
                f"dataset '{name}' is not in the catalogue (known: {', '.join(sorted(self.datasets))})"
            ) from None

    def release(self, dataset: str, release: str) -> Release:
        entry = self[dataset]
        try:
            return entry.releases[release]
        except KeyError:
            known = ", ".join(entry.releases) or "none"
            raise PcnReportError(
                f"release '{release}' of '{dataset}' is not in the catalogue (known: {known})"
            ) from None


# --- Loading -------------------------------------------------------------------------------------------

_DATASET_REQUIRED = ("title", "publisher", "landing_page", "licence", "folder", "files", "reader", "releases")
_DATASET_OPTIONAL = ("also_in", "columns", "notes", "required", "discovery", "file_on_landing_page", "attribution")
_RELEASE_REQUIRED = ("url",)
_RELEASE_OPTIONAL = ("url_confirmed", "sha256", "size", "archive", "member", "checksum_of", "notes", "file_name",
                     "fetch_with_all")


class _Malformed(Exception):
    pass


def load_catalogue(path: Path) -> Catalogue:
    """Read and check the catalogue; anything malformed raises PcnReportError naming the file and entry."""
    path = Path(path)
    try:
        # libyaml's safe loader when present (10x faster): a no-op build parses the catalogue, under 1 s in all.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise PcnReportError(f"'{path}': cannot read the catalogue: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise PcnReportError(f"'{path}': not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict) or not raw["datasets"]:
        raise PcnReportError(f"'{path}': expected a mapping with a non-empty 'datasets' mapping at the top")
    datasets = {}
    for name, entry in raw["datasets"].items():
        try:
            datasets[name] = _dataset(name, entry)
        except _Malformed as exc:
            raise PcnReportError(f"'{path}': dataset '{name}': {exc}") from None
    return Catalogue(datasets, path)


def _dataset(name: Any, entry: Any) -> Dataset:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _Malformed("the name must be lower-case letters, digits and hyphens")
    _check_keys(entry, _DATASET_REQUIRED, _DATASET_OPTIONAL)
    text = {key: _text(entry, key) for key in ("title", "publisher", "licence", "reader")}
    if not text["reader"].isidentifier():
        raise _Malformed(f"'reader' must be a function name in pcnreport.data.readers, not {text['reader']!r}")
    # null only for data with no public page (research data)
    landing_page = None if entry["landing_page"] is None else _url(_text(entry, "landing_page"), "landing_page")
    folder = _text(entry, "folder")
    also_in = tuple(_texts(entry, "also_in", required=False))
    for each in (folder, *also_in):
        if not _FOLDER.fullmatch(each):
            raise _Malformed(f"folder {each!r} must be one folder name (no '/' or '..')")
    releases = entry["releases"] or {}
    if not isinstance(releases, dict):
        raise _Malformed("'releases' must be a mapping of release id -> {url, sha256, size, ...}")
    parsed = {}
    for rid, release in releases.items():
        rid = str(rid) if isinstance(rid, int) else rid
        try:
            parsed[rid] = _release(rid, release)
        except _Malformed as exc:
            raise _Malformed(f"release '{rid}': {exc}") from None
    return Dataset(
        name=name,
        **text,
        landing_page=landing_page,
        folder=folder,
        files=tuple(_texts(entry, "files")),
        releases=parsed,
        also_in=also_in,
        columns=_columns(entry.get("columns")),
        notes=str(entry.get("notes") or ""),
        required=_flag(entry, "required", default=True),
        discovery=_discovery(entry.get("discovery")),
        file_on_landing_page=_flag(entry, "file_on_landing_page", default=False),
        attribution=str(entry.get("attribution") or ""),
    )


def _discovery(raw: Any) -> Discovery | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _Malformed("'discovery' must be a mapping with 'url', or 'index' and 'pattern'")
    try:
        _check_keys(raw, (), ("url", "months", "index", "pattern"))
    except _Malformed as exc:
        raise _Malformed(f"'discovery': {exc}") from None
    if (raw.get("url") is None) == (raw.get("index") is None):
        raise _Malformed("'discovery' needs either 'url' (an address template) or 'index' and 'pattern'")
    months = raw.get("months", list(range(1, 13)))
    if not isinstance(months, list) or not months or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
        raise _Malformed(f"'discovery': 'months' must be a list of month numbers 1-12, not {months!r}")
    if raw.get("url") is not None:
        template = _url(_text(raw, "url"), "discovery.url")
        fields = set(re.findall(r"{([^}]*)}", template))
        if not fields or fields - {"year", "month", "month_name"}:
            raise _Malformed(
                f"'discovery.url' may use only {{year}}, {{month}} and {{month_name}} (and needs one): {template!r}"
            )
        return Discovery(url=template, months=tuple(months))
    index = _url(_text(raw, "index"), "discovery.index")
    pattern = _text(raw, "pattern")
    try:
        groups = set(re.compile(pattern).groupindex)
    except re.error as exc:
        raise _Malformed(f"'discovery.pattern' is not a regular expression: {exc}") from None
    if "release" not in groups and not {"year", "month"} <= groups:
        raise _Malformed("'discovery.pattern' needs the groups (?P<year>...) and (?P<month>...), or (?P<release>...)")
    return Discovery(index=index, pattern=pattern, months=tuple(months))


def _flag(entry: dict, key: str, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise _Malformed(f"'{key}' must be true or false, not {value!r}")
    return value


def _release(rid: Any, entry: Any) -> Release:
    if not isinstance(rid, str) or not _RELEASE.fullmatch(rid):
        raise _Malformed("the release id must be a folder name such as 2019-12 or 2019-20")
    _check_keys(entry, _RELEASE_REQUIRED, _RELEASE_OPTIONAL)
    confirmed = entry.get("url_confirmed", True)
    if not isinstance(confirmed, bool):
        raise _Malformed("'url_confirmed' must be true or false")
    if entry["url"] is None and not confirmed:
        url = None  # a third party's derivative: nothing to download
    else:
        url = _url(_text(entry, "url"), "url")
    sha256 = entry.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise _Malformed(f"'sha256' must be 64 lower-case hex digits or null, not {sha256!r}")
    size = entry.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise _Malformed(f"'size' must be a number of bytes or null, not {size!r}")
    archive = entry.get("archive")
    if archive not in _ARCHIVES:
        raise _Malformed(f"'archive' must be zip or null, not {archive!r}")
    member = entry.get("member")
    if member is not None and (archive is None or not isinstance(member, str) or not member):
        raise _Malformed("'member' (a glob of the file inside the archive) needs 'archive: zip'")
    checksum_of = entry.get("checksum_of")
    if checksum_of is not None and not isinstance(checksum_of, str):
        raise _Malformed("'checksum_of' must be text")
    file_name = entry.get("file_name")
    if file_name is not None:
        if not isinstance(file_name, str) or not _FILE_NAME.fullmatch(file_name):
            raise _Malformed(f"'file_name' must be a plain file name (no folders, not hidden), not {file_name!r}")
        if archive is not None:
            # A ZIP's members are placed under their own names: a name for the archive would be unused.
            raise _Malformed("'file_name' names a downloaded file that is placed as it is, not an archive's")
    fetch_with_all = entry.get("fetch_with_all", True)
    if not isinstance(fetch_with_all, bool):
        raise _Malformed(f"'fetch_with_all' must be true or false, not {fetch_with_all!r}")
    return Release(
        id=rid, url=url, url_confirmed=confirmed, sha256=sha256, size=size, archive=archive, member=member,
        checksum_of=checksum_of, notes=str(entry.get("notes") or ""), file_name=file_name,
        fetch_with_all=fetch_with_all,
    )  # fmt: skip


def _columns(raw: Any) -> tuple[Column, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _Malformed("'columns' must be a mapping of column name -> {description, allowed}")
    columns = []
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("description"), str):
            raise _Malformed(f"column '{name}' needs a 'description'")
        allowed = spec.get("allowed") or []
        if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
            raise _Malformed(f"column '{name}': 'allowed' must be a list of values")
        columns.append(Column(str(name), spec["description"], tuple(allowed)))
    return tuple(columns)


def _check_keys(entry: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    if not isinstance(entry, dict):
        raise _Malformed(f"expected a mapping with {', '.join(required)}")
    missing = [key for key in required if key not in entry]
    if missing:
        raise _Malformed(f"missing {', '.join(repr(m) for m in missing)}")
    unknown = sorted(set(entry) - set(required) - set(optional))
    if unknown:
        raise _Malformed(
            f"unknown field(s) {', '.join(repr(str(u)) for u in unknown)} (allowed: {', '.join(required + optional)})"
        )


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Malformed(f"'{key}' must be non-empty text, not {value!r}")
    return value


def _texts(entry: dict, key: str, *, required: bool = True) -> list[str]:
    value = entry.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value) or not all(isinstance(v, str) and v for v in value):
        raise _Malformed(f"'{key}' must be a {'non-empty ' if required else ''}list of text, not {value!r}")
    return value


def _url(value: str, key: str) -> str:
    if not re.match(r"https?://[^\s/]+", value):
        raise _Malformed(f"'{key}' must be an http(s) address, not {value!r}")
    return value


# --- Locating files in a data folder --------------------------------------------------------------------


@dataclass(frozen=True)
class LocatedFile:
    dataset: str
    release: str
    path: Path  # the file, or the ZIP that holds it
    member: str | None = None  # the file's name inside `path` when `path` is a ZIP


def locate(data_dir: Path, dataset: Dataset, release: str | None = None) -> LocatedFile:
    """Find a dataset's file in a data folder: the given release, or the latest one present.

    Looks in `<data_dir>/<folder>/<release>/` (then the `also_in` folders), tries `files` in order, and
    also accepts a ZIP there whose members include the file. Files directly in a folder count as release
    "unversioned" and are used only when no release folder holds the dataset.
    """
    data_dir = Path(data_dir)
    candidates = [found for folder in dataset_folders(data_dir, dataset) for found in _in_folder(folder, dataset)]
    where = " or ".join(f"{f}/<release>/" for f in (dataset.folder, *dataset.also_in))
    if not candidates:
        raise DataNotFoundError(
            f"'{data_dir}': no release of '{dataset.name}' ({dataset.title}); expected a folder "
            f"{where} holding one of {', '.join(dataset.files)}"
        )
    if release is not None:
        chosen = [c for c in candidates if c.release == release]
        if not chosen:
            present = ", ".join(sorted({c.release for c in candidates}))
            raise DataNotFoundError(
                f"'{data_dir / dataset.folder}': release '{release}' of '{dataset.name}' is absent "
                f"(present: {present})"
            )
        return chosen[0]
    versioned = [c for c in candidates if c.release != UNVERSIONED]
    if versioned:
        return max(versioned, key=lambda c: c.release)  # max keeps the first of equal releases
    return candidates[0]


def located_releases(data_dir: Path, dataset: Dataset) -> list[str]:
    """The releases of `dataset` present in the data folder (folders holding its file), sorted."""
    return sorted({c.release for folder in dataset_folders(data_dir, dataset) for c in _in_folder(folder, dataset)})


def dataset_folders(data_dir: Path, dataset: Dataset) -> list[Path]:
    return [Path(data_dir) / name for name in (dataset.folder, *dataset.also_in) if (Path(data_dir) / name).is_dir()]


def _in_folder(folder: Path, dataset: Dataset) -> list[LocatedFile]:
    """Every release of `dataset` in one folder (release folders first, then loose files)."""
    found = []
    # Hidden folders are fetch's temporary extraction folders: never a release.
    for release_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        match = _match(release_dir, dataset)
        if match is not None:
            found.append(LocatedFile(dataset.name, release_dir.name, *match))
    loose = _match(folder, dataset)
    if loose is not None:
        found.append(LocatedFile(dataset.name, UNVERSIONED, *loose))
    return found


def _match(directory: Path, dataset: Dataset) -> tuple[Path, str | None] | None:
    for pattern in dataset.files:
        for path in sorted(directory.glob(pattern)):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.suffix.lower() != ".zip":
                return path, None
            member = zip_member(path, dataset.file_patterns)
            if member is not None:
                return path, member
    return None


def zip_member(path: Path, patterns: tuple[str, ...]) -> str | None:
    """The first member of the ZIP at `path` whose file name matches one of `patterns` (in order)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return None
    for pattern in patterns:
        for name in names:
            if fnmatchcase(name.rsplit("/", 1)[-1], pattern):
                return name
    return None
