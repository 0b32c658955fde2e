"""What identifies this edition of the book, computed at each build.

- its version and date: the newest released heading of `CHANGELOG.md` (`## 0.2.0 - 2026-12-07`);
- the address the site is published at (`book.site-url` of `_quarto.yml`, or `pcnreport build --site-url`);
- the commit the build was made from (a short hash, marked when the working tree differs from it);
- the build's date. It must not move on every run, or every page would be rendered again each time:
  it is SOURCE_DATE_EPOCH when that is set (the reproducible-builds convention), otherwise the date
  of the commit, and otherwise (no git) the edition's date.

The chapters print these through `{{< var edition.* >}}`. The variables step also writes
`_generated/edition.yml`, a metadata file both renderers read: the book's date, the title page's
"Edition 0.2.0, 7 December 2026" line, the website's footer (Quarto) and the text of the colophon
(chapters/colophon.qmd, its shortcodes expanded) that the PDF prints on the back of the title page.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import PcnReportError

CHANGELOG = "CHANGELOG.md"
COLOPHON = Path("chapters") / "colophon.qmd"
METADATA = Path("_generated") / "edition.yml"
# The change log as Appendix C prints it (included by chapters/what-changed.qmd).
CHANGELOG_PAGE = Path("figures") / "edition-changelog.md"
# The colophon's text is wrapped in this div: on the site it is the page, in the PDF it is the verso
# (so Quarto leaves it out of the PDF's body; the pandoc path leaves the whole chapter out).
PRINT_HIDDEN = '::: {.content-hidden when-format="typst"}'

# `## 0.2.0 - 2026-12-07` (a hyphen or an en dash between them); `## Unreleased` collects changes to come.
_RELEASE = re.compile(r"^##\s+\[?(?P<version>\d+\.\d+\.\d+)\]?\s+[-\u2013]\s+(?P<date>\d{4}-\d{2}-\d{2})\s*$")
_UNRELEASED = re.compile(r"^##\s+\[?unreleased\]?\s*$", re.IGNORECASE)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


class ChangelogError(PcnReportError):
    """CHANGELOG.md cannot give the edition's version and date."""


@dataclass(frozen=True)
class Release:
    version: str
    date: dt.date
    entries: tuple[str, ...]  # the release's text, one markdown paragraph or list item each
    line: int                 # the heading's line number in the file


def long_date(day: dt.date) -> str:
    """2026-12-07 -> '7 December 2026', as British English writes it."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def parse_changelog(text: str, name: str = CHANGELOG) -> list[Release]:
    """The released versions of a change log, newest first (as the file lists them).

    A level-2 heading is either `## X.Y.Z - YYYY-MM-DD` or `## Unreleased` (skipped); anything else,
    an impossible date, a version listed twice or releases out of order raise ChangelogError naming
    the file and line.
    """
    releases: list[Release] = []
    current: dict | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.startswith("## "):
            if current is not None:
                releases.append(_release(current))
            current = None
            if _UNRELEASED.match(line):
                continue
            match = _RELEASE.match(line)
            if not match:
                raise ChangelogError(
                    f"'{name}', line {number}: '{line}' is not a release heading "
                    "(expected '## X.Y.Z - YYYY-MM-DD' or '## Unreleased')"
                )
            try:
                day = dt.date.fromisoformat(match["date"])
            except ValueError:
                raise ChangelogError(f"'{name}', line {number}: {match['date']} is not a date") from None
            if any(r.version == match["version"] for r in releases):
                raise ChangelogError(f"'{name}', line {number}: version {match['version']} is listed twice")
            if releases and (releases[-1].date < day or _key(releases[-1].version) < _key(match["version"])):
                raise ChangelogError(
                    f"'{name}', line {number}: {match['version']} ({day}) is listed below "
                    f"{releases[-1].version} ({releases[-1].date}): list releases newest first"
                )
            current = {"version": match["version"], "date": day, "line": number, "lines": []}
        elif current is not None:
            current["lines"].append(line)
    if current is not None:
        releases.append(_release(current))
    return releases


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _release(current: dict) -> Release:
    """Group the lines under a heading into entries: each list item (with its continuation lines) or paragraph."""
    entries: list[list[str]] = []
    for line in current["lines"]:
        stripped = line.strip()
        if not stripped:
            entries.append([])
        elif stripped.startswith(("- ", "* ")) or not entries or not entries[-1]:
            entries.append([stripped])
        else:
            entries[-1].append(stripped)
    texts = tuple(" ".join(entry) for entry in entries if entry)
    return Release(current["version"], current["date"], texts, current["line"])


def read_changelog(project: Path) -> list[Release]:
    """The project's released versions, newest first; none when the project has no CHANGELOG.md."""
    path = Path(project) / CHANGELOG
    if not path.is_file():
        return []
    releases = parse_changelog(path.read_text(encoding="utf-8"), str(path))
    if not releases:
        raise ChangelogError(f"'{path}': no released version (a heading '## X.Y.Z - YYYY-MM-DD')")
    return releases


def changelog_markdown(releases: list[Release]) -> str:
    """Appendix C's change log: each release, newest first, as a bold line then its entries as a list.

    Bold lines rather than headings, so the appendix's contents and numbering stay as they are.
    """
    if not releases:
        return "This copy of the project has no change log (`CHANGELOG.md`).\n"
    parts = []
    for release in releases:
        items = [entry if entry.startswith(("- ", "* ")) else f"- {entry}" for entry in release.entries]
        parts.append(f"**Edition {release.version}, {long_date(release.date)}.**\n\n" + "\n".join(items))
    return "\n\n".join(parts) + "\n"


# --- The commit and the build's date ---------------------------------------------------------------------


def _git(project: Path, *args: str) -> str | None:
    """A read-only git command's output; None when git is missing or the folder is not a checkout."""
    try:
        proc = subprocess.run(
            # --no-optional-locks: `status` must not rewrite the index of the checkout it reads.
            ["git", "--no-optional-locks", "-C", str(project), *args],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


@dataclass(frozen=True)
class Commit:
    short: str = ""          # empty: not a git checkout
    modified: bool = False   # the working tree differs from the commit
    date: dt.date | None = None

    @property
    def text(self) -> str:
        """What the sources were, read after "built from": 'commit 3d6f034 with uncommitted changes'."""
        if not self.short:
            return "a copy outside git (no commit recorded)"
        return f"commit {self.short} with uncommitted changes" if self.modified else f"commit {self.short}"


def current_commit(project: Path) -> Commit:
    """The commit the project's sources are at. Never fails: outside git it is `Commit()`."""
    project = Path(project)
    top = _git(project, "rev-parse", "--show-toplevel")
    # A project copied into a folder of some other repository is not that repository's commit.
    if not top or Path(top).resolve() != project.resolve():
        return Commit()
    short = _git(project, "rev-parse", "--short", "HEAD")
    if not short:
        return Commit()  # a repository without a commit yet
    status = _git(project, "status", "--porcelain")
    stamp = _git(project, "log", "-1", "--format=%ct", "HEAD")
    day = dt.datetime.fromtimestamp(int(stamp), dt.UTC).date() if stamp and stamp.isdigit() else None
    return Commit(short=short, modified=bool(status), date=day)


def build_date(commit: Commit, edition_date: dt.date | None) -> tuple[dt.date | None, str]:
    """The build's date and where it comes from; the same on every run of the same sources."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date(), "SOURCE_DATE_EPOCH"
        except (ValueError, OverflowError, OSError):
            raise PcnReportError(f"SOURCE_DATE_EPOCH='{epoch}' is not a number of seconds since 1970") from None
    if commit.date is not None:
        return commit.date, "the commit's date"
    return edition_date, "the edition's date"


# --- The edition's facts ------------------------------------------------------------------------------------


def _book_config(project: Path) -> dict:
    path = Path(project) / "_quarto.yml"
    if not path.is_file():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("book") or {}


def _authors(book: dict) -> str:
    authors = book.get("author") or []
    names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in ([authors] if isinstance(authors, (str, dict)) else authors)]
    return ", ".join(n for n in names if n)


def data_licences(project: Path) -> str:
    """'Open Government Licence v3.0 (17 datasets); research data, not public (2 datasets)', from the catalogue."""
    path = Path(project) / "data" / "catalogue.yaml"
    if not path.is_file():
        return ""
    datasets = (yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}).get("datasets") or {}
    counts: dict[str, int] = {}
    for entry in datasets.values():
        licence = str((entry or {}).get("licence", "")).strip() or "licence not recorded"
        counts[licence] = counts.get(licence, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "; ".join(f"{licence} ({n} {'dataset' if n == 1 else 'datasets'})" for licence, n in ordered)


def edition_facts(project: Path, site_url: str | None = None, commit: Commit | None = None) -> dict:
    """Everything `{{< var edition.* >}}` prints. The same sources, commit and SOURCE_DATE_EPOCH give the
    same facts, so an unchanged project re-renders nothing."""
    project = Path(project)
    book = _book_config(project)
    releases = read_changelog(project)
    latest = releases[0] if releases else None
    commit = current_commit(project) if commit is None else commit
    built, built_from = build_date(commit, latest.date if latest else None)
    version = latest.version if latest else "unreleased"
    date_text = long_date(latest.date) if latest else ""
    address = (site_url or str(book.get("site-url") or "")).strip().rstrip("/")
    return {
        "title": str(book.get("title", "")),
        "subtitle": str(book.get("subtitle", "") or ""),
        "authors": _authors(book),
        "version": version,
        "date": latest.date.isoformat() if latest else "",
        "date_text": date_text,
        "year": str(latest.date.year) if latest else "n.d.",  # a citation's "no date"
        # The title page's line: "Edition 0.2.0, 7 December 2026".
        "line": f"Edition {version}, {date_text}" if latest else "Unreleased edition",
        "site_url": address,
        "commit": commit.short,
        "commit_text": commit.text,
        "build_date": built.isoformat() if built else "",
        "build_date_text": long_date(built) if built else "not recorded",
        # The footer's and the colophon's clause, whole, so that a missing date never reads "built on not recorded".
        "build_text": (f"Built on {long_date(built)} from {commit.text}" if built
                       else f"Built from {commit.text}, on a date not recorded"),
        "build_date_source": built_from,
        "data_licences": data_licences(project),
    }


def components(project: Path, site_url: str | None = None) -> dict:
    """What the variables step's key must follow for this edition: its facts, the change log's and the
    colophon's text (the PDF's verso is made from it)."""
    project = Path(project)
    texts = {}
    for name in (CHANGELOG, COLOPHON.as_posix()):
        path = project / name
        texts[name] = path.read_text(encoding="utf-8") if path.is_file() else None
    return {"facts": edition_facts(project, site_url), "texts": texts}


# --- Files for the renderers --------------------------------------------------------------------------------


def split_colophon(text: str) -> tuple[str, str]:
    """The colophon page's title and body (its shortcodes already expanded), as markdown for the back of
    the title page: the heading's attributes and the div hiding the text from the PDF's body dropped."""
    title, body = "", []
    for line in text.splitlines():
        if not title and line.startswith("# "):
            title = re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
            continue
        body.append(line)
    markdown = "\n".join(line for line in body if line.strip() != PRINT_HIDDEN).strip()
    if markdown.endswith("\n:::"):
        markdown = markdown[:-3]
    return title, markdown.strip() + "\n" if markdown.strip() else ""


def write_files(project: Path, facts: dict, colophon: str | None) -> None:
    """`_generated/edition.yml` (metadata both renderers read) and Appendix C's change log. `colophon`:
    the text of chapters/colophon.qmd with its shortcodes expanded (None: the project has none)."""
    project = Path(project)
    write_text_atomic(project / CHANGELOG_PAGE, changelog_markdown(read_changelog(project)))
    title, verso = split_colophon(colophon) if colophon else ("", "")
    footer = f"{facts['line']} · {facts['build_text']}"
    metadata: dict = {
        "book": {
            # The book's date is the edition's (not the day it was rendered: `last-modified` would be).
            "date": facts["date"] or None,
            # Quarto's website footer; the pandoc path writes its own (templates/page.html).
            "page-footer": {
                "left": footer,
                "right": [{"text": "About this edition", "href": COLOPHON.as_posix()}] if title else [],
            },
        },
        # The title page's line under the authors (both PDF frames print it in place of the date).
        "edition-line": facts["line"],
        # The PDF's verso: only the Typst format reads it, so the website's pages do not cite from metadata.
        # pcn-verso-source names the chapter the verso prints, which the pandoc path leaves out of the body.
        "format": {"typst": {"pcn-verso-title": title, "pcn-verso": verso,
                             "pcn-verso-source": COLOPHON.as_posix() if title else ""}},
    }
    if metadata["book"]["date"] is None:
        del metadata["book"]["date"]
    write_text_atomic(
        project / METADATA,
        "# Written by `pcnreport build` (pcnreport.report.edition): the edition's date, footer and colophon.\n"
        + yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000),
    )


def print_matter(project: Path) -> dict:
    """What the pandoc path's title page and verso print: the edition line and the colophon, from
    `_generated/edition.yml` (empty when the build has not written it)."""
    path = Path(project) / METADATA
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    typst = (data.get("format") or {}).get("typst") or {}
    return {"line": data.get("edition-line", ""), "verso_title": typst.get("pcn-verso-title", ""),
            "verso": typst.get("pcn-verso", "")}
