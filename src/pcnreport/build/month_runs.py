"""The month notebook's runs: one keyed run for every month of the registrations' practice mapping.

`analysis/month.ipynb` computes one month of the landscape (`analysis.landscape_months`): its PCNs and
sizes, and what changed since the month before and since a year back. So each run's parameters are
`month`, `previous` and `year_back`, all taken from the months the data folder holds (a listing of release
folders: no file is read to plan), and each run is keyed like any other by its notebook, parameters and
the files it read last time (that month's mapping, the two it compares with, and the registrations
release nearest it, `DataInputs.read_nearest_release`).

So a new month adds one run, and the months before it keep their keys: their neighbours are unchanged.
A month inserted between two others (a late download) changes the `previous` of the one after it, and
a year later's `year_back`, which re-run too. The chapter (`08-landscape`) and the PCN pages
(`08-pcn-pages`) read every month's files and are planned after these runs, keyed by those files' bytes.
A month no longer in the folder loses its run record, its executed notebook and its files.
"""

from __future__ import annotations

from pathlib import Path

from pcnreport.build import buildcache
from pcnreport.core.hashing import FileHasher

NOTEBOOK = "month.ipynb"
DATASET = "registrations-map"
LSOA_DATASET = "registrations-lsoa"
EXECUTED_SUBDIR = "months"  # _build/notebooks/months/<month>.ipynb
PREFIX = "month."


def run_name(month: str) -> str:
    """The run's name in plans, progress, --explain and the cache: month.2024-05."""
    return f"{PREFIX}{month}"


def executed_path(executed_dir: Path, month: str) -> Path:
    return Path(executed_dir) / EXECUTED_SUBDIR / f"{month}.ipynb"


def months_in(data_dir: Path, parameters: dict, memo: dict | None = None) -> list[str]:
    """The months of the practice mapping in the data folder, oldest first ([] when it has none)."""
    from pcnreport.data.catalogue import located_releases

    catalogue = buildcache.catalogue_of(parameters, memo)
    if DATASET not in catalogue.datasets:
        return []
    return located_releases(Path(data_dir), catalogue[DATASET])


def lsoa_releases_in(data_dir: Path, parameters: dict, memo: dict | None = None) -> list[str]:
    """The releases of registrations by LSOA in the data folder, oldest first."""
    from pcnreport.data.catalogue import located_releases

    catalogue = buildcache.catalogue_of(parameters, memo)
    if LSOA_DATASET not in catalogue.datasets:
        return []
    return located_releases(Path(data_dir), catalogue[LSOA_DATASET])


def lsoa_assignment(months: list[str], lsoa_releases: list[str]) -> dict[str, list[str]]:
    """month -> the registrations-by-LSOA releases whose PCNs it gives: each release goes to the month of
    the practice mapping nearest it (its own, else the latest before, else the earliest after:
    `release_period.nearest_release`), so every release is computed once, by one month's run. A release
    named by a month and an area (2020-01-pennine-lancashire) counts as that month."""
    from pcnreport.data.release_period import nearest_release, release_month

    assigned: dict[str, list[str]] = {month: [] for month in months}
    for release in lsoa_releases:
        period = release_month(release)
        month = nearest_release(str(period), months) if period is not None else None
        if month is not None:
            assigned[month].append(release)
    return assigned


def neighbours(months: list[str]) -> dict[str, tuple[str, str]]:
    """month -> (the month before it, the month a year back), "" where there is none."""
    from pcnreport.analysis.landscape import previous_month, year_back

    return {month: (previous_month(month, months) or "", year_back(month, months) or "") for month in months}


def plan_runs(project: Path, notebook: Path, months: list[str], parameters: dict, hasher: FileHasher,
              library: str, environment: str, force: bool = False, memo: dict | None = None,
              lsoa_releases: list[str] = ()) -> list[buildcache.NotebookPlan]:
    """One plan a month, each keyed by its own parameters and the files its last run read."""
    memo = {} if memo is None else memo
    lsoa = lsoa_assignment(months, list(lsoa_releases))
    return [
        buildcache.plan_notebook(
            project, notebook,
            {**parameters, "month": month, "previous": previous, "year_back": back, "lsoa_releases": lsoa[month]},
            hasher, library, environment, force, run=run_name(month), memo=memo,
        )
        for month, (previous, back) in neighbours(months).items()
    ]


def remove_stale(project: Path, executed_dir: Path, months: list[str]) -> None:
    """Forget the runs of months no longer in the data: their records, executed notebooks and results."""
    from pcnreport.analysis import month_files

    buildcache.forget_runs(project, PREFIX, {run_name(month) for month in months})
    for executed in (Path(executed_dir) / EXECUTED_SUBDIR).glob("*.ipynb"):
        if executed.stem not in months:
            executed.unlink()
    month_files.remove_stale(project, months)
