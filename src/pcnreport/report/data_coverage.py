"""The appendix's table of coverage: how many of the networks' member practices each dataset read covers.

The build refuses a dataset below its floor (`pcnreport.data.coverage`, checked with the readers before
any notebook runs); one between the floor and 100% is used, and this table says so: a reader of a figure
computed over "all practices" can see how many practices it really rests on. The shares are measured
here, on the tables the notebooks read (through the table cache, so nothing is parsed again), for the
releases the notebooks report reading. It writes:

    figures/tbl-coverage.md, .csv     one row a practice-level dataset read (the CSV lists every missing practice)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import DataNotFoundError
from pcnreport.data import coverage, readers
from pcnreport.data.catalogue import Catalogue, locate
from pcnreport.data.tablecache import TableCache
from pcnreport.report.numbers import count, percent
from pcnreport.report.tables import save_table

TABLE = "tbl-coverage"
EPCN = "epcn"
NO_FLOOR = "none: the sections that need it decide"  # registrations by LSOA (see `coverage.FLOORS`)


def measured(
    catalogue: Catalogue, data_dir: Path, releases: dict[str, str], table_cache: TableCache
) -> list[tuple[str, coverage.Coverage]]:
    """(release, coverage) of each practice-level dataset read, in the catalogue's order; none without ePCN."""

    def table(name: str):
        dataset = catalogue[name]
        path = locate(data_dir, dataset, releases[name]).path
        return table_cache.read(name, dataset.reader, path, getattr(readers, dataset.reader))

    if EPCN not in releases:
        return []
    try:
        members = coverage.member_practices(table(EPCN))
    except DataNotFoundError:
        return []  # the ePCN file has gone since the notebooks read it: the sources table says so
    found = []
    for name in catalogue.datasets:
        if name in releases and coverage.has_coverage(name):
            try:
                found.append((releases[name], coverage.coverage_of(name, table(name), members)))
            except DataNotFoundError:
                continue
    return found


def write_table(catalogue: Catalogue, rows: list[tuple[str, coverage.Coverage]], out: Path) -> dict:
    """`figures/tbl-coverage.md` and `.csv`; the `provenance.coverage_*` numbers (text) for the chapter."""
    numbers = {"coverage_floor": percent(coverage.MIN_PRACTICE_SHARE)}
    if not rows:
        write_text_atomic(out / f"{TABLE}.md", "No dataset of practices was read beside an ePCN release.\n")
        write_text_atomic(out / f"{TABLE}.csv", "dataset,release,members,covered,share,floor,missing\n")
        return {**numbers, "coverage_datasets": count(0), "coverage_members": "-", "coverage_lowest": "-"}
    shown = pd.DataFrame(
        {
            "Dataset": [catalogue[c.dataset].title for _, c in rows],
            "Release": [release for release, _ in rows],
            "Member practices with figures": [f"{c.covered:,} of {c.members:,}" for _, c in rows],
            "Coverage": [coverage.percent(c.share) for _, c in rows],
            "Floor": [percent(c.floor) if c.floor is not None else NO_FLOOR for _, c in rows],
        }
    )
    data = pd.DataFrame(
        {
            "dataset": [c.dataset for _, c in rows],
            "release": [release for release, _ in rows],
            "members": [c.members for _, c in rows],
            "covered": [c.covered for _, c in rows],
            "share": [round(c.share, 6) for _, c in rows],
            "floor": [c.floor for _, c in rows],
            "missing": [" ".join(c.missing) for _, c in rows],
        }
    )
    save_table(shown, TABLE, out, data=data, align={"Member practices with figures": "r", "Coverage": "r"})
    floored = [c for _, c in rows if c.floor is not None] or [c for _, c in rows]
    lowest = min(floored, key=lambda c: c.share)
    return {
        **numbers,
        "coverage_datasets": count(len(rows)),
        "coverage_members": count(rows[0][1].members),
        "coverage_lowest": f"{coverage.percent(lowest.share)} ({catalogue[lowest.dataset].title})",
    }
