"""The synthetic sample as a history: the practice mapping month by month, with PCNs that open, close,
merge, split and are re-coded, and practices that change PCN.

Why: the chapter "Since the interim report" and the PCN pages read every month of the registrations'
practice mapping (`registrations-map`). A build from the sample must exercise them as real months would,
so the sample writes one release a month, each in the format the publisher used that month
(`month_format`: CCGs, then five-character codes from April 2021, sub-ICB locations from July 2022,
SUPPLIER_NAME by October 2025), and records every event it planted (`SYNTHETIC-HISTORY.json`), so a test
can check that `analysis.landscape.changes` finds exactly those. The vintage's own month keeps its era's
format (`vintages`, coarser), so its file is the one the sample always wrote.

Which months. NHS Digital's publication for April 2020 is the first whose page says its mapping file
names each practice's PCN (it also says that file's columns were re-ordered and renamed until a corrected
`_v2` copy of 27 October 2020, so a download today has the later columns); nothing public shows a PCN
column before, so the series starts in 2020-04, not at the PCNs' start in July 2019. It ends with the
vintage's own month, whose file is the one the sample always wrote; the default vintage (January 2020's
registrations) therefore has no series. Quarterly (January, April, July, October) before 2022 and monthly
from January 2022: the latest vintage then writes 61 files of about 1.5 MB instead of 75, and the years
the real comparison months cover (2022-01 to 2025-10) are monthly.

How. The history is drawn backwards from the end: the last month is the sample's own PCNs (the ePCN
workbook's, so every file of a vintage agrees), and each step back undoes that step's events. Each kind's
count a step follows the real maps' rates between January 2022 and October 2025 (`HistorySpec`); counts
come from cumulative rates (floor(rate x months) differences), so any 45 months hold those counts to
within one. Within a step no PCN or practice takes part in two events, so the change between two
consecutive releases is exactly the events planted between them:

- opened: a new PCN formed by practices leaving one PCN of the same commissioner;
- merged: a PCN's practices all join another PCN, which carries on;
- split: a PCN's practices join two or three PCNs, none taking more than half of them;
- re-coded: the same practices under a new PCN code (ODS re-codes a network that re-forms);
- moved: one practice leaves its PCN for another of the same commissioner.

No PCN is dissolved (none was in the real maps either). The ePCN workbook keeps its open dates: a PCN the
history opens in 2023 still shows October 2019 there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pcnreport.data.synth.headers import PRACTICE_MAP_2025_HEADER, REGION_ONS_2024
from pcnreport.data.synth.vintages import VINTAGES, Vintage

FIRST_MONTH = "2020-04"  # the first publication whose mapping names PCNs (see the module docstring)
MONTHLY_FROM = "2022-01"  # quarterly before, monthly from here
HISTORY_FILE = "SYNTHETIC-HISTORY.json"

OPENED, MERGED, SPLIT, RECODED, MOVED = "opened", "merged", "split", "recoded", "moved"
KINDS = (RECODED, MERGED, SPLIT, OPENED, MOVED)  # the order a step plants them in


@dataclass(frozen=True)
class HistorySpec:
    """Events a month. The real maps of January 2022 and October 2025 (45 months apart) differ by 69 PCNs
    opened, 18 merged, 8 split, 0 dissolved and 9 re-coded, and 396 practices in another PCN. Most of
    those practices moved with the events above (their members); single moves (`MOVED`, 2.8 a month) are
    set so that the sample's 2022-01 to 2025-10 change counts about as many (375 to 389 over three seeds;
    opened 65-69, merged 17-19, split 3-8, re-coded 8-10, and 1,200 -> 1,243 PCNs)."""

    rates: dict[str, float] = field(
        default_factory=lambda: {OPENED: 69 / 45, MERGED: 18 / 45, SPLIT: 8 / 45, RECODED: 9 / 45, MOVED: 2.8}
    )
    max_merging_practices: int = 4  # a PCN merging away is small: 1 to this many practices
    max_opening_practices: int = 4  # a new PCN starts with 1 to this many practices


@dataclass
class History:
    """`months` in order; `member[i]` the PCN id of each practice (row of `practices`) in months[i], -1 for
    none; `codes` and `names` by PCN id (the sample's PCNs first, in their order, then the ones the history
    adds); `events` as planted, each with the month it first shows in."""

    months: list[str]
    member: list[np.ndarray]
    codes: list[str]
    names: list[str]
    events: list[dict]

    def pcn_columns(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(pcn_code, pcn_name) of each practice in months[i]: None for a practice in no PCN."""
        ids = self.member[i]
        codes = np.array([*self.codes, None], dtype=object)
        names = np.array([*self.names, None], dtype=object)
        return codes[ids], names[ids]  # -1 picks the trailing None

    def record(self, spec: HistorySpec) -> bytes:
        """The side file: the months, each month's number of PCNs, the spec, and every event planted."""
        pcns = {month: len(np.unique(ids[ids >= 0])) for month, ids in zip(self.months, self.member)}
        body = {"months": self.months, "pcns": pcns, "spec": dataclasses.asdict(spec), "events": self.events}
        return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def history_months(end: str, first: str = FIRST_MONTH, monthly_from: str = MONTHLY_FROM) -> list[str]:
    """The releases from `first` to `end` (YYYY-MM): quarterly before `monthly_from`, monthly after, and
    `end` itself always; empty when `end` is before `first`."""
    months = []
    year, month = map(int, first.split("-"))
    while (label := f"{year}-{month:02d}") <= end:
        if label >= monthly_from or month in (1, 4, 7, 10) or label == end:
            months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# When the mapping's format changed, as far as the real files and NHS Digital's notes show. Each month of
# the history is written in its own month's format; the vintage's own month keeps the era's (`vintages`),
# so a sample's last file is the one `pcnreport synth --vintage` always wrote.
FIVE_CHARACTER_CCGS_FROM = "2021-04"  # ODS's codes of the CCGs merged in April 2021
SUB_ICB_FROM = "2022-07"  # sub-ICB locations and ICBs replaced CCGs and STPs; two regions' new ONS codes
REGIONS_2024_FROM = "2024-04"  # East of England's and North West's new ONS codes (October 2025's file)
SUPPLIER_FROM = "2025-10"  # SUPPLIER_NAME: the earliest month known to have it (the real October 2025 file)


def month_format(month: str) -> Vintage:
    """How `month`'s mapping looks: its header, commissioner labels, regions' ONS codes, and the extract
    date written 01Oct2025 (both real files, January 2022 and October 2025, write it so)."""
    base = VINTAGES["2023-01"] if month >= SUB_ICB_FROM else VINTAGES["2022-02"]
    header = PRACTICE_MAP_2025_HEADER if month >= SUPPLIER_FROM else base.practice_map_header
    year, number = map(int, month.split("-"))
    return dataclasses.replace(
        base,
        name=month,
        extract_day=dt.date(year, number, 1),
        iso_extract_date=False,
        five_character_ccgs=base.five_character_ccgs if month >= FIVE_CHARACTER_CCGS_FROM else 0,
        region_ons=REGION_ONS_2024 if month >= REGIONS_2024_FROM else base.region_ons,
        practice_map_header=header,
    )


def _format_key(shape: Vintage) -> tuple:
    """What a month's writer depends on: months alike share one (`history_files`)."""
    return shape.practice_map_header, shape.commissioner, shape.five_character_ccgs, tuple(sorted(shape.region_ons.items()))


def _months_between(start: str, end: str) -> int:
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:])


def plan_history(
    practices: pd.DataFrame, pcns: pd.DataFrame, months: list[str], rng: np.random.Generator,
    spec: HistorySpec | None = None,
) -> History:  # fmt: skip
    """Draw the history ending in the sample's own PCNs (`practices["pcn"]`, ids into `pcns`): the later
    vintages, whose last month is their own release."""
    spec = spec or HistorySpec()
    history = History(months=list(months), member=[], codes=list(pcns["code"]), names=list(pcns["name"]), events=[])
    if not months:
        return history
    planter = _Planter(history, pcns["ccg"].tolist(), practices["code"].tolist(), rng, spec)
    after = practices["pcn"].to_numpy().astype(int)
    states = [after]
    for i in range(len(months) - 1, 0, -1):
        counts = {kind: _count(spec.rates[kind], months[0], months[i - 1], months[i]) for kind in KINDS}
        after = planter.step(after, counts, months[i - 1], months[i])
        states.append(after)
    history.member = states[::-1]
    history.events.sort(key=_event_order)
    return history


def plan_forward(
    practices: pd.DataFrame, pcns: pd.DataFrame, months: list[str], rng: np.random.Generator,
    spec: HistorySpec | None = None,
) -> History:  # fmt: skip
    """Draw the history starting from the sample's own PCNs in `months[0]`: the default vintage, whose
    PCNs are the interim report's (January 2020), so its later months must grow out of them."""
    spec = spec or HistorySpec()
    history = History(months=list(months), member=[], codes=list(pcns["code"]), names=list(pcns["name"]), events=[])
    if not months:
        return history
    planter = _ForwardPlanter(history, pcns["ccg"].tolist(), practices["code"].tolist(), rng, spec)
    state = practices["pcn"].to_numpy().astype(int)
    history.member = [state]
    for i in range(1, len(months)):
        counts = {kind: _count(spec.rates[kind], months[0], months[i - 1], months[i]) for kind in KINDS}
        state = planter.step(state, counts, months[i - 1], months[i])
        history.member.append(state)
    history.events.sort(key=_event_order)
    return history


def _event_order(event: dict) -> tuple:
    return event["month"], KINDS.index(event["kind"]), event.get("pcn", ""), event.get("practice", "")


def _count(rate: float, first: str, start: str, end: str) -> int:
    """Events of one kind between releases `start` and `end`: cumulative rate differences, so every window
    of n months holds rate x n of them to within one."""
    return int(np.floor(rate * _months_between(first, end)) - np.floor(rate * _months_between(first, start)))


class _Planter:
    """Undoes one step's events at a time (`step`), adding the PCNs that existed only before them."""

    def __init__(self, history: History, ccg: list[int], practice_codes: list[str], rng, spec: HistorySpec):
        self.history, self.ccg, self.practice_codes, self.rng, self.spec = history, ccg, practice_codes, rng, spec
        self.sample_pcns = len(ccg)

    def new_pcn(self, ccg: int, name: str | None = None) -> int:
        """A PCN the sample's last month does not have. Codes count down from U89999, clear of the sample's
        U90001...; names continue the sample's numbering."""
        k = len(self.history.codes) - self.sample_pcns
        self.history.codes.append(f"U{89_999 - k}")
        self.history.names.append(name or f"SYNTHETIC PCN {self.sample_pcns + k + 1:04d}")
        self.ccg.append(ccg)
        return len(self.history.codes) - 1

    def step(self, state: np.ndarray, counts: dict[str, int], start: str, end: str) -> np.ndarray:
        """The month on the other side of one step from `state`: this planter's direction's events, each kind
        `counts[kind]` times, none touching a PCN twice. `_Planter` undoes them (the month before);
        `_ForwardPlanter` plants them (the month after)."""
        other = state.copy()
        members = _members(state)
        taken: set[int] = set()  # PCNs (ids, before or after) already in an event of this step
        by_ccg: dict[int, list[int]] = {}
        for pcn in members:
            by_ccg.setdefault(self.ccg[pcn], []).append(pcn)
        plant = {RECODED: self._recode, MERGED: self._merge, SPLIT: self._split, OPENED: self._open, MOVED: self._move}
        for kind in KINDS:
            for _ in range(counts[kind]):
                event = plant[kind](other, members, by_ccg, taken)
                if event is not None:
                    self.history.events.append({"kind": kind, "since": start, "month": end, **event})
        return other

    def _free(self, members, taken, smallest: int = 1, largest: int | None = None) -> list[int]:
        """Untaken PCNs with `smallest` to `largest` practices, in random order."""
        pool = [p for p, rows in members.items() if p not in taken and len(rows) >= smallest
                and (largest is None or len(rows) <= largest)]  # fmt: skip
        return [pool[i] for i in self.rng.permutation(len(pool))]

    def _partner(self, pcn: int, by_ccg, members, taken, smallest: int = 1) -> int | None:
        """An untaken PCN of `pcn`'s commissioner with at least `smallest` practices, at random."""
        others = [p for p in by_ccg[self.ccg[pcn]] if p != pcn and p not in taken and len(members[p]) >= smallest]
        return others[self.rng.integers(len(others))] if others else None

    def _codes(self, rows) -> list[str]:
        return sorted(self.practice_codes[r] for r in rows)

    def _recode(self, before, members, by_ccg, taken):
        for new in self._free(members, taken):
            old = self.new_pcn(self.ccg[new], self.history.names[new])
            before[members[new]] = old
            taken.update((new, old))
            return {"pcn": self.history.codes[old], "to": self.history.codes[new]}
        return None

    def _merge(self, before, members, by_ccg, taken):
        for into in self._free(members, taken, smallest=2):
            rows = members[into]
            n = int(self.rng.integers(1, min(self.spec.max_merging_practices, len(rows) - 1) + 1))
            leaving = self.rng.choice(rows, n, replace=False)
            gone = self.new_pcn(self.ccg[into])
            before[leaving] = gone
            taken.update((into, gone))
            return {"pcn": self.history.codes[gone], "to": self.history.codes[into], "practices": self._codes(leaving)}
        return None

    def _split(self, before, members, by_ccg, taken):
        for first in self._free(members, taken, smallest=2):
            # Two PCNs taking one or two practices each, or three taking one each: none takes over half.
            parts = 2 if self.rng.random() < 0.7 else 3
            each = int(self.rng.integers(1, 3)) if parts == 2 else 1
            chosen = [first]
            while len(chosen) < parts:
                other = self._partner(first, by_ccg, members, taken | set(chosen), smallest=each + 1)
                if other is None:
                    break
                chosen.append(other)
            if len(chosen) < parts or len(members[first]) < each + 1:
                continue
            gone = self.new_pcn(self.ccg[first])
            rows = np.concatenate([self.rng.choice(members[p], each, replace=False) for p in chosen])
            before[rows] = gone
            taken.update((*chosen, gone))
            return {"pcn": self.history.codes[gone], "to": sorted(self.history.codes[p] for p in chosen),
                    "practices": self._codes(rows)}  # fmt: skip
        return None

    def _open(self, before, members, by_ccg, taken):
        for new in self._free(members, taken, largest=self.spec.max_opening_practices):
            source = self._partner(new, by_ccg, members, taken)
            if source is None:
                continue
            before[members[new]] = source
            taken.update((new, source))
            return {"pcn": self.history.codes[new], "from": self.history.codes[source],
                    "practices": self._codes(members[new])}  # fmt: skip
        return None

    def _move(self, before, members, by_ccg, taken):
        for to in self._free(members, taken, smallest=2):
            source = self._partner(to, by_ccg, members, taken)
            if source is None:
                continue
            row = members[to][self.rng.integers(len(members[to]))]
            before[row] = source
            taken.update((to, source))
            return {"practice": self.practice_codes[row], "from": self.history.codes[source], "to": self.history.codes[to]}
        return None


class _ForwardPlanter(_Planter):
    """Plants one step's events at a time on the month before, adding the PCNs the events create. Each kind
    mirrors the undone one of `_Planter`, so both directions leave the same traces in consecutive months."""

    def _recode(self, after, members, by_ccg, taken):
        for old in self._free(members, taken):
            new = self.new_pcn(self.ccg[old], self.history.names[old])
            after[members[old]] = new
            taken.update((old, new))
            return {"pcn": self.history.codes[old], "to": self.history.codes[new]}
        return None

    def _merge(self, after, members, by_ccg, taken):
        for gone in self._free(members, taken, largest=self.spec.max_merging_practices):
            into = self._partner(gone, by_ccg, members, taken)
            if into is None:
                continue
            after[members[gone]] = into
            taken.update((gone, into))
            return {"pcn": self.history.codes[gone], "to": self.history.codes[into], "practices": self._codes(members[gone])}
        return None

    def _split(self, after, members, by_ccg, taken):
        # Two PCNs taking one or two practices each, or three taking one each: none takes over half.
        parts = 2 if self.rng.random() < 0.7 else 3
        each = int(self.rng.integers(1, 3)) if parts == 2 else 1
        for gone in self._free(members, taken, smallest=parts * each, largest=parts * each):
            chosen: list[int] = []
            while len(chosen) < parts:
                other = self._partner(gone, by_ccg, members, taken | set(chosen) | {gone})
                if other is None:
                    break
                chosen.append(other)
            if len(chosen) < parts:
                continue
            rows = self.rng.permutation(members[gone])
            for j, pcn in enumerate(chosen):
                after[rows[j * each:(j + 1) * each]] = pcn
            taken.update((gone, *chosen))
            return {"pcn": self.history.codes[gone], "to": sorted(self.history.codes[p] for p in chosen),
                    "practices": self._codes(rows)}  # fmt: skip
        return None

    def _open(self, after, members, by_ccg, taken):
        n = int(self.rng.integers(1, self.spec.max_opening_practices + 1))
        for source in self._free(members, taken, smallest=n + 1):
            rows = self.rng.choice(members[source], n, replace=False)
            new = self.new_pcn(self.ccg[source])
            after[rows] = new
            taken.update((source, new))
            return {"pcn": self.history.codes[new], "from": self.history.codes[source], "practices": self._codes(rows)}
        return None

    def _move(self, after, members, by_ccg, taken):
        for source in self._free(members, taken, smallest=2):
            to = self._partner(source, by_ccg, members, taken)
            if to is None:
                continue
            row = members[source][self.rng.integers(len(members[source]))]
            after[row] = to
            taken.update((source, to))
            return {"practice": self.practice_codes[row], "from": self.history.codes[source], "to": self.history.codes[to]}
        return None


def _members(ids: np.ndarray) -> dict[int, np.ndarray]:
    """PCN id -> its practices' rows, for the PCNs that have any."""
    rows = np.flatnonzero(ids >= 0)
    order = rows[np.argsort(ids[rows], kind="stable")]
    pcns, starts = np.unique(ids[order], return_index=True)
    return {int(p): part for p, part in zip(pcns, np.split(order, starts[1:]))}


def history_files(
    practices: pd.DataFrame, pcns: pd.DataFrame, april_2020: pd.DataFrame, vintage: Vintage, rng: np.random.Generator,
    spec: HistorySpec | None = None,
) -> dict[str, bytes]:  # fmt: skip
    """The mapping of every month of the history the sample does not write anyway, and the record of the
    history, by path. `april_2020` are the CCGs before any vintage's labels: each month labels them as its
    own format does.

    A later vintage writes its own month's mapping itself: its history runs from `FIRST_MONTH` up to that
    month and ends in the sample's PCNs. The default vintage (the interim report's, January 2020) writes
    no mapping of its own: its history starts from the sample's PCNs in its registrations' month and runs
    forward to the latest vintage's month, every month written, so a default build shows what happened
    since the interim report while its chapters read January 2020's data as before."""
    from pcnreport.data.synth.organisations import label_commissioners
    from pcnreport.data.synth.practice_map import PracticeMapWriter

    spec = spec or HistorySpec()
    own = vintage.extract_day.strftime("%Y-%m")
    if "registrations-map" in vintage.paths:
        history = plan_history(practices, pcns, history_months(own), rng, spec)
        written = history.months[:-1]
        folder = vintage.paths["registrations-map"].split("/")[0]
    else:
        latest = max(VINTAGES.values(), key=lambda v: v.extract_day).extract_day.strftime("%Y-%m")
        history = plan_forward(practices, pcns, [own, *history_months(latest)], rng, spec)
        written = history.months[1:]
        folder = "registrations-map"
    if len(history.months) < 2:
        return {}
    writers: dict[tuple, PracticeMapWriter] = {}  # one a format: a month changes the date and PCN columns only
    files = {}
    for i, month in enumerate(history.months):
        if month not in written:
            continue
        shape = month_format(month)
        key = _format_key(shape)
        if key not in writers:
            writers[key] = PracticeMapWriter(practices, label_commissioners(april_2020, shape), shape)
        files[f"{folder}/{month}/gp-reg-pat-prac-map.csv"] = writers[key].csv(shape.practice_map_date(), *history.pcn_columns(i))
    files[HISTORY_FILE] = history.record(spec)
    return files
