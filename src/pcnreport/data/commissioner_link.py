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


def practice_commissioners(inputs) -> Link:
    """The link for a `pcnreport.data.inputs.DataInputs`: read from the newer of the two mappings.

    Both are located (so the run log records each, and the run re-runs when either changes); only the
    one used is read. The monthly mapping is optional: a folder without it uses QOF's."""
    from pcnreport.data.readers.practice_map import as_practice_ccg

    qof = inputs.locate(QOF_MAPPING)
    if MONTHLY_MAPPING not in inputs.catalogue.datasets:  # a catalogue of the QOF mapping alone
        return _link(inputs.read(QOF_MAPPING), QOF_MAPPING, qof.release)
    try:
        monthly = inputs.locate(MONTHLY_MAPPING)
    except DataNotFoundError:
        if inputs.catalogue[MONTHLY_MAPPING].required:
            raise
        monthly = None
    if chosen(qof, monthly) is monthly:
        return _link(as_practice_ccg(inputs.read(MONTHLY_MAPPING)), MONTHLY_MAPPING, monthly.release)
    return _link(inputs.read(QOF_MAPPING), QOF_MAPPING, qof.release)


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
