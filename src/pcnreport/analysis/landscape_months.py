"""Each month of the landscape on its own: what one month's run computes and keeps, and how the chapter and
the PCN pages read the months back.

A month's results depend on that month's practice mapping and list sizes, on the month before it (what
changed since: PCNs opened and closed, practices moved; how a PCN's page says it began or ended) and on the
month a year before it (the chapter's year-on-year counts and flows). Nothing later changes them. So each
month is its own keyed run (`analysis/month.ipynb`, planned by `build.month_runs`): a new month runs once,
the months before it keep their results, and the chapter and the pages read every month's small files
instead of recomputing every month.

A month's results are two files under `_build/months/`: `<month>.members.csv` (the mapping's rows the
landscape uses) and `<month>.json` (the rest). Reading them records them as generated inputs, so the runs
that read them are keyed by their bytes.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pcnreport.analysis import footprint_series, landscape
from pcnreport.analysis.month_files import paths
from pcnreport.core import runlog
from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import DataNotFoundError

MAPPING = "registrations-map"   # the datasets a month reads (data/catalogue.yaml)
REGISTRATIONS = "registrations"
REGISTRATIONS_LSOA = "registrations-lsoa"
PCN_COLUMNS = ["pcn_code", "practices", "population"]


@dataclass(frozen=True)
class MonthResult:
    month: str                                  # YYYY-MM
    sizes_release: str | None                   # the registrations release that gave its list sizes
    members: pd.DataFrame                       # landscape.MEMBER_COLUMNS the mapping has
    pcns: pd.DataFrame                          # PCN_COLUMNS: landscape.pcn_months' rows of this month
    summary: dict | None                        # landscape.monthly_summary's row (None: no PCN this month)
    commissioners: dict                         # landscape.commissioners_row
    since_previous: landscape.Changes | None    # from the month before (None for the first)
    since_year_back: landscape.Changes | None   # from landscape.year_back's month (None within the first year)
    # Where each PCN's patients live, for each registrations-by-LSOA release this month's membership stands
    # for (`month_runs.lsoa_assignment`): footprint_series.COLUMNS; empty when none.
    footprints: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=footprint_series.COLUMNS))

    @property
    def snapshot(self) -> landscape.Snapshot:
        """The month's membership as a snapshot (its populations are in `pcns`: no list sizes kept)."""
        return landscape.Snapshot(self.month, self.members, pd.DataFrame(columns=["practice_code", "list_size"]))


def compute(snapshot: landscape.Snapshot, sizes_release: str | None, previous: landscape.Snapshot | None = None,
            year_back: landscape.Snapshot | None = None, lsoa_parquet: dict[str, Path] | None = None) -> MonthResult:
    """One month's results from its snapshot and those of the month before and the month a year back, and
    the footprints of the registrations-by-LSOA releases (release -> Parquet file) its membership stands for."""
    members = snapshot.members[["practice_code", "pcn_code"]]
    footprints = (footprint_series.footprint_series(lsoa_parquet, dict.fromkeys(lsoa_parquet, members))
                  if lsoa_parquet else pd.DataFrame(columns=footprint_series.COLUMNS))
    months = landscape.pcn_months([snapshot])
    summary = landscape.monthly_summary(months)
    return MonthResult(
        month=snapshot.month,
        sizes_release=sizes_release,
        members=snapshot.members.reset_index(drop=True),
        pcns=months[PCN_COLUMNS].reset_index(drop=True),
        summary=summary.iloc[0].to_dict() if len(summary) else None,
        commissioners=landscape.commissioners_row(snapshot),
        since_previous=landscape.changes(previous, snapshot) if previous is not None else None,
        since_year_back=landscape.changes(year_back, snapshot) if year_back is not None else None,
        footprints=footprints,
    )


def from_snapshots(snapshots: list[landscape.Snapshot], sizes_used: dict[str, str]) -> list[MonthResult]:
    """Every month's results computed in one process (the tests' reference for the runs)."""
    by_month = {s.month: s for s in snapshots}
    months = sorted(by_month)
    results = []
    for month in months:
        previous, back = landscape.previous_month(month, months), landscape.year_back(month, months)
        results.append(compute(by_month[month], sizes_used.get(month), by_month.get(previous), by_month.get(back)))
    return results


def from_inputs(inputs, month: str, previous: str | None, year_back: str | None,
                lsoa_releases: list[str] = ()) -> MonthResult:
    """One month's results from the data folder (`data.inputs.DataInputs`): the mapping of `month`, of the
    month before and of the month a year back, the list sizes of the registrations release nearest
    `month`, and the registrations by LSOA of `lsoa_releases` (read as Parquet, `data.columnar`). Each read
    is recorded as that release, so the run is keyed by exactly those files."""
    def members(release: str) -> pd.DataFrame:
        return landscape.members_of(inputs.read_release(MAPPING, release))

    release, registrations = inputs.read_nearest_release(REGISTRATIONS, month)
    if registrations is None:
        list_sizes = pd.DataFrame({"practice_code": pd.Series(dtype="str"), "list_size": pd.Series(dtype="float")})
    else:
        list_sizes = registrations[["practice_code", "list_size"]]
    empty = pd.DataFrame(columns=["practice_code", "list_size"])  # changes compare memberships only
    this = landscape.Snapshot(month, members(month), list_sizes)
    before = landscape.Snapshot(previous, members(previous), empty) if previous else None
    back = landscape.Snapshot(year_back, members(year_back), empty) if year_back else None
    lsoa = {r: inputs.parquet_of_release(REGISTRATIONS_LSOA, r) for r in lsoa_releases}
    return compute(this, release, before, back, lsoa)


def _plain(value):
    """numpy scalars as Python numbers, for json."""
    return value.item() if hasattr(value, "item") else value


def write(output_dir: Path, result: MonthResult) -> list[Path]:
    """The month's two files, written atomically (and recorded as this run's outputs)."""
    record = {
        "month": result.month,
        "sizes_release": result.sizes_release,
        "pcns": {column: result.pcns[column].tolist() for column in PCN_COLUMNS},
        "summary": result.summary,
        "commissioners": result.commissioners,
        "since_previous": result.since_previous.to_record() if result.since_previous else None,
        "since_year_back": result.since_year_back.to_record() if result.since_year_back else None,
        "footprints": {column: result.footprints[column].tolist() for column in footprint_series.COLUMNS},
    }
    json_path, csv_path = paths(output_dir, result.month)
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False, default=_plain)
    write_text_atomic(json_path, text + "\n")
    write_text_atomic(csv_path, result.members.to_csv(index=False, lineterminator="\n"))
    return [json_path, csv_path]


def read(output_dir: Path, month: str) -> MonthResult:
    """The month's results as its run wrote them, recorded as generated inputs of the run reading them."""
    json_path, csv_path = paths(output_dir, month)
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
        members_text = csv_path.read_text(encoding="utf-8")
    except FileNotFoundError as missing:
        raise DataNotFoundError(
            f"'{missing.filename}': no results for the month {month}; analysis/month.ipynb writes them, one run "
            "a month of the practice mapping, so run `pcnreport build` (which runs it first)"
        ) from None
    runlog.record_generated(json_path)
    runlog.record_generated(csv_path)
    # Codes and names stay text ("NA" is a name, not a missing value); an empty field is missing (no PCN).
    members = pd.read_csv(io.StringIO(members_text), dtype=str, keep_default_na=False, na_values=[""])
    pcns = pd.DataFrame(record["pcns"], columns=PCN_COLUMNS).astype({"practices": "int64"})

    def changes(key: str) -> landscape.Changes | None:
        return landscape.Changes.from_record(record[key]) if record[key] else None

    return MonthResult(month=record["month"], sizes_release=record["sizes_release"], members=members, pcns=pcns,
                       summary=record["summary"], commissioners=record["commissioners"],
                       since_previous=changes("since_previous"), since_year_back=changes("since_year_back"),
                       footprints=pd.DataFrame(record["footprints"], columns=footprint_series.COLUMNS))


def read_all(output_dir: Path, months: list[str]) -> list[MonthResult]:
    """Every month's results, oldest first."""
    return [read(output_dir, month) for month in sorted(months)]


# What the chapter and the pages need from the series of months.

def summary(results: list[MonthResult]) -> pd.DataFrame:
    """landscape.monthly_summary over the months (those with PCNs)."""
    return pd.DataFrame([r.summary for r in results if r.summary is not None], columns=landscape.SUMMARY_COLUMNS)


def commissioners(results: list[MonthResult]) -> pd.DataFrame:
    return pd.DataFrame([r.commissioners for r in results], columns=landscape.COMMISSIONER_COLUMNS)


def pcn_months(results: list[MonthResult]) -> pd.DataFrame:
    """landscape.pcn_months over the months."""
    frames = [r.pcns.assign(month=r.month) for r in results]
    columns = ["month", *PCN_COLUMNS]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def yearly_changes(results: list[MonthResult]) -> list[landscape.Changes]:
    """The year-on-year changes along `landscape.yearly_months` (each month's run computed its own)."""
    by_month = {r.month: r for r in results}
    chain = landscape.yearly_months(list(by_month))
    return [by_month[month].since_year_back for month in chain[1:]]


def years_table(results: list[MonthResult]) -> pd.DataFrame:
    """landscape.changes_by_year, from the months' own changes."""
    counts = {r.month: int(r.members["pcn_code"].dropna().nunique()) for r in results}
    return pd.DataFrame([landscape.year_row(change, counts[change.start], counts[change.end])
                         for change in yearly_changes(results)])


def footprints(results: list[MonthResult]) -> pd.DataFrame:
    """Every release's footprints (footprint_series.COLUMNS), with the month whose membership each used
    (`membership`), oldest release first."""
    frames = [r.footprints.assign(membership=r.month) for r in results if len(r.footprints)]
    columns = [*footprint_series.COLUMNS, "membership"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["release", "pcn_code"], ignore_index=True)
