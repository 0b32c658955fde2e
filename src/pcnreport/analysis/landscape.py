"""Since the interim report: the PCN landscape month by month, from the registrations' monthly files.

Each month NHS Digital's "Patients Registered at a GP Practice" publishes the practices' list sizes and a
practice mapping naming each practice's PCN, commissioner and region. A month is a `Snapshot` of the two;
this module turns a series of snapshots into:

- one row a PCN a month (`pcn_months`): its member practices and registered patients;
- one row a month (`monthly_summary`): how many PCNs, how they sit against the recommended range, their
  size distribution and practices per PCN;
- what happened between two snapshots (`changes`): PCNs opened and closed, what became of each closed
  PCN (merged into another, re-coded, split, dissolved) and which practices changed PCN.

A PCN that ODS re-codes (the same practices under a new code, and no other) is one network, not a closure
and an opening: `recodes` finds those so moves are not counted twice. Nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from pcnreport.analysis import measures
from pcnreport.data.release_period import nearest_release

# What became of a PCN that has no practices in the later snapshot, decided by where its practices went.
# (A re-coded PCN, see `recodes`, is not closed: it carries on under its new code.)
MERGED = "merged"           # most of its continuing practices joined one PCN, which holds other practices too
SPLIT = "split"             # its continuing practices went to two or more PCNs, none taking most of them
DISSOLVED = "dissolved"     # none of its practices is in a PCN any more (they left PCNs, or closed)
FATES = (MERGED, SPLIT, DISSOLVED)


@dataclass(frozen=True)
class Snapshot:
    """One month: `members` (practice_code, pcn_code; pcn_code missing for a practice in no PCN) and
    `list_sizes` (practice_code, list_size). Other columns of `members` (commissioner_code, icb_code,
    region_code) are kept for the tables by commissioner."""

    month: str  # YYYY-MM
    members: pd.DataFrame
    list_sizes: pd.DataFrame


# Which registrations release gives a month's list sizes: the month's own, else the latest before it, else the
# earliest after it (a folder holding the mapping of more months than the list sizes). The chapter prints which.
sizes_release = nearest_release


def series_from(mappings: dict[str, pd.DataFrame], sizes: dict[str, pd.DataFrame]) -> tuple[list[Snapshot], dict[str, str]]:
    """A `Snapshot` a month of the practice mapping (`read_practice_map`'s tables by release), with the
    list sizes of `sizes_release` (registrations' practice_code, list_size by release); and month ->
    the registrations release each used. A month with no list sizes at all has none (populations 0)."""
    used, result = {}, []
    for month, table in sorted(mappings.items()):
        release = sizes_release(month, list(sizes))
        if release is not None:
            used[month] = release
            list_sizes = sizes[release][["practice_code", "list_size"]]
        else:
            list_sizes = pd.DataFrame({"practice_code": pd.Series(dtype="str"), "list_size": pd.Series(dtype="float")})
        result.append(Snapshot(month, members_of(table), list_sizes))
    return result, used


# What a snapshot keeps of the mapping: membership, and the commissioner, ICB (STP before July 2022) and
# region each practice belongs to that month.
MEMBER_COLUMNS = ["practice_code", "practice_name", "pcn_code", "pcn_name", "commissioner_level", "commissioner_code",
                  "commissioner_name", "icb_or_stp_code", "icb_or_stp_name", "region_code", "region_name"]


def members_of(mapping: pd.DataFrame) -> pd.DataFrame:
    """What a snapshot keeps of a month's practice mapping (`read_practice_map`'s table): MEMBER_COLUMNS."""
    return mapping[[c for c in MEMBER_COLUMNS if c in mapping.columns]]


def pcn_months(snapshots: list[Snapshot]) -> pd.DataFrame:
    """One row a PCN a month: month, pcn_code, practices, population (practices without a list size that
    month count as practices and add no patients, as in chapter 6)."""
    frames = []
    for snap in snapshots:
        members = snap.members.dropna(subset=["pcn_code"])[["practice_code", "pcn_code"]]
        sizes = measures.pcn_sizes(members, snap.list_sizes)
        frames.append(sizes[["pcn_code", "practices", "population"]].assign(month=snap.month))
    columns = ["month", "pcn_code", "practices", "population"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


SUMMARY_COLUMNS = ["month", "pcns", "practices", "share_under", "share_within", "share_over", "median", "p10", "p90",
                   "practices_mean", "practices_median"]


def monthly_summary(months: pd.DataFrame, bounds: tuple[int, int] = measures.RECOMMENDED_RANGE) -> pd.DataFrame:
    """One row a month: pcns, practices (in a PCN), shares of PCNs under, within and over the range,
    the population's median, P10 and P90, and the mean and median practices per PCN."""
    rows = []
    for month, group in months.groupby("month", sort=True):
        population = measures.describe(group["population"])
        bands = measures.size_bands(group["population"], bounds)
        rows.append({
            "month": month,
            "pcns": len(group),
            "practices": int(group["practices"].sum()),
            "share_under": bands.share("under"),
            "share_within": bands.share("within"),
            "share_over": bands.share("over"),
            "median": population.median,
            "p10": population.p10,
            "p90": population.p90,
            "practices_mean": float(group["practices"].mean()),
            "practices_median": float(group["practices"].median()),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _membership(snapshot: Snapshot) -> pd.Series:
    """pcn_code indexed by practice_code (missing for a practice in no PCN)."""
    return snapshot.members.set_index("practice_code")["pcn_code"]


def recodes(before: Snapshot, after: Snapshot) -> dict[str, str]:
    """Old code -> new code for each PCN re-coded between the snapshots: a PCN with no practices after, and
    a PCN new after whose practices all came from it and are most of its practices still open. (ODS gives
    a network a new code when it re-forms; a practice leaving at the same time is a move, not a closure.)"""
    old, new = _membership(before), _membership(after)
    gone = set(old.dropna()) - set(new.dropna())
    born = set(new.dropna()) - set(old.dropna())
    mapping = {}
    for pcn in sorted(gone):
        continuing = set(old.index[old == pcn]) & set(new.index)
        for target in sorted(born - set(mapping.values())):
            holds = set(new.index[new == target])
            if holds <= continuing and 2 * len(holds) > len(continuing):
                mapping[pcn] = target
                break
    return mapping


@dataclass(frozen=True)
class Changes:
    """What happened between two snapshots."""

    start: str
    end: str
    opened: list[str]          # PCNs with practices at the end, none at the start (re-codings left out)
    closed: pd.DataFrame       # pcn_code, fate, practices, to_pcn (where most continuing practices went)
    flows: pd.DataFrame        # practices of closed PCNs by destination: pcn_code, destination, practices
    moves: pd.DataFrame        # practice_code, from_pcn, to_pcn: practices in a PCN at both ends, in another
    recoded: dict[str, str]    # old code -> new code

    @property
    def fates(self) -> dict[str, int]:
        """How many closed PCNs met each fate (every fate named, zero included)."""
        counts = self.closed["fate"].value_counts()
        return {fate: int(counts.get(fate, 0)) for fate in FATES}

    def to_record(self) -> dict:
        """Plain JSON-ready values (a month's run keeps its changes, `analysis.landscape_months`)."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"start": self.start, "end": self.end, "opened": list(self.opened), "closed": records(self.closed),
                "flows": records(self.flows), "moves": records(self.moves), "recoded": dict(self.recoded)}

    @classmethod
    def from_record(cls, record: dict) -> Changes:
        def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=columns)

        closed = frame(record["closed"], ["pcn_code", "fate", "practices", "to_pcn"]).astype({"practices": "int64"})
        flows = frame(record["flows"], ["pcn_code", "destination", "practices"]).astype({"practices": "int64"})
        return cls(start=record["start"], end=record["end"], opened=list(record["opened"]), closed=closed, flows=flows,
                   moves=frame(record["moves"], ["practice_code", "from_pcn", "to_pcn"]), recoded=dict(record["recoded"]))


# Where a closed PCN's practices went, as the flow chart groups them.
TO_EXISTING = "joined a PCN that already existed"
TO_NEW = "joined a PCN opened in the period"
TO_NO_PCN = "in no PCN"
PRACTICE_CLOSED = "practice closed or merged"
DESTINATIONS = (TO_EXISTING, TO_NEW, TO_NO_PCN, PRACTICE_CLOSED)


def changes(before: Snapshot, after: Snapshot) -> Changes:
    """PCNs opened and closed between `before` and `after`, the fate of each closed PCN, where its
    practices went, and the practices that moved between PCNs (a re-coded PCN's practices did not move)."""
    recoded = recodes(before, after)
    old = _membership(before).replace(recoded)  # old codes read as their new ones: a re-coding is no move
    new = _membership(after)
    old_pcns, new_pcns = set(old.dropna()), set(new.dropna())
    opened = sorted(new_pcns - old_pcns)
    closed_rows, flow_rows = [], []
    for pcn in sorted(old_pcns - new_pcns):
        practices = old.index[old == pcn]
        continuing = [p for p in practices if p in new.index]
        went = new.loc[continuing]
        joined = went.dropna().value_counts()
        if joined.empty:
            fate, to_pcn = DISSOLVED, None
        elif 2 * joined.iloc[0] > len(continuing):
            # Most of them joined one PCN (one that existed, or one formed with another PCN's practices).
            fate, to_pcn = MERGED, joined.index[0]
        else:
            fate, to_pcn = SPLIT, None
        closed_rows.append({"pcn_code": pcn, "fate": fate, "practices": len(practices), "to_pcn": to_pcn})
        destination = (
            [TO_NEW if code in opened else TO_EXISTING for code in went.dropna()]
            + [TO_NO_PCN] * int(went.isna().sum())
            + [PRACTICE_CLOSED] * (len(practices) - len(continuing))
        )
        for where in DESTINATIONS:
            if destination.count(where):
                flow_rows.append({"pcn_code": pcn, "destination": where, "practices": destination.count(where)})
    both = pd.DataFrame({"from_pcn": old, "to_pcn": new.reindex(old.index)}).dropna()
    moves = both[both["from_pcn"] != both["to_pcn"]].rename_axis("practice_code").reset_index()
    return Changes(
        start=before.month,
        end=after.month,
        opened=opened,
        closed=pd.DataFrame(closed_rows, columns=["pcn_code", "fate", "practices", "to_pcn"]),
        flows=pd.DataFrame(flow_rows, columns=["pcn_code", "destination", "practices"]),
        moves=moves[["practice_code", "from_pcn", "to_pcn"]].sort_values("practice_code", ignore_index=True),
        recoded=recoded,
    )


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def year_back(month: str, months: list[str]) -> str | None:
    """The month of `months` a year before `month`: that month or, when it is missing (quarterly releases
    before 2022, or a folder holding only some months), the latest one before it; None when there is none."""
    target = _month_index(month) - 12
    earlier = [m for m in months if _month_index(m) <= target]
    return max(earlier) if earlier else None


def previous_month(month: str, months: list[str]) -> str | None:
    """The month of `months` just before `month` (None for the first)."""
    earlier = [m for m in months if m < month]
    return max(earlier) if earlier else None


def yearly_months(months: list[str]) -> list[str]:
    """The months a year apart, in order, counted back from the latest with `year_back`: so changes are
    counted year on year, and the yearly comparison's months are those the latest month's chain reaches."""
    if not months:
        return []
    chosen = [max(months)]
    while (earlier := year_back(chosen[0], months)) is not None:
        chosen.insert(0, earlier)
    return chosen


def yearly(snapshots: list[Snapshot]) -> list[Snapshot]:
    """The snapshots of `yearly_months`, in order."""
    by_month = {s.month: s for s in snapshots}
    return [by_month[m] for m in yearly_months(list(by_month))]


def year_row(change: Changes, pcns_start: int, pcns_end: int) -> dict:
    """`changes_by_year`'s row for one year's change."""
    return {
        "start": change.start,
        "end": change.end,
        "pcns_start": pcns_start,
        "pcns_end": pcns_end,
        "opened": len(change.opened),
        **{f"closed_{fate}": n for fate, n in change.fates.items()},
        "recoded": len(change.recoded),
        "practices_moved": len(change.moves),
    }


def pcn_count(snapshot: Snapshot) -> int:
    return int(snapshot.members["pcn_code"].dropna().nunique())


def changes_by_year(snapshots: list[Snapshot]) -> pd.DataFrame:
    """One row a year (between snapshots a year apart): PCNs at each end, opened, each fate of the closed
    ones, re-coded, and practices that changed PCN."""
    rows = [year_row(changes(before, after), pcn_count(before), pcn_count(after))
            for before, after in pairwise(yearly(snapshots))]
    return pd.DataFrame(rows)


def flows_table(yearly_changes: list[Changes]) -> pd.DataFrame:
    """Where the practices of the PCNs closed each year went (`DESTINATIONS`): start, end, destination,
    practices (every destination named each year, zero included). Re-coded PCNs are not closed."""
    rows = []
    for change in yearly_changes:
        flows = change.flows
        for where in DESTINATIONS:
            rows.append({"start": change.start, "end": change.end, "destination": where,
                         "practices": int(flows.loc[flows["destination"] == where, "practices"].sum())})
    return pd.DataFrame(rows, columns=["start", "end", "destination", "practices"])


def flows_by_year(snapshots: list[Snapshot]) -> pd.DataFrame:
    """`flows_table` of the changes between snapshots a year apart."""
    return flows_table([changes(before, after) for before, after in pairwise(yearly(snapshots))])


def commissioners_row(snapshot: Snapshot) -> dict:
    """`commissioners_by_month`'s row for one month."""
    members = snapshot.members.dropna(subset=["pcn_code"])
    level = members["commissioner_level"].dropna().unique() if "commissioner_level" in members else []
    return {
        "month": snapshot.month,
        "level": str(level[0]) if len(level) else "",
        "commissioners": int(members["commissioner_code"].nunique()) if "commissioner_code" in members else 0,
        "icbs_or_stps": int(members["icb_or_stp_code"].nunique()) if "icb_or_stp_code" in members else 0,
        "regions": int(members["region_code"].nunique()) if "region_code" in members else 0,
    }


COMMISSIONER_COLUMNS = ["month", "level", "commissioners", "icbs_or_stps", "regions"]


def commissioners_by_month(snapshots: list[Snapshot]) -> pd.DataFrame:
    """One row a month: the commissioner level ('ccg' or 'sub-icb'), how many commissioners, ICBs (STPs in
    the CCG era: the mapping's icb_or_stp column) and regions hold practices in a PCN."""
    rows = [commissioners_row(snap) for snap in sorted(snapshots, key=lambda s: s.month)]
    return pd.DataFrame(rows, columns=COMMISSIONER_COLUMNS)


def pcns_by_icb(snapshot: Snapshot, sizes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each ICB's (STP's, in a CCG-era month) PCNs in one month: icb_code, icb_name, region_name, pcns,
    population. A PCN counts in the ICB of most of its practices (ties: the first code in order), as
    chapter 6 counts a PCN in the commissioner that holds most of it. `sizes` (pcn_code, population: that
    month's `pcn_months` rows) saves recounting them from the snapshot's list sizes."""
    members = snapshot.members.dropna(subset=["pcn_code"])
    votes = members.groupby(["pcn_code", "icb_or_stp_code"]).size().rename("n").reset_index()
    votes = votes.sort_values(["pcn_code", "n", "icb_or_stp_code"], ascending=[True, False, True])
    home = votes.drop_duplicates("pcn_code").set_index("pcn_code")["icb_or_stp_code"]
    if sizes is None:
        sizes = measures.pcn_sizes(members[["practice_code", "pcn_code"]], snapshot.list_sizes)
    sizes = sizes.set_index("pcn_code")
    names = members.drop_duplicates("icb_or_stp_code").set_index("icb_or_stp_code")
    table = (
        pd.DataFrame({"icb_code": home, "population": sizes["population"].reindex(home.index)})
        .groupby("icb_code").agg(pcns=("population", "size"), population=("population", "sum"))
        .reset_index()
    )
    table["icb_name"] = table["icb_code"].map(names["icb_or_stp_name"])
    table["region_name"] = table["icb_code"].map(names["region_name"])
    return table[["icb_code", "icb_name", "region_name", "pcns", "population"]].sort_values(
        ["pcns", "icb_code"], ascending=[False, True], ignore_index=True
    )
