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
  analysis needs every dataset; the build reports what it lacks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pcnreport.core.errors import DataFormatError, DataNotFoundError, PcnReportError
from pcnreport.core.hashing import sha256_of
from pcnreport.data.catalogue import Catalogue, Dataset, LocatedFile, locate

OK, PROBLEMS, MISSING = "ok", "problems", "missing"


@dataclass(frozen=True)
class DatasetReport:
    dataset: str
    status: str  # ok, problems or missing
    release: str | None = None
    path: Path | None = None
    member: str | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    data_dir: Path
    datasets: tuple[DatasetReport, ...]

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
        counts = {s: sum(d.status == s for d in self.datasets) for s in (OK, PROBLEMS, MISSING)}
        lines.append(f"{counts[OK]} ok, {counts[PROBLEMS]} with problems, {counts[MISSING]} missing")
        return "\n".join(lines)


def validate_data_dir(catalogue: Catalogue, data_dir: Path) -> ValidationReport:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataNotFoundError(f"'{data_dir}': no such data folder")
    return ValidationReport(data_dir, tuple(_check(catalogue, ds, data_dir) for ds in catalogue.datasets.values()))


def _check(catalogue: Catalogue, dataset: Dataset, data_dir: Path) -> DatasetReport:
    try:
        found = locate(data_dir, dataset)
    except DataNotFoundError as exc:
        return DatasetReport(dataset.name, MISSING, problems=(str(exc),))
    problems = _read_problems(dataset, found)
    warnings = _checksum_warnings(dataset, found)
    return DatasetReport(
        dataset.name, PROBLEMS if problems else OK, found.release, found.path, found.member,
        tuple(problems), tuple(warnings),
    )  # fmt: skip


def _read_problems(dataset: Dataset, found: LocatedFile) -> list[str]:
    from pcnreport.data import readers

    reader = getattr(readers, dataset.reader, None)
    if reader is None:
        return [f"reader {dataset.reader} not available in pcnreport.data.readers: the file was not checked"]
    try:
        reader(found.path)
    except DataFormatError as exc:
        return list(exc.problems)
    except PcnReportError as exc:
        return [str(exc)]
    except Exception as exc:
        # A reader should raise DataFormatError for any bad file; anything else is a reader bug. It is
        # reported here rather than stopping the report, so the other datasets are still checked.
        return [f"{dataset.reader} failed unexpectedly (a bug in the reader): {type(exc).__name__}: {exc}"]
    return []


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
        return [_differs(release.id, f"{release.size} bytes", f"{size} bytes")]
    sha256 = sha256_of(found.path)
    if sha256 != release.sha256:
        return [_differs(release.id, f"sha256 {release.sha256}", f"sha256 {sha256}")]
    return []


def _differs(release: str, expected: str, found: str) -> str:
    return (
        f"differs from the catalogue's release '{release}' (expected {expected}, found {found}); "
        "the publisher may have revised it: if the file is right, update data/catalogue.yaml"
    )
