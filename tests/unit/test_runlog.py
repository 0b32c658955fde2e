"""The run log: what a notebook's kernel recorded reading and writing, as the build loads it."""

from __future__ import annotations

from pcnreport.core import runlog


def test_a_read_of_one_release_is_kept_beside_the_datasets_latest(tmp_path, monkeypatch):
    log = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))
    latest = tmp_path / "maps" / "2025-10" / "map.csv"
    older = tmp_path / "maps" / "2022-01" / "map.csv"
    runlog.record_read("maps", latest)
    runlog.record_read("maps", older, release="2022-01")
    runlog.record_read("maps", latest, release="2025-10")
    runlog.record_write(tmp_path / "out.json")
    runlog.record_write(tmp_path / "out.json")

    reads, writes, generated = runlog.load_all(log)

    assert reads == {
        "maps": {"path": str(latest.resolve()), "member": None},
        "maps@2022-01": {"path": str(older.resolve()), "member": None, "dataset": "maps", "release": "2022-01"},
        "maps@2025-10": {"path": str(latest.resolve()), "member": None, "dataset": "maps", "release": "2025-10"},
    }
    assert writes == [(tmp_path / "out.json").resolve()] and generated == []
    assert runlog.read_key("maps") == "maps" and runlog.read_key("maps", "2022-01") == "maps@2022-01"


def test_outside_a_build_nothing_is_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv(runlog.ENV, raising=False)
    runlog.record_read("maps", tmp_path / "map.csv", release="2022-01")
    assert runlog.load_all(tmp_path / "run.jsonl") == ({}, [], [])
