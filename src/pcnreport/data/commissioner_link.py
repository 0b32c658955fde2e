"""Which file gives the practice -> commissioner (-> ICB, region) link: QOF's mapping or the registrations'.

QOF's practice mapping (dataset `practice-ccg`) comes out once a year, with the QOF year's data, the
autumn after the year ends; the registrations publication's practice mapping (`registrations-map`) comes
out every month. A build whose monthly mapping is newer than its QOF mapping takes the link from the
monthly one, so a build on 2026 registrations does not place practices with 2024's geography; otherwise
(no monthly mapping, or an older one) QOF's mapping gives it, as it always did.

"Newer" compares months: a QOF mapping of year 2021-22 counts as of `QOF_PUBLISHED_MONTH` 2022 (NHS
Digital publishes a QOF year in the autumn after it ends, with the practices' geography of then); a
monthly mapping's release is its month (2023-01). A release name of another shape cannot be dated, so
QOF's mapping is kept rather than guessed around.

Which monthly mapping: the one of the registrations' month the build reads, or the latest before it, never
a later one. The mapping and the list sizes are one publication; a folder holding later months too (the
chapter "Since the interim report" reads every month, and the default sample carries them all) must not
move an edition's practices to a geography of years after its list sizes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pcnreport.core.errors import DataNotFoundError

QOF_MAPPING = "practice-ccg"
MONTHLY_MAPPING = "registrations-map"
QOF_PUBLISHED_MONTH = 9  # September after the QOF year: NHS Digital's QOF publications came out Sept-Oct

_QOF_YEAR = re.compile(r"(\d{4})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Link:
    """The practice -> commissioner link a build uses: `qof.read_practice_ccg`'s table, and its source."""

    table: pd.DataFrame
    dataset: str  # QOF_MAPPING or MONTHLY_MAPPING
    release: str


def qof_month(release: str) -> str | None:
    """'2021-22' -> '2022-09', the month a QOF year's mapping is taken as of; None for another shape."""
    match = _QOF_YEAR.fullmatch(release or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return None
    return f"{int(match[1]) + 1}-{QOF_PUBLISHED_MONTH:02d}"


def monthly_is_newer(qof_release: str, monthly_release: str | None) -> bool:
    """Whether the monthly mapping of `monthly_release` (YYYY-MM) is newer than QOF's of `qof_release`."""
    qof = qof_month(qof_release)
    if monthly_release is None or qof is None or not _MONTH.fullmatch(monthly_release):
        return False
    return monthly_release > qof


def source_of(qof_release: str, monthly_release: str | None) -> str:
    """The dataset that gives the link for these releases."""
    return MONTHLY_MAPPING if monthly_is_newer(qof_release, monthly_release) else QOF_MAPPING


REGISTRATIONS = "registrations"


def monthly_release(data_dir, catalogue, wanted: dict | None = None) -> str | None:
    """The release of the monthly mapping a build reads: the one `wanted` names, else the latest on or
    before the month of the registrations it reads; None when the folder has none (then QOF's is used).
    A registrations release that is not a month cannot be compared: the latest mapping then."""
    from pcnreport.data.catalogue import locate, located_releases

    wanted = wanted or {}
    if wanted.get(MONTHLY_MAPPING):
        return wanted[MONTHLY_MAPPING]
    releases = located_releases(data_dir, catalogue[MONTHLY_MAPPING])
    month = None
    if REGISTRATIONS in catalogue.datasets:  # a catalogue of the mappings alone has no month to hold to
        try:
            month = locate(data_dir, catalogue[REGISTRATIONS], wanted.get(REGISTRATIONS)).release
        except DataNotFoundError:
            pass
    if month is not None and _MONTH.fullmatch(month):
        releases = [r for r in releases if not _MONTH.fullmatch(r) or r <= month]
    return max(releases) if releases else None


def practice_commissioners(inputs) -> Link:
    """The link for a `pcnreport.data.inputs.DataInputs`: read from the newer of the two mappings.

    Both are located (so the run log records each, and the run re-runs when either changes); only the
    one used is read. The monthly mapping is optional: a folder without it uses QOF's."""
    from pcnreport.data.readers.practice_map import as_practice_ccg

    qof = inputs.locate(QOF_MAPPING)
    if MONTHLY_MAPPING not in inputs.catalogue.datasets:  # a catalogue of the QOF mapping alone
        return _link(inputs.read(QOF_MAPPING), QOF_MAPPING, qof.release)
    month = _registrations_month(inputs)  # recorded: a new registrations month may change the choice
    release = monthly_release(inputs.data_dir, inputs.catalogue, inputs.releases_wanted)
    monthly = None
    if release is None and inputs.catalogue[MONTHLY_MAPPING].required:
        inputs.locate(MONTHLY_MAPPING)  # raises, naming the dataset and where it was looked for
    if release is not None:
        monthly = inputs.locate_release(MONTHLY_MAPPING, release)
    else:
        # None on or before the registrations' month: the run is keyed on that month's mapping being absent,
        # so supplying it re-runs the notebook, while a later month (read by the chapter on the months since
        # the interim report) does not.
        if month is not None:
            try:
                inputs.locate_release(MONTHLY_MAPPING, month)
            except DataNotFoundError:
                pass
    if chosen(qof, monthly) is monthly:
        return _link(as_practice_ccg(inputs.read(MONTHLY_MAPPING)), MONTHLY_MAPPING, monthly.release)
    return _link(inputs.read(QOF_MAPPING), QOF_MAPPING, qof.release)


def _registrations_month(inputs) -> str | None:
    if REGISTRATIONS not in inputs.catalogue.datasets:
        return None
    try:
        release = inputs.locate(REGISTRATIONS).release
    except DataNotFoundError:
        return None
    return release if _MONTH.fullmatch(release) else None


def _link(table: pd.DataFrame, dataset: str, release: str) -> Link:
    # The table carries its dataset too, so an error found downstream (a CCG in two regions) names the file
    # the link came from rather than QOF's mapping.
    table.attrs["dataset"] = dataset
    return Link(table, dataset, release)


def chosen(qof, monthly):
    """Of the located QOF mapping and monthly mapping (None when absent), the one that gives the link: the
    one decision `practice_commissioners` and the build's area list (`build.profile_runs`) both follow."""
    return monthly if monthly is not None and monthly_is_newer(qof.release, monthly.release) else qof



def describe(dataset: str, release: str) -> str:
    """How the report says where the link came from."""
    if dataset == MONTHLY_MAPPING:
        return (f"the practice mapping of NHS Digital's Patients Registered at a GP Practice ({release}), "
                "newer than QOF's")
    return f"QOF's practice mapping ({release})"
