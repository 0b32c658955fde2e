"""Is a file's extract date within the release it is filed under?

NHS Digital's monthly publications (registrations, their practice mapping) stamp every row with the day
the extract was taken (EXTRACT_DATE: 01JAN2021 in the January 2021 release, 2026-06-01 in June 2026's),
and a data folder files a release by its month (`registrations/2021-01/`). A file saved into the wrong
month's folder, or last month's download kept under this month's name, reads well and would be reported
in the book as the month it is not; the readers cannot see that, since they do not know the folder. So
the extract date is compared with the release's month here, once a file has been read.

A release id that does not start with a month (`YYYY-MM`, optionally followed by `-<area>` as in
`2020-01-pennine-lancashire`) names no period to compare with, and is not checked.
"""

from __future__ import annotations

import re

import pandas as pd

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?:$|-)")
EXTRACT_DATE = "extract_date"  # the readers' column (datetime64) holding EXTRACT_DATE


def release_month(release: str) -> pd.Period | None:
    """The month a release id names ('2021-01' -> January 2021), or None."""
    match = _MONTH.match(release or "")
    return pd.Period(f"{match[1]}-{match[2]}", freq="M") if match else None


def period_problems(release: str, table: pd.DataFrame, header: str = "EXTRACT_DATE") -> list[str]:
    """A problem for each extract date of `table` outside the month `release` names (none when the table
    has no extract date or the release names no month)."""
    month = release_month(release)
    if month is None or not isinstance(table, pd.DataFrame) or EXTRACT_DATE not in table.columns:
        return []
    dates = pd.to_datetime(table[EXTRACT_DATE], errors="coerce").dropna()
    outside = sorted({day.date() for day in dates if day.to_period("M") != month})
    if not outside:
        return []
    shown = ", ".join(day.isoformat() for day in outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
    return [
        f"column '{header}': expected extract dates in {month.strftime('%B %Y')}, the month of release folder "
        f"'{release}', found {shown} (a file saved under another month's release?)"
    ]


def nearest_release(month: str, releases: list[str]) -> str | None:
    """The release that stands for `month` among `releases`: the month's own, else the latest before it,
    else the earliest after it (a folder holding a monthly series of one dataset and fewer releases of
    another); None when there is none. Only month-named releases (YYYY-MM) count."""
    dated = sorted(r for r in releases if len(r) == 7 and _MONTH.match(r))
    if month in dated:
        return month
    before = [r for r in dated if r < month]
    if before:
        return before[-1]
    return dated[0] if dated else None


def months_between(first: str, last: str) -> list[str]:
    """The months after `first` up to and including `last` ('2021-01', '2021-03' -> ['2021-02', '2021-03'])."""
    start, end = pd.Period(first, freq="M"), pd.Period(last, freq="M")
    return [str(start + i) for i in range(1, (end - start).n + 1)]
