"""Check a whole data folder against the catalogue and report every problem at once.

For each dataset of the catalogue: find it (`catalogue.locate`), read it with its reader (every format
problem the reader collects is listed), and compare its checksum with the catalogue's when the release is
catalogued. Nothing stops at the first problem.

Problems and warnings:
- a reader's `DataFormatError` (or any user error it raises) is a problem;
- a reader not yet in `pcnreport.data.readers` is a problem ("reader X not available"): the file is unchecked;
- a checksum that differs from the catalogue's is a *warning*, not a problem: publishers revise files
  within a release (NHS Digital re-issues `_v2` files), and a differently-saved copy may still be in the
  right format. Whether the content is usable is the reader's verdict; `pcnreport data fetch` is where a
  checksum is enforced;
- a dataset absent from the folder is listed as missing, which is not a problem by itself (not every
  analysis needs every dataset; the build reports what it lacks);
- an extract date outside the month its release folder names (`release_period`) is a problem;
- a practice-level dataset covering too few of the ePCN member practices (`coverage`) is a problem of
  that dataset: its file reads, but holds too little of England to compute national figures on. Checked
  once every file has read, as it joins two of them.

The build runs the same check before any notebook (`build_error`): it reads through the project's table
cache, so a file its reader already accepted costs a lookup, and one it has not is parsed once for the
check and the notebooks alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pcnreport.core.errors import DataFolderError, DataFormatError, DataNotFoundError, PcnReportError
from pcnreport.core.hashing import sha256_of
from pcnreport.data import coverage
from pcnreport.data.catalogue import Catalogue, Dataset, LocatedFile, Release, locate
from pcnreport.data.tablecache import TableCache

OK, PROBLEMS, MISSING = "ok", "problems", "missing"
EPCN = "epcn"  # the dataset whose member practices the others' coverage is measured against


@dataclass(frozen=True)
class DatasetReport:
    dataset: str
    status: str  # ok, problems or missing
    release: str | None = None
    path: Path | None = None
    member: str | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    required: bool = True  # the catalogue's flag: a build cannot go without it
    has_reader: bool = True  # False: the catalogue names a reader not written yet, so nothing reads the file


@dataclass(frozen=True)
class ValidationReport:
    data_dir: Path
    datasets: tuple[DatasetReport, ...]
    coverages: tuple[coverage.Coverage, ...] = ()  # of each practice-level dataset with a floor, when ePCN read

    @property
    def ok(self) -> bool:
        return not any(d.status == PROBLEMS for d in self.datasets)

    @property
    def found(self) -> tuple[DatasetReport, ...]:
        return tuple(d for d in self.datasets if d.status != MISSING)

    def __getitem__(self, dataset: str) -> DatasetReport:
        return next(d for d in self.datasets if d.dataset == dataset)

    def text(self) -> str:
        lines = [f"Data folder {self.data_dir}:"]
        for d in self.datasets:
            if d.status == MISSING:
                lines.append(f"  missing   {d.dataset:<19} {d.problems[0] if d.problems else ''}")
                continue
            shown = f"{d.path}" + (f" ({d.member})" if d.member else "")
            lines.append(f"  {d.status:<9} {d.dataset:<19} {d.release:<27} {shown}")
            lines += [f"      problem: {p}" for p in d.problems]
            lines += [f"      warning: {w}" for w in d.warnings]
        lines += [
            f"  coverage  {c.dataset:<19} {coverage.percent(c.share)} of {c.members:,} ePCN member practices"
            + (f" (floor {coverage.percent(c.floor)})" if c.floor is not None else "")
            for c in self.coverages
        ]
        counts = {s: sum(d.status == s for d in self.datasets) for s in (OK, PROBLEMS, MISSING)}
        lines.append(f"{counts[OK]} ok, {counts[PROBLEMS]} with problems, {counts[MISSING]} missing")
        return "\n".join(lines)

    def build_error(self) -> DataFolderError | None:
        """What stops a build: every dataset whose file has problems and every required one that is
        missing, in one error (None when the build can go ahead). An optional dataset that is missing
        is not in it: its section shows a notice instead; nor is one whose reader is not written yet (a
        dataset catalogued ahead of its analysis): no notebook can read it."""
        bad = {
            f"{d.dataset} ({_shown(d, self.data_dir)})": list(d.problems)
            for d in self.datasets if d.status == PROBLEMS and d.has_reader
        }  # fmt: skip
        missing = {d.dataset: d.problems[0] for d in self.datasets if d.status == MISSING and d.required}
        return DataFolderError(self.data_dir, bad, missing) if bad or missing else None


def _shown(report: DatasetReport, data_dir: Path) -> str:
    try:
        shown = report.path.relative_to(data_dir).as_posix()
    except ValueError:
        shown = str(report.path)
    return shown + (f", {report.member}" if report.member else "")


def validate_data_dir(
    catalogue: Catalogue, data_dir: Path, *, table_cache: TableCache | None = None, checksums: bool = True
) -> ValidationReport:
    """Check every dataset of the catalogue in `data_dir`. With `table_cache`, a file is read through it
    (see the module's notes); `checksums=False` skips the comparison with the catalogue's checksums,
    which only ever gives warnings and would hash every large file again."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataNotFoundError(f"'{data_dir}': no such data folder")
    tables: dict[str, object] = {}  # the tables read here that the coverage check needs, not read twice
    reports = tuple(_check(ds, data_dir, table_cache, checksums, tables) for ds in catalogue.datasets.values())
    reports, covered = _with_coverage(catalogue, reports, table_cache, tables)
    if table_cache is not None:
        table_cache.hasher.save()  # the files' hashes, so the notebooks' kernels need not hash them again
    return ValidationReport(data_dir, reports, covered)


def _check(
    dataset: Dataset, data_dir: Path, table_cache: TableCache | None, checksums: bool, tables: dict | None = None
) -> DatasetReport:
    try:
        found = locate(data_dir, dataset)
    except DataNotFoundError as exc:
        return DatasetReport(dataset.name, MISSING, problems=(str(exc),), required=dataset.required)
    keep = tables if tables is not None and _needs_coverage(dataset.name) else None
    problems = _read_problems(dataset, found, table_cache, keep)
    warnings = _checksum_warnings(dataset, found) if checksums else []
    return DatasetReport(
        dataset.name, PROBLEMS if problems else OK, found.release, found.path, found.member,
        tuple(problems), tuple(warnings), dataset.required, problems != [_no_reader(dataset)],
    )  # fmt: skip


def _read_problems(
    dataset: Dataset, found: LocatedFile, table_cache: TableCache | None = None, keep: dict | None = None
) -> list[str]:
    """The reader's problems with the file; with `keep`, the table read is kept there under the dataset's name."""
    if table_cache is not None and _accepted_before(table_cache, dataset, found.path):
        return []
    # Imported only now: the readers import pandas (about a second), which a build whose files all
    # passed before need not pay for.
    from pcnreport.data import readers
    from pcnreport.data.release_period import period_problems

    reader = getattr(readers, dataset.reader, None)
    if reader is None:
        return [_no_reader(dataset)]
    try:
        if table_cache is None:
            table = reader(found.path)
        else:
            # Stores the table, so the notebooks that read this file load it instead of parsing it again.
            table = table_cache.read(dataset.name, dataset.reader, found.path, reader)
    except DataFormatError as exc:
        return list(exc.problems)
    except PcnReportError as exc:
        return [str(exc)]
    except Exception as exc:
        # A reader should raise DataFormatError for any bad file; anything else is a reader bug. It is
        # reported here rather than stopping the report, so the other datasets are still checked.
        return [f"{dataset.reader} failed unexpectedly (a bug in the reader): {type(exc).__name__}: {exc}"]
    if keep is not None:
        keep[dataset.name] = table
    return [f"'{found.path}': {problem}" for problem in period_problems(found.release, table)]


def _needs_coverage(name: str) -> bool:
    return name == EPCN or coverage.FLOORS.get(name) is not None


def _with_coverage(
    catalogue: Catalogue, reports: tuple[DatasetReport, ...], table_cache: TableCache | None, tables: dict
) -> tuple[tuple[DatasetReport, ...], tuple[coverage.Coverage, ...]]:
    """The reports with each dataset below its coverage floor turned into a problem, and every coverage
    measured. Nothing is measured without a good ePCN release (its own problems, or its absence, are said)."""
    by_name = {report.dataset: report for report in reports}
    epcn = by_name.get(EPCN)
    if epcn is None or epcn.status != OK:
        return reports, ()

    def table(report: DatasetReport):
        if report.dataset not in tables:  # accepted before: the table cache holds it
            tables[report.dataset] = _read_table(catalogue[report.dataset], report.path, table_cache)
        return tables[report.dataset]

    members = coverage.member_practices(table(epcn))
    measured = tuple(
        coverage.coverage_of(report.dataset, table(report), members)
        for report in reports
        if report.status == OK and coverage.FLOORS.get(report.dataset) is not None
    )
    too_low = {c.dataset: c.problem(epcn.release) for c in measured if c.too_low}
    reports = tuple(
        replace(report, status=PROBLEMS, problems=(too_low[report.dataset],)) if report.dataset in too_low else report
        for report in reports
    )
    return reports, measured


def _read_table(dataset: Dataset, path: Path, table_cache: TableCache | None):
    from pcnreport.data import readers

    reader = getattr(readers, dataset.reader)
    return reader(path) if table_cache is None else table_cache.read(dataset.name, dataset.reader, path, reader)


def _no_reader(dataset: Dataset) -> str:
    return f"reader {dataset.reader} not available in pcnreport.data.readers: the file was not checked"


def _accepted_before(table_cache: TableCache, dataset: Dataset, path: Path) -> bool:
    """Whether the table cache holds this file's table, without loading it.

    An entry is stored only after the reader accepted the file, and its key covers the file's bytes, the
    reader's name, the readers' source and the libraries: an entry for this key is the reader's verdict on
    these very bytes. (A damaged entry is still found here; the notebook that loads it then reads the file
    again, and only a file the reader accepted can have been stored.)
    """
    try:
        return table_cache.entry(dataset.name, table_cache.key(dataset.reader, path)).is_file()
    except OSError:
        return False  # the file cannot be hashed: the reader says what is wrong with it


def _checksum_warnings(dataset: Dataset, found: LocatedFile) -> list[str]:
    release = dataset.releases.get(found.release)
    if release is None or release.sha256 is None:
        return []
    # The checksum is of the download (a ZIP when archive is zip) unless checksum_of says it is of a copy
    # of the file itself: compare only like with like.
    about_zip = release.archive == "zip" and release.checksum_of is None
    if about_zip != (found.member is not None):
        return []
    size = found.path.stat().st_size
    if release.size is not None and size != release.size:
        return [_differs(release, f"{release.size} bytes", f"{size} bytes")]
    sha256 = sha256_of(found.path)
    if sha256 != release.sha256:
        return [_differs(release, f"sha256 {release.sha256}", f"sha256 {sha256}")]
    return []


def _differs(release: Release, expected: str, found: str) -> str:
    if release.checksum_of is not None:
        # The checksum recognises one copy (a republished, renamed file), not the publisher's download: a file
        # fetched from the publisher is expected to differ, so say that rather than suggest a revision.
        return (
            f"differs from the catalogue's release '{release.id}', whose checksum is of the {release.checksum_of} "
            f"(expected {expected}, found {found}): this file is another copy, such as the publisher's download "
            "(`pcnreport data fetch` prints a download's own checksum)"
        )
    return (
        f"differs from the catalogue's release '{release.id}' (expected {expected}, found {found}); "
        "the publisher may have revised it: if the file is right, update data/catalogue.yaml"
    )
