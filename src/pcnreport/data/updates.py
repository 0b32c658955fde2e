"""`pcnreport data check-updates`: has a publisher released a newer edition than the catalogue names?

For each dataset with a `discovery` entry in data/catalogue.yaml (see `catalogue.Discovery`):

- an address template (NHS Digital's monthly publications live at predictable addresses such as
  .../patients-registered-at-a-gp-practice/march-2024): the months after the catalogue's latest release
  are tried newest first, with a HEAD request (GET when the server refuses HEAD), until one exists;
- an index page and a pattern: the page is read once and the newest linked release is taken.

With `apply`, each newer release is added to its dataset's `releases` in the catalogue: the address,
and the checksum and size after downloading it when the address is a file; otherwise the address is a
landing page and the release is marked `url_confirmed: false` (someone confirms the file by hand). The
catalogue is edited as text, so its comments and layout survive, and the edited text must load as a
valid catalogue before it replaces the file (atomically).

Exit codes: 0 nothing newer, 10 newer releases found (documented in the README), so that a workflow can
open a pull request for the changed catalogue.
"""

from __future__ import annotations

import calendar
import datetime as dt
import http.client
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from pcnreport.core.errors import FetchError, PcnReportError
from pcnreport.core.hashing import url_cache_name
from pcnreport.data import landing
from pcnreport.data.catalogue import Catalogue, Dataset, load_catalogue

UPDATES_FOUND = 10  # the exit code when a newer release exists
MAX_MONTHS = 36  # how far back from today a template is tried: a bound on the requests one check makes
FILE_SUFFIXES = (".csv", ".zip", ".xlsx", ".xls", ".ods")
_MONTH_ID = re.compile(r"(\d{4})-(\d{2})")
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})


@dataclass(frozen=True)
class Update:
    dataset: str
    latest: str | None  # the catalogue's latest dated release, None when it has none
    release: str
    url: str

    @property
    def is_file(self) -> bool:
        """True when the address is a file to download, not a landing page."""
        return PurePosixPath(urlsplit(self.url).path).suffix.lower() in FILE_SUFFIXES


def check_updates(
    catalogue: Catalogue, *, today: dt.date | None = None, timeout: float = 30.0, log=print
) -> list[Update]:
    """The newest release of each discoverable dataset that is newer than the catalogue's latest."""
    today = today or _today()
    updates, answers = [], {}  # answers: each address asked once (the registrations' datasets share pages)
    for dataset in catalogue.datasets.values():
        if dataset.discovery is None:
            continue
        update = discover(dataset, today=today, timeout=timeout, answers=answers)
        latest = latest_release(dataset) or "none"
        if update is None:
            log(f"{dataset.name:<19} up to date (latest: {latest})")
        else:
            log(f"{dataset.name:<19} newer release {update.release} (latest: {latest}) at {update.url}")
            updates.append(update)
    return updates


def _today() -> dt.date:
    return dt.date.today()  # a function, so tests can fix the day


def discover(dataset: Dataset, *, today: dt.date, timeout: float = 30.0, answers: dict | None = None) -> Update | None:
    found = dataset.discovery
    answers = {} if answers is None else answers
    latest = latest_release(dataset)
    if found.url is not None:
        for year, month in months_after(latest, today, found.months):
            url = found.url.format(year=year, month=f"{month:02d}", month_name=calendar.month_name[month].lower())
            if url not in answers:
                answers[url] = exists(url, timeout)
            if answers[url]:
                return Update(dataset.name, latest, f"{year}-{month:02d}", url)
        return None
    if found.index not in answers:
        answers[found.index] = _get_text(found.index, timeout)
    page = answers[found.index]
    releases = {}
    for match in re.finditer(found.pattern, page):
        release = _release_id(match)
        if release is not None and (latest is None or release > latest):
            releases.setdefault(release, urljoin(found.index, _link_around(page, match)))
    if not releases:
        return None
    newest = max(releases)
    return Update(dataset.name, latest, newest, releases[newest])


def latest_release(dataset: Dataset) -> str | None:
    """The latest release whose id is a month (YYYY-MM) or a year (YYYY)."""
    dated = [rid for rid in dataset.releases if _MONTH_ID.fullmatch(rid) or re.fullmatch(r"\d{4}", rid)]
    return max(dated, default=None)


def months_after(latest: str | None, today: dt.date, months: tuple[int, ...]) -> list[tuple[int, int]]:
    """(year, month) from today's month back to the month after `latest`, newest first, at most MAX_MONTHS."""
    after = (0, 0)
    if latest is not None and (match := _MONTH_ID.fullmatch(latest)):
        after = (int(match.group(1)), int(match.group(2)))
    elif latest is not None:
        after = (int(latest), 12)
    year, month, candidates = today.year, today.month, []
    for _ in range(MAX_MONTHS):
        if (year, month) <= after:
            break
        if month in months:
            candidates.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return candidates


def _link_around(page: str, match: re.Match) -> str:
    """The whole link the pattern matched in: from the quote, `=` or space before it to the one after."""
    start, end = match.start(), match.end()
    while start > 0 and page[start - 1] not in "\"'=( \t\n<>":
        start -= 1
    while end < len(page) and page[end] not in "\"') \t\n<>":
        end += 1
    return page[start:end]


def _release_id(match: re.Match) -> str | None:
    groups = match.groupdict()
    if groups.get("release"):
        return groups["release"]
    month = (groups.get("month") or "").lower()
    number = int(month) if month.isdigit() else _MONTH_NAMES.get(month)
    if not number or not 1 <= number <= 12 or not (groups.get("year") or "").isdigit():
        return None
    return f"{int(groups['year']):04d}-{number:02d}"


# --- Asking the publisher ---------------------------------------------------------------------------------


def exists(url: str, timeout: float = 30.0) -> bool:
    """Whether the publisher has `url`: True for 2xx (after redirects), False for 404 and 410."""
    from pcnreport.data.landing import USER_AGENT

    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return True
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (404, 410):
                return False
            if exc.code in (405, 501) and method == "HEAD":
                continue  # the server does not answer HEAD: ask with GET
            raise FetchError(f"'{url}': HTTP {exc.code} {exc.reason}; the catalogue was not changed") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _unreachable(url, exc) from None
    return False


def _get_text(url: str, timeout: float) -> str:
    return landing.read_page(url, timeout, afterwards="the catalogue was not changed")


def _unreachable(url: str, exc: Exception) -> FetchError:
    reason = getattr(exc, "reason", None) or exc
    return FetchError(
        f"'{url}': cannot reach the publisher ({reason}); the catalogue was not changed. "
        "Check the network and run `pcnreport data check-updates` again"
    )


# --- Rewriting the catalogue ----------------------------------------------------------------------------


def apply_updates(catalogue: Catalogue, updates: list[Update], *, cache_dir: Path, log=print) -> Path:
    """Add each update as a release of its dataset in the catalogue file, atomically."""
    from pcnreport.data.fetch import download

    path = Path(catalogue.path)
    text = path.read_text(encoding="utf-8")
    added: dict[tuple[str, str], str] = {}  # (dataset, release) -> the address written
    for update in updates:
        dataset = catalogue[update.dataset]
        address = update.url
        if not update.is_file and dataset.file_on_landing_page:
            address = landing.resolve(update.url, dataset)
        fields: dict[str, object] = {"url": address}
        if address != update.url or update.is_file:
            cached = Path(cache_dir) / url_cache_name(address)
            got = download(address, cached, progress=False)
            fields.update(sha256=got.sha256, size=got.size)
            previous = dataset.releases.get(update.latest or "")
            if address.lower().endswith(".zip") and previous is not None and previous.archive:
                fields.update(archive=previous.archive, member=previous.member)
            linked = f", linked from {update.url}" if address != update.url else ""
            fields["notes"] = f"Found and checksummed by `pcnreport data check-updates` on {dt.date.today()}{linked}."
        else:
            fields.update(url_confirmed=False, sha256=None, size=None)
            fields["notes"] = (
                f"Found by `pcnreport data check-updates` on {dt.date.today()}: the release's landing page; "
                "confirm the file's address and checksum by hand."
            )
        text = insert_release(text, update.dataset, update.release, fields)
        added[update.dataset, update.release] = address
    _replace_validated(path, text, added)
    for update in updates:
        log(f"added {update.dataset} {update.release} to {path}")
    return path


def insert_release(text: str, dataset: str, release: str, fields: dict[str, object]) -> str:
    """`text` with a release added at the end of `dataset`'s releases, every other line unchanged."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if re.match(rf"  {re.escape(dataset)}:\s*(#.*)?$", line)), None)
    if start is None:
        raise PcnReportError(f"the catalogue has no dataset '{dataset}' at the expected indentation: edit it by hand")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r" {0,2}\S", lines[i])), len(lines))
    header = next((i for i in range(start + 1, end) if re.match(r"    releases:", lines[i])), None)
    if header is None:
        raise PcnReportError(f"dataset '{dataset}' has no 'releases:' line at the expected indentation: edit it by hand")
    if re.match(r"    releases:\s*\{\}\s*(#.*)?$", lines[header]):
        lines[header] = "    releases:\n"
    elif not re.match(r"    releases:\s*(#.*)?$", lines[header]):
        raise PcnReportError(f"dataset '{dataset}': 'releases' is not a block mapping: edit it by hand")
    stop = next((i for i in range(header + 1, end) if re.match(r" {0,4}\S", lines[i])), end)
    while stop > header + 1 and not lines[stop - 1].strip():
        stop -= 1  # the new release goes right after the last one, before the blank lines
    entry = [f'      "{release}":\n'] + [f"        {key}: {_scalar(value)}\n" for key, value in fields.items()]
    return "".join(lines[:stop] + entry + lines[stop:])


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"https?://[^\s#'\"{}\[\],&*!|>%@`]+", text) or re.fullmatch(r"[0-9a-f]{64}", text):
        return text
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _replace_validated(path: Path, text: str, added: dict[tuple[str, str], str]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        edited = load_catalogue(Path(tmp))  # raises PcnReportError if the edit broke the catalogue
        for (dataset, release), address in added.items():
            if edited.release(dataset, release).url != address:
                raise PcnReportError(f"editing the catalogue for {dataset} {release} went wrong")
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(catalogue: Catalogue, *, apply: bool, cache_dir: Path, today: dt.date | None = None) -> int:
    """The command: report newer releases, add them when `apply`; 10 when any was found, else 0."""
    updates = check_updates(catalogue, today=today)
    if not updates:
        print("no newer release than the catalogue names")
        return 0
    if apply:
        apply_updates(catalogue, updates, cache_dir=cache_dir)
    else:
        print("run with --apply to add them to the catalogue")
    return UPDATES_FOUND
