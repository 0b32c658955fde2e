"""Coverage: the share of the networks' member practices that each practice-level dataset has figures for.

A file can be well formed, every value plausible, and still hold half of England: a download cut at a
line end (the shape checks of `readers._fields` see only a line cut in the middle), a regional extract
saved under the national file's name, a release issued before every practice had submitted. No reader
can see that, since a file does not know how many practices it should hold; joined to the ePCN
membership it shows, and the report's figures would otherwise be computed on the practices that are
left, without a word.

So every practice-level dataset is joined to the core partner practices of the ePCN release read, and
the share of them it covers is computed:

- below the dataset's floor (`FLOORS`), the data folder is refused: `validate` lists it as the dataset's
  problem (exit 3, before any notebook runs), naming the dataset, the share and the first practices
  missing;
- between the floor and 100%, the build goes on, and the appendix "Data and methods" prints each
  dataset's coverage (`pcnreport.report.provenance`), so a reader sees how many practices a figure rests on.

A dataset keyed by something else (small areas, boundaries) or listing only some practices by design
(federations: only practices in one; the interview coding) has no coverage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

# The floor below which a dataset stops the build. Practices open, close and merge every month, so a
# dataset of another month than the ePCN release never covers every member: in the real releases the
# project reads, ePCN December 2019 is covered 97.1% by the January 2021 list sizes, 98.8% by QOF 2017-18
# and 99.9% by NHS Payments 2019-20; ePCN February 2022 is covered 93.7% by the June 2026 list sizes and
# 94.3% by the October 2025 practice mapping, four years on (about 1.5% of practices lost a year). The
# interim report's figures rest on the members with data, and count the members without (pcn_size's
# "practices without a list size"). The floor sits under the lowest real share with a margin, and far
# above what damage leaves: half a file cut at a line end (about 50%), a regional extract (4%).
MIN_PRACTICE_SHARE = 0.90

# dataset -> its floor; None: the share is reported but never stops the build. Registrations by LSOA come
# as regional extracts too (the shared December 2019 data hold Pennine Lancashire's, 3.7% of members):
# the sections that need the national file decide for themselves and show a notice in their place
# (`analysis.measures.MIN_COVERAGE`), so the build goes on.
FLOORS: dict[str, float | None] = {
    "registrations": MIN_PRACTICE_SHARE,
    "registrations-age": MIN_PRACTICE_SHARE,
    "registrations-map": MIN_PRACTICE_SHARE,
    "qof-prevalence": MIN_PRACTICE_SHARE,
    "practice-ccg": MIN_PRACTICE_SHARE,
    "payments": MIN_PRACTICE_SHARE,
    "registrations-lsoa": None,
}

SHOWN_MISSING = 10  # practices named in a message: enough to look a few up, short enough to read


def _rows(table: pd.DataFrame) -> pd.Series:
    return table["practice_code"]


def _with(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """A practice counts when its figure in `column` is known (a blank payments figure is no figure)."""
    return lambda table: table.loc[table[column].notna(), "practice_code"]


# dataset -> the practice codes it has figures for, from the reader's table.
_PRACTICES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "registrations": _with("list_size"),
    "registrations-age": _with("list_size"),
    "registrations-map": _rows,
    "qof-prevalence": _rows,  # the reader drops the rows of a practice that reported no register
    "practice-ccg": _with("ccg_code"),
    "payments": _with("registered_patients"),
    "registrations-lsoa": _rows,
}


@dataclass(frozen=True)
class Coverage:
    """How many of the ePCN member practices one dataset has figures for."""

    dataset: str
    members: int  # the ePCN release's current core partner practices
    covered: int
    missing: tuple[str, ...]  # the members without a figure, sorted
    floor: float | None

    @property
    def share(self) -> float:
        return self.covered / self.members if self.members else 1.0

    @property
    def too_low(self) -> bool:
        # Compared in whole counts: a share printed as 90.0% must not fail a floor of 90%.
        return self.floor is not None and self.covered < self.floor * self.members - 1e-9

    def problem(self, epcn_release: str | None = None) -> str:
        """The message of a share below the floor: dataset's share, the floor, the first practices missing."""
        release = f"ePCN release {epcn_release}" if epcn_release else "the ePCN release"
        first = ", ".join(self.missing[:SHOWN_MISSING])
        more = len(self.missing) - SHOWN_MISSING
        return (
            f"covers {self.covered:,} of the {self.members:,} member practices of the {release} "
            f"({percent(self.share)}); expected at least {percent(self.floor or 0)} (a file cut short, or a "
            f"regional extract, covers fewer: check the file is the publisher's whole national file). "
            f"Practices missing: {first}" + (f" and {more:,} more" if more > 0 else "")
        )


def percent(share: float) -> str:
    """A share as the messages and the appendix print it: one decimal, never rounded up to 100%."""
    shown = f"{100 * share:.1f}%"
    return "99.9%" if shown == "100.0%" and share < 1 else shown


def has_coverage(dataset: str) -> bool:
    return dataset in _PRACTICES


def member_practices(epcn) -> pd.Index:
    """The current core partner practices of an ePCN release (`readers.read_epcn`'s result)."""
    return pd.Index(epcn.members["practice_code"].dropna().unique())


def coverage_of(dataset: str, table: pd.DataFrame, members: pd.Index) -> Coverage:
    """`dataset`'s coverage of `members`, from the table its reader returned."""
    practices = pd.Index(_PRACTICES[dataset](table).dropna().unique())
    missing = members.difference(practices)
    return Coverage(
        dataset=dataset,
        members=len(members),
        covered=len(members) - len(missing),
        missing=tuple(sorted(missing)),
        floor=FLOORS.get(dataset),
    )
