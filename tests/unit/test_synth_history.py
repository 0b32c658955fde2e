"""The synthetic sample as a history (`data.synth.history`): the practice mapping of every month, with the
events the generator planted found again by `analysis.landscape.changes`, in each month's format.

The event checks run on the history drawn in memory (a third of a second); the file checks on the latest
vintage's sample, written once a session into the folder test_synth.py and test_synth_datasets.py use.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pcnreport.analysis import landscape
from pcnreport.data import readers
from pcnreport.data.synth import MARKER, SyntheticSpec, get_vintage, write_sample
from pcnreport.data.synth.history import HISTORY_FILE, history_months, month_format, plan_forward, plan_history

# The real maps of January 2022 and October 2025 (../shared/data-later), as counted for the issue.
REAL_2022_01_TO_2025_10 = {"opened": 69, "merged": 18, "split": 8, "dissolved": 0, "recoded": 9, "moves": 396}


def _organisations(seed: int):
    from pcnreport.data.synth.draws import _streams
    from pcnreport.data.synth.organisations import _make_ccgs, _make_pcns, _make_practices, label_commissioners
    from pcnreport.data.synth.traits import make_traits

    spec = SyntheticSpec(seed=seed)
    streams = _streams(seed)
    ccgs = label_commissioners(_make_ccgs(spec, streams["ccgs"]), get_vintage("latest"))
    pcns = _make_pcns(spec, ccgs, streams["pcns"])
    practices = _make_practices(spec, ccgs, pcns, make_traits(spec, ccgs, pcns, streams["traits"]), streams["practices"])
    return practices, pcns, streams["history"]


@functools.cache
def _planned(seed: int = SyntheticSpec().seed, end: str = "2026-06"):
    practices, pcns, rng = _organisations(seed)
    return practices, plan_history(practices, pcns, history_months(end), rng)


@functools.cache
def _planned_forward(seed: int = SyntheticSpec().seed):
    """The default vintage's history: from its own PCNs in January 2020 to the latest vintage's month."""
    practices, pcns, rng = _organisations(seed)
    return practices, plan_forward(practices, pcns, ["2020-01", *history_months("2026-06")], rng)


DIRECTIONS = {"backward": _planned, "forward": _planned_forward}


def _snapshots(practices, history) -> dict[str, landscape.Snapshot]:
    sizes = pd.DataFrame({"practice_code": practices["code"], "list_size": practices["list_size"]})
    snapshots = {}
    for i, month in enumerate(history.months):
        codes, _names = history.pcn_columns(i)
        members = pd.DataFrame({"practice_code": practices["code"], "pcn_code": codes})
        snapshots[month] = landscape.Snapshot(month, members, sizes)
    return snapshots


def _expected(events: list[dict]) -> dict:
    """What `changes` should find between two consecutive releases, from the events planted between them."""
    moves = set()
    for event in events:
        if event["kind"] == "moved":
            moves.add((event["practice"], event["from"], event["to"]))
        elif event["kind"] == "opened":
            moves |= {(p, event["from"], event["pcn"]) for p in event["practices"]}
        elif event["kind"] == "merged":
            moves |= {(p, event["pcn"], event["to"]) for p in event["practices"]}
    split = {e["pcn"]: e for e in events if e["kind"] == "split"}
    return {
        "opened": sorted(e["pcn"] for e in events if e["kind"] == "opened"),
        "merged": {e["pcn"]: e["to"] for e in events if e["kind"] == "merged"},
        "split": sorted(split),
        "recoded": {e["pcn"]: e["to"] for e in events if e["kind"] == "recoded"},
        "moves": moves,
        "split_moves": {p: e["to"] for e in split.values() for p in e["practices"]},
    }


def test_months_start_in_april_2020_quarterly_then_monthly_from_2022():
    months = history_months("2026-06")
    assert months[:8] == ["2020-04", "2020-07", "2020-10", "2021-01", "2021-04", "2021-07", "2021-10", "2022-01"]
    assert months[8:10] == ["2022-02", "2022-03"] and months[-1] == "2026-06" and len(months) == 61
    assert history_months("2022-02")[-2:] == ["2022-01", "2022-02"]
    assert history_months("2021-05")[-1] == "2021-05"  # the vintage's own month, even off the quarter
    # The default vintage's registrations are January 2020's, before any mapping named PCNs.
    assert history_months("2020-01") == []


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_consecutive_months_differ_by_exactly_the_events_planted_between_them(direction):
    practices, history = DIRECTIONS[direction]()
    snapshots = _snapshots(practices, history)
    by_month: dict[str, list[dict]] = {}
    for event in history.events:
        by_month.setdefault(event["month"], []).append(event)
    checked = Counter()
    for before, after in pairwise(history.months):
        planted = _expected(by_month.get(after, []))
        assert all(e["since"] == before for e in by_month.get(after, []))
        found = landscape.changes(snapshots[before], snapshots[after])
        assert found.opened == planted["opened"], after
        assert found.recoded == planted["recoded"], after
        closed = found.closed.set_index("pcn_code")
        assert closed.index[closed["fate"] == "merged"].tolist() == sorted(planted["merged"]), after
        assert closed.loc[closed["fate"] == "merged", "to_pcn"].to_dict() == planted["merged"], after
        assert closed.index[closed["fate"] == "split"].tolist() == planted["split"], after
        assert not (closed["fate"] == "dissolved").any(), after
        moved = set(found.moves.itertuples(index=False, name=None))
        # A split PCN's practices go to the PCNs named in its event, one or two to each.
        split_moves = {m for m in moved if m[0] in planted["split_moves"]}
        assert {(p, to) for p, _from, to in split_moves} <= {(p, to) for p, tos in planted["split_moves"].items() for to in tos}
        assert {p for p, *_ in split_moves} == set(planted["split_moves"]), after
        assert moved - split_moves == planted["moves"], after
        checked.update(e["kind"] for e in by_month.get(after, []))
    # Every kind was planted, and at the real maps' rate: over 75 months (78 from January 2020) about
    # 75/45 of their counts.
    span = {"backward": 75, "forward": 78}[direction]
    assert set(checked) == {"opened", "merged", "split", "recoded", "moved"}
    assert checked["opened"] == pytest.approx(69 * span / 45, abs=2)
    assert checked["merged"] == pytest.approx(18 * span / 45, abs=2)


def test_the_change_over_the_real_comparison_months_is_about_the_real_one():
    practices, history = _planned()
    snapshots = _snapshots(practices, history)
    found = landscape.changes(snapshots["2022-01"], snapshots["2025-10"])
    counts = {
        "opened": len(found.opened), **found.fates, "recoded": len(found.recoded), "moves": len(found.moves)
    }
    # Events compound over 45 months (a PCN opened, then merged away), so the counts are near, not equal.
    tolerance = {"opened": 8, "merged": 5, "split": 5, "dissolved": 0, "recoded": 4, "moves": 40}
    for kind, real in REAL_2022_01_TO_2025_10.items():
        assert abs(counts[kind] - real) <= tolerance[kind], (kind, counts[kind], real)
    pcns = [snapshots[m].members["pcn_code"].dropna().nunique() for m in ("2022-01", "2025-10")]
    assert pcns[1] - pcns[0] == pytest.approx(1297 - 1254, abs=8)


def test_the_history_ends_in_the_sample_s_own_pcns_and_starts_smaller():
    practices, history = _planned()
    last, _names = history.pcn_columns(len(history.months) - 1)
    assert list(last) == [code if isinstance(code, str) else None for code in practices["pcn_code"]]
    first, _names = history.pcn_columns(0)
    assert 1_100 < len(set(first) - {None}) < practices["pcn_code"].nunique()
    # Practices in no PCN stay out of PCNs throughout; every PCN of every month has practices.
    none = practices["pcn_code"].isna().to_numpy()
    assert all((ids[none] == -1).all() and (ids[~none] >= 0).all() for ids in history.member)


def test_the_default_vintage_s_history_starts_in_its_own_pcns_and_grows():
    practices, history = _planned_forward()
    first, _names = history.pcn_columns(0)
    assert history.months[0] == "2020-01" and history.months[1] == "2020-04" and history.months[-1] == "2026-06"
    assert list(first) == [code if isinstance(code, str) else None for code in practices["pcn_code"]]
    last, _names = history.pcn_columns(len(history.months) - 1)
    assert practices["pcn_code"].nunique() < len(set(last) - {None}) < 1_400
    none = practices["pcn_code"].isna().to_numpy()
    assert all((ids[none] == -1).all() and (ids[~none] >= 0).all() for ids in history.member)


def test_the_history_is_the_seed_s():
    _practices, history = _planned()
    _p, same = _planned.__wrapped__()  # drawn again from fresh generators of the same seed
    assert same.events == history.events and all(np.array_equal(a, b) for a, b in zip(same.member, history.member))
    _p, other = _planned.__wrapped__(seed=7)
    assert other.events != history.events


def test_each_month_s_format_is_the_publisher_s_of_that_month():
    ccg, five, sub_icb, supplier = (month_format(m) for m in ("2020-04", "2021-04", "2022-07", "2025-10"))
    assert ccg.practice_map_header[7:10] == ("ONS_CCG_CODE", "CCG_CODE", "CCG_NAME") and ccg.five_character_ccgs == 0
    assert five.commissioner == "ccg" and five.five_character_ccgs == 9
    assert sub_icb.commissioner == "sub-icb" and sub_icb.practice_map_header[-1] == "COMM_REGION_NAME"
    assert supplier.practice_map_header[-1] == "SUPPLIER_NAME"
    assert [f.practice_map_date() for f in (ccg, supplier)] == ["01Apr2020", "01Oct2025"]


# --- The files of the latest vintage ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def latest(tmp_path_factory) -> Path:
    # The folder test_synth.py's `vintage_sample` and test_synth_datasets.py's `vintage_files` use, so a
    # session writes the latest vintage once (~20 s).
    era = get_vintage("latest")
    root = tmp_path_factory.getbasetemp() / f"synth-sample-vintage-{era.name}"
    if not (root / MARKER).is_file():
        write_sample(root, SyntheticSpec(), "latest")
    return root


def test_every_month_is_written_and_named_in_the_marker_with_its_record(latest):
    record = json.loads((latest / HISTORY_FILE).read_text(encoding="utf-8"))
    months = sorted(p.name for p in (latest / "registrations-map").iterdir())
    assert months == record["months"] == history_months("2026-06")
    marker = json.loads((latest / MARKER).read_text(encoding="utf-8"))
    assert {f"registrations-map/{m}/gp-reg-pat-prac-map.csv" for m in months} | {HISTORY_FILE} <= set(marker["files"])
    # The record is the history drawn in memory (the same seed's stream), event for event.
    _practices, history = _planned()
    assert record["events"] == history.events
    assert record["pcns"]["2026-06"] == 1250


def test_every_month_reads_with_the_project_s_reader_in_its_format(latest):
    record = json.loads((latest / HISTORY_FILE).read_text(encoding="utf-8"))
    for month in record["months"]:
        path = latest / "registrations-map" / month / "gp-reg-pat-prac-map.csv"
        table = readers.read_practice_map(path)
        shape = month_format(month) if month != "2026-06" else get_vintage("latest")
        with path.open("rb") as handle:
            assert handle.readline().decode().rstrip("\n").split(",") == list(shape.practice_map_header), month
        assert table["extract_date"].iloc[0] == pd.Timestamp(f"{month}-01")
        assert set(table["commissioner_level"]) == {shape.commissioner}, month
        assert table["pcn_code"].nunique() == record["pcns"][month], month


@pytest.mark.parametrize("month", ["2022-01", "2025-10"])
def test_the_months_held_for_real_have_the_real_header_and_date_style(latest, shared_data_later, month):
    ours = latest / "registrations-map" / month / "gp-reg-pat-prac-map.csv"
    real = shared_data_later / "registrations-map" / month / "gp-reg-pat-prac-map.csv"
    with ours.open("rb") as mine, real.open("rb") as theirs:
        assert mine.readline() == theirs.readline()
        assert mine.readline().split(b",")[1] == theirs.readline().split(b",")[1]  # 01Jan2022, 01Oct2025


def test_inputs_read_every_month_and_log_each_file(latest, tmp_path, monkeypatch):
    from pcnreport.core import runlog
    from pcnreport.data.inputs import DataInputs

    log = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))
    inputs = DataInputs.open(Path(__file__).parents[2], latest, cache=False)
    tables = inputs.read_all_releases("registrations-map")
    assert list(tables) == history_months("2026-06")
    assert tables["2026-06"].equals(readers.read_practice_map(latest / "registrations-map/2026-06/gp-reg-pat-prac-map.csv"))
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    paths = [Path(event["path"]).parent.name for event in logged if event.get("read") == "registrations-map"]
    assert set(paths) == set(tables) and paths[-1] == "2026-06"
    # The build's key records the dataset under its name, at its latest release (a new month re-runs).
    reads, _writes = runlog.load(log)
    assert Path(reads["registrations-map"]["path"]).parent.name == "2026-06"
    # ... and each month under its own name, so an edited or deleted older month re-runs the notebook too.
    assert set(reads) == {"registrations-map"} | {f"registrations-map@{month}" for month in tables}
    assert {reads[f"registrations-map@{m}"]["release"] for m in tables} == set(tables)
    assert inputs.releases == {"registrations-map": "2026-06"}


def test_the_real_counts_the_sample_is_held_to_are_those_of_the_real_months(shared_data_later):
    from pcnreport.data.inputs import DataInputs

    inputs = DataInputs.open(Path(__file__).parents[2], shared_data_later, cache=False)
    tables = inputs.read_all_releases("registrations-map")
    assert list(tables) == ["2022-01", "2025-10"]
    no_sizes = pd.DataFrame({"practice_code": [], "list_size": []})
    before, after = (landscape.Snapshot(m, t[["practice_code", "pcn_code"]], no_sizes) for m, t in tables.items())
    found = landscape.changes(before, after)
    counts = {"opened": len(found.opened), **found.fates, "recoded": len(found.recoded), "moves": len(found.moves)}
    assert counts == REAL_2022_01_TO_2025_10
    assert [s.members["pcn_code"].nunique() for s in (before, after)] == [1254, 1297]
