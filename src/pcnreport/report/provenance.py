"""Provenance: which files this build read, whether they are the catalogue's, and what software ran.

The pipeline calls `write_provenance` once the notebooks have run. The notebooks report the release of
every dataset they read (the `releases` of each section's numbers); this module finds those files in the
data folder again, hashes them, and compares each hash with the one the catalogue records, so a reader of
the "Data and methods" appendix can tell exactly which bytes the numbers came from. It writes:

    figures/tbl-sources.md, .csv         one row a dataset read (the CSV keeps full checksums and addresses)
    figures/tbl-software.md, .csv        the versions of the software that computed and rendered the report
    figures/provenance-links.md          the publishers' landing pages and the executed notebooks
    figures/tbl-coverage.md, .csv        each practice-level dataset's coverage of the ePCN members (`data_coverage`)
    _generated/numbers/provenance.json   `provenance.*` for the chapter's {{< var >}} shortcodes
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import DataNotFoundError
from pcnreport.core.hashing import sha256_of
from pcnreport.data import synth
from pcnreport.data.catalogue import Catalogue, Release, load_catalogue, locate
from pcnreport.data.tablecache import FOLDER as TABLE_CACHE
from pcnreport.data.tablecache import TableCache
from pcnreport.report import data_coverage
from pcnreport.report.numbers import count, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.tables import escape_markdown, save_table

CATALOGUE = Path("data") / "catalogue.yaml"
EXECUTED_NOTEBOOKS = Path("_build") / "notebooks"
# Where the site carries the executed notebooks, seen from a chapter page (chapters/x.html).
NOTEBOOKS_HREF = "../notebooks"
SHOWN_DIGITS = 12  # of a SHA-256 in the printed table: enough to tell files apart; the CSV has all 64

# Python packages whose versions the appendix reports: (label, distribution, what it does here).
PACKAGES = (
    ("pandas", "pandas", "tables at every stage"),
    ("pandera", "pandera", "validates every input file"),
    ("altair", "altair", "charts (Vega-Lite)"),
    ("vl-convert", "vl-convert-python", "vector charts for print, Vega for the site"),
    ("papermill", "papermill", "runs the analysis notebooks"),
    ("typst", "typst", "Typst compiler (PDF)"),
    ("pcnreport", "pcnreport", "this project's library"),
)


@dataclass(frozen=True)
class SourceRecord:
    """One dataset as this build read it."""

    dataset: str
    title: str
    publisher: str
    licence: str
    landing_page: str | None
    release: str
    file: str  # file name; "archive.zip: member" when read from inside a ZIP
    sha256: str | None  # None when the file is not in the data folder
    catalogue_sha256: str | None
    check: str  # how sha256 compares with the catalogue's (or the synthetic sample's) record



def releases_read(numbers: dict) -> dict[str, str]:
    """dataset -> release, merged over every section's numbers."""
    releases: dict[str, str] = {}
    for section in numbers.values():
        if isinstance(section, dict):
            releases.update(section.get("releases") or {})
    return dict(sorted(releases.items()))


def checksum_check(digest: str, release: Release | None, is_zip: bool, synthetic_record: str | None) -> str:
    """How a file's SHA-256 compares with what is on record for it, in words for the table."""
    if synthetic_record is not None:
        return "synthetic: matches the generator's record" if digest == synthetic_record else (
            "synthetic: differs from the generator's record"
        )
    if release is None:
        return "release not in the catalogue"
    if release.sha256 is None:
        return "no checksum in the catalogue yet"
    if release.archive == "zip" and not is_zip:
        # The catalogue hashes the publisher's ZIP; an extracted file cannot be compared with it.
        return "not comparable: the catalogue's checksum is of the ZIP"
    if digest != release.sha256:
        return "differs from the catalogue"
    return "matches the catalogue" + (" (republished copy)" if release.checksum_of else "")


def source_records(
    catalogue: Catalogue, data_dir: Path, releases: dict[str, str], hasher: Callable[[Path], str] = sha256_of
) -> list[SourceRecord]:
    """A record for each dataset read, in the catalogue's order. `hasher` gives a file's SHA-256 (by
    default by reading it; the build passes the table cache's memo, see `write_provenance`)."""
    data_dir = Path(data_dir)
    marker = data_dir / synth.MARKER
    synthetic_files = json.loads(marker.read_text(encoding="utf-8"))["files"] if synth.is_synthetic(data_dir) else None
    records = []
    for name in [n for n in catalogue.datasets if n in releases] + sorted(set(releases) - set(catalogue.datasets)):
        dataset, release_id = catalogue[name], releases[name]
        release = dataset.releases.get(release_id)
        try:
            found = locate(data_dir, dataset, release_id)
        except DataNotFoundError:
            found = None
        digest = hasher(found.path) if found else None
        if digest is None:
            check = "file not in the data folder"
        else:
            on_record = None
            if synthetic_files is not None:
                on_record = synthetic_files.get(found.path.relative_to(data_dir).as_posix(), "")
            check = checksum_check(digest, release, found.path.suffix.lower() == ".zip", on_record)
        records.append(
            SourceRecord(
                dataset=name,
                title=dataset.title,
                publisher=dataset.publisher,
                licence=dataset.licence,
                landing_page=dataset.landing_page,
                release=release_id,
                file=(found.path.name + (f": {found.member}" if found.member else "")) if found else "",
                sha256=digest,
                catalogue_sha256=release.sha256 if release else None,
                check=check,
            )
        )
    return records


def _quarto_version() -> str:
    try:
        done = subprocess.run(["quarto", "--version"], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def software_versions(renderer: str) -> list[tuple[str, str, str]]:
    """(component, version, role) for the interpreter, the packages, pandoc and the renderer used."""
    import pypandoc  # the pandoc binary's version is only known by asking it

    rows = [("Python", platform.python_version(), "runs the library and the notebooks")]
    for label, distribution, role in PACKAGES:
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((label, version, role))
    rows.append(("pandoc", pypandoc.get_pandoc_version(), "Markdown to HTML and Typst; citations"))
    if renderer == "quarto":
        rows.append(("Quarto", _quarto_version(), "renders the book"))
    rows.append(("renderer used", renderer, "Quarto when on PATH, otherwise pandoc + Typst"))
    return rows


def _sources_table(records: list[SourceRecord]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The printed table and its CSV (full checksums, file names and addresses).

    Four columns, because a page has room for no more: long unbreakable tokens (file names, full
    digests) would overflow their cells in print, so they go to the CSV only.
    """
    shown = pd.DataFrame(
        {
            "Dataset": [r.title for r in records],
            "Publisher; licence": [f"{r.publisher}; {r.licence}" for r in records],
            "Release": [r.release for r in records],
            "SHA-256 (start): check": [
                f"{r.sha256[:SHOWN_DIGITS]}: {r.check}" if r.sha256 else r.check for r in records
            ],
        }
    )
    data = pd.DataFrame([asdict(r) for r in records], columns=list(SourceRecord.__dataclass_fields__))
    return shown, data


def _link(url: str, text: str) -> str:
    """A Markdown link whose text is escaped; refuses addresses that could break out of `<...>`."""
    if not re.fullmatch(r"https?://[^\s<>]+|\.\./notebooks/[\w.-]+", url):
        raise ValueError(f"not a safe link target: {url!r}")
    # Quarto takes a relative .ipynb link for a project input and warns it cannot resolve it (the executed
    # notebooks are copied into the site after rendering); data-noresolveinput leaves the link as written.
    attributes = '{data-noresolveinput=""}' if url.endswith(".ipynb") else ""
    return f"[{escape_markdown(text)}](<{url}>){attributes}"


def links_fragment(records: list[SourceRecord], notebooks: list[str]) -> str:
    """Landing pages (both formats) and the executed notebooks (site only: the PDF has no files)."""
    lines = ["Where each dataset is published:", ""]
    for record in records:
        where = _link(record.landing_page, record.landing_page) if record.landing_page else "not public"
        lines.append(f"- {escape_markdown(record.title)}: {where}")
    lines += ["", '::: {.content-visible when-format="html"}', "The executed notebooks of this build:", ""]
    lines += [f"- {_link(f'{NOTEBOOKS_HREF}/{name}', name)}" for name in notebooks] or ["- none"]
    lines += [
        ":::",
        "",
        '::: {.content-visible unless-format="html"}',
        "The executed notebooks of this build ("
        + escape_markdown(", ".join(notebooks) or "none")
        + ") are published with the website.",
        ":::",
        "",
    ]
    return "\n".join(lines)


def write_provenance(project_dir: Path, data_dir: Path, numbers: dict, renderer: str) -> dict:
    """Write the appendix's tables and `provenance` numbers; return the numbers' text part.

    `numbers` is the sections' merged numbers (pipeline's collect_variables); `renderer` is the one the
    build chose ("quarto" or "pandoc"), so the report stage never asks the renderer itself.
    """
    project_dir, data_dir = Path(project_dir), Path(data_dir)
    # The notebooks' kernels hashed these same files moments ago for the table cache: its memo (by size,
    # mtime, ctime and inode) spares re-reading 100 MB of data on every build.
    table_cache = TableCache(project_dir / TABLE_CACHE)
    hasher = table_cache.hasher
    catalogue = load_catalogue(project_dir / CATALOGUE)
    records = source_records(catalogue, data_dir, releases_read(numbers), hasher)
    covered = data_coverage.measured(catalogue, data_dir, releases_read(numbers), table_cache)
    hasher.save()
    notebooks = sorted(p.name for p in (project_dir / EXECUTED_NOTEBOOKS).glob("*.ipynb"))
    software = software_versions(renderer)

    out = figures_dir(project_dir)
    shown, data = _sources_table(records)
    save_table(shown, "tbl-sources", out, data=data)
    save_table(pd.DataFrame(software, columns=["Software", "Version", "Role"]), "tbl-software", out)
    write_text_atomic(out / "provenance-links.md", links_fragment(records, notebooks))
    coverage_text = data_coverage.write_table(catalogue, covered, out)

    matching = sum(r.check.startswith(("matches", "synthetic: matches")) for r in records)
    versions = {label.replace("-", "_").replace(" ", "_").lower(): version for label, version, _ in software}
    raw = {
        "synthetic": synth.is_synthetic(data_dir),
        "renderer": renderer,
        "sources": [asdict(r) for r in records],
        "notebooks": notebooks,
        "software": versions,
        "coverage": {c.dataset: {"release": release, "share": c.share, "members": c.members, "covered": c.covered}
                     for release, c in covered},
    }
    text = {
        "synthetic": raw["synthetic"],
        "renderer": renderer,
        "sources": count(len(records)),
        "sources_matching": count(matching),
        "sources_not_matching": count(len(records) - matching),
        "notebooks": count(len(notebooks)),
        "software": versions,
        **coverage_text,
    }
    write_numbers(numbers_path(project_dir, "provenance"), raw, text)
    return text
