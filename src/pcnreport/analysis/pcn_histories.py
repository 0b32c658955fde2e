"""Every PCN's own history over a series of monthly snapshots (`analysis.landscape`): what its page says.

For each PCN that appears in any month: the months it had practices, its size month by month, each member
practice's time in it (joined and left), its commissioner, ICB (STP before July 2022) and region in its
first and last month, and how it began and ended: present from the first month or opened later (or as
the new code of a re-coded network); still open in the latest month, or closed, with its fate
(`landscape.MERGED`, `SPLIT`, `DISSOLVED`) and the PCN most of its practices joined, or re-coded.
Nothing here reads files or formats words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import pandas as pd

from pcnreport.analysis import landscape, landscape_months

OPEN = "open"          # has practices in the latest month
CLOSED = "closed"      # a fate of landscape.FATES in its `fate`
RECODED = "recoded"    # carried on under another code (`successor`)


@dataclass(frozen=True)
class Span:
    """A practice's time in a PCN: from its first month there to its last (both months of snapshots)."""

    practice_code: str
    practice_name: str
    first: str
    last: str


@dataclass
class PcnHistory:
    pcn_code: str
    pcn_name: str
    first: str                      # first month with practices
    last: str                       # last month with practices
    status: str = OPEN              # OPEN, CLOSED or RECODED
    fate: str | None = None         # for CLOSED: merged, split or dissolved
    successor: str | None = None    # merged into / re-coded as
    predecessor: str | None = None  # the code it was re-coded from, if it began so
    ended: str | None = None        # the first month it no longer had practices
    sizes: pd.DataFrame = field(default_factory=pd.DataFrame)  # month, practices, population
    spans: list[Span] = field(default_factory=list)
    then: dict = field(default_factory=dict)   # its first month: commissioner, icb, region (codes and names)
    now: dict = field(default_factory=dict)    # its last month: the same


PLACES = ("commissioner", "icb_or_stp", "region")


def _places(rows: pd.DataFrame) -> dict[str, dict]:
    """pcn_code -> the commissioner, ICB or STP and region of most of its practices in `rows` (one month a
    PCN), codes and names; ties go to the first code in order."""
    places: dict[str, dict] = {pcn: {} for pcn in rows["pcn_code"].unique()}
    for key in PLACES:
        code, name = f"{key}_code", f"{key}_name"
        if code not in rows:
            continue
        # The name as that PCN's month gives it (a code keeps its name only within an era: Z0S was a CCG,
        # then a sub-ICB location).
        columns = [code, name] if name in rows else [code]
        votes = rows.dropna(subset=[code]).groupby(["pcn_code", *columns], dropna=False).size().rename("n").reset_index()
        top = votes.sort_values(["pcn_code", "n", code], ascending=[True, False, True]).drop_duplicates("pcn_code")
        for record in top.to_dict("records"):
            places[record["pcn_code"]].update({column: record[column] for column in columns})
    if "commissioner_level" in rows:
        for pcn, level in rows.dropna(subset=["commissioner_level"]).drop_duplicates("pcn_code")[["pcn_code", "commissioner_level"]].itertuples(index=False):
            places[pcn]["commissioner_level"] = level
    return places


def _spans(long: pd.DataFrame) -> dict[str, list[Span]]:
    """pcn_code -> its practices' spans: runs of consecutive snapshots (`i`) in the PCN."""
    rows = long.sort_values(["pcn_code", "practice_code", "i"])
    same = (rows["pcn_code"] == rows["pcn_code"].shift()) & (rows["practice_code"] == rows["practice_code"].shift())
    new_run = ~(same & (rows["i"] == rows["i"].shift() + 1))
    rows = rows.assign(run=new_run.cumsum())
    runs = rows.groupby("run").agg(pcn_code=("pcn_code", "first"), practice_code=("practice_code", "first"),
                                   practice_name=("practice_name", "last"), first=("month", "first"),
                                   last=("month", "last"))  # fmt: skip
    result: dict[str, list[Span]] = {}
    for pcn, practice, name, first, last in runs.sort_values(["pcn_code", "first", "practice_code"]).itertuples(index=False):
        result.setdefault(pcn, []).append(Span(practice, name if isinstance(name, str) else "", first, last))
    return result


def histories(snapshots: list[landscape.Snapshot]) -> dict[str, PcnHistory]:
    """pcn_code -> its history, over `snapshots` (in any order), each month computed here."""
    return from_months(landscape_months.from_snapshots(snapshots, {}))


def from_months(months: list[landscape_months.MonthResult]) -> dict[str, PcnHistory]:
    """pcn_code -> its history, from every month's results (`landscape_months`: one keyed run a month,
    each with its sizes and its changes since the month before, so nothing is recomputed here)."""
    ordered = sorted(months, key=lambda m: m.month)
    if not ordered:
        return {}
    frames = []
    for i, month in enumerate(ordered):
        members = month.members.dropna(subset=["pcn_code"])
        frames.append(members.assign(month=month.month, i=i))
    long = pd.concat(frames, ignore_index=True)
    if "practice_name" not in long:
        long["practice_name"] = ""
    if "pcn_name" not in long:
        long["pcn_name"] = long["pcn_code"]
    bounds = long.groupby("pcn_code")["month"].agg(["min", "max"])
    at_first = long[long["month"] == long["pcn_code"].map(bounds["min"])]
    at_last = long[long["month"] == long["pcn_code"].map(bounds["max"])]
    then, now = _places(at_first), _places(at_last)
    names = at_last.dropna(subset=["pcn_name"]).drop_duplicates("pcn_code").set_index("pcn_code")["pcn_name"]
    sizes = {pcn: group[["month", "practices", "population"]].reset_index(drop=True)
             for pcn, group in landscape_months.pcn_months(ordered).groupby("pcn_code")}  # fmt: skip
    spans = _spans(long)
    result = {
        pcn: PcnHistory(pcn, names.get(pcn, pcn), first, last, sizes=sizes[pcn], spans=spans.get(pcn, []),
                        then=then[pcn], now=now[pcn])
        for pcn, (first, last) in bounds.iterrows()
    }
    # How each ended or began: from each month's change since the month before.
    ending_in = bounds.groupby("max").groups
    for before, after in pairwise(ordered):
        change = after.since_previous
        closed = change.closed.set_index("pcn_code")
        for pcn in ending_in.get(before.month, []):
            history = result[pcn]
            history.ended = after.month
            if pcn in change.recoded:
                history.status, history.successor = RECODED, change.recoded[pcn]
            elif pcn in closed.index:
                history.status, history.fate = CLOSED, closed.loc[pcn, "fate"]
                to = closed.loc[pcn, "to_pcn"]
                history.successor = to if isinstance(to, str) else None
        for old, new in change.recoded.items():
            if new in result:
                result[new].predecessor = old
    return result


def last_memberships(snapshots: list[landscape.Snapshot]) -> pd.DataFrame:
    """practice_code, pcn_code: each PCN's practices in the last month it has any (a practice may appear under
    two PCNs, in different months), so a closed PCN's characteristics describe it as it last was."""
    last: dict[str, pd.DataFrame] = {}
    for snap in sorted(snapshots, key=lambda s: s.month):
        members = snap.members.dropna(subset=["pcn_code"])[["practice_code", "pcn_code"]]
        last.update(dict(tuple(members.groupby("pcn_code"))))
    if not last:
        return pd.DataFrame({"practice_code": pd.Series(dtype="str"), "pcn_code": pd.Series(dtype="str")})
    return pd.concat(last.values(), ignore_index=True)
