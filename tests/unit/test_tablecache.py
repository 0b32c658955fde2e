"""The table cache: hits skip the reader, anything that changes the table misses, a bad entry is never used."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from pcnreport.core import runlog
from pcnreport.core.errors import DataFormatError
from pcnreport.core.hashing import FileHasher
from pcnreport.data import readers, tablecache
from pcnreport.data.inputs import TABLE_CACHE, DataInputs
from pcnreport.data.readers import Epcn
from pcnreport.data.tablecache import TableCache

REPO_DATA = Path(__file__).resolve().parents[2] / "data"
EMPHASIS = "interviewee_id,theme_1,theme_2,theme_3\nA,1,2,3\nB,0,0,1\n"


@pytest.fixture(autouse=True)
def not_racy(monkeypatch):
    # Files written by a test are seconds old at most: let the hasher remember them, as it would files
    # written before a build. The racy rule itself is tested below.
    monkeypatch.setattr(FileHasher, "RACY_SECONDS", -1)


class CountingReader:
    def __init__(self, read=lambda path: pd.DataFrame({"text": [Path(path).read_text()]})):
        self.read = read
        self.calls = 0

    def __call__(self, path):
        self.calls += 1
        return self.read(path)


def _data_file(tmp_path: Path, text: str = "one") -> Path:
    path = tmp_path / "data" / "widgets.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _entry(cache: TableCache, dataset: str, path: Path) -> Path:
    return cache.entry(dataset, cache.key("read_widgets", path))


def test_a_second_read_comes_from_the_cache_without_calling_the_reader(tmp_path):
    path, reader = _data_file(tmp_path), CountingReader()
    first = TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    # A new cache object (another notebook's kernel) finds the entry on disk.
    second_cache = TableCache(tmp_path / "cache")
    second = second_cache.read("widgets", "read_widgets", path, reader)
    assert reader.calls == 1
    assert second_cache.hits == ["widgets"]
    pd.testing.assert_frame_equal(first, second)


def test_a_changed_data_file_misses(tmp_path):
    path, reader = _data_file(tmp_path, "one"), CountingReader()
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    path.write_text("two")  # same size, and possibly the same mtime tick: the hash decides
    table = TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    assert reader.calls == 2
    assert table["text"].tolist() == ["two"]


def test_a_different_reader_misses(tmp_path):
    path, reader = _data_file(tmp_path), CountingReader()
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    TableCache(tmp_path / "cache").read("widgets", "read_widgets_v2", path, reader)
    assert reader.calls == 2


def test_a_changed_readers_source_misses(tmp_path, monkeypatch):
    package = tmp_path / "src" / "pcnreport"
    (package / "data" / "readers").mkdir(parents=True)
    (package / "core").mkdir()
    (package / "core" / "errors.py").write_text("class DataFormatError(Exception): pass\n")
    reader_source = package / "data" / "readers" / "widgets.py"
    reader_source.write_text("def read_widgets(path): ...\n")
    monkeypatch.setattr(tablecache, "PACKAGE_DIR", package)
    path, reader = _data_file(tmp_path), CountingReader()
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    assert reader.calls == 1
    reader_source.write_text("def read_widgets(path): return 'fixed'\n")
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    assert reader.calls == 2


def test_a_new_library_version_misses(tmp_path, monkeypatch):
    path, reader = _data_file(tmp_path), CountingReader()
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    real_version = tablecache._version
    monkeypatch.setattr(tablecache, "_version", lambda name: "99.0" if name == "pandas" else real_version(name))
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    assert reader.calls == 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data.replace(b"one", b"ONE"), id="a value changed"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data.replace(b"pcnreport-table", b"something-else", 1), id="not an entry"),
        pytest.param(lambda data: data.replace(b'"format": 1', b'"format": 0', 1), id="older format"),
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path, damage):
    path, reader = _data_file(tmp_path), CountingReader()
    cache = TableCache(tmp_path / "cache")
    cache.read("widgets", "read_widgets", path, reader)
    entry = _entry(cache, "widgets", path)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    again = TableCache(tmp_path / "cache")
    table = again.read("widgets", "read_widgets", path, reader)
    assert reader.calls == 2 and again.hits == []
    assert table["text"].tolist() == ["one"]
    assert entry.read_bytes() == good  # rewritten whole
    TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, reader)
    assert reader.calls == 2


def test_an_entry_for_another_key_under_the_same_name_is_not_used(tmp_path):
    # Entry names carry only part of the key: the full key in the header must match.
    one, two = _data_file(tmp_path / "a", "one"), _data_file(tmp_path / "b", "two")
    cache, reader = TableCache(tmp_path / "cache"), CountingReader()
    cache.read("widgets", "read_widgets", one, reader)
    os.replace(_entry(cache, "widgets", one), _entry(cache, "widgets", two))
    assert cache.read("widgets", "read_widgets", two, reader)["text"].tolist() == ["two"]
    assert reader.calls == 2


def test_a_file_the_reader_rejects_stores_nothing(tmp_path):
    path = _data_file(tmp_path)

    def bad(path):
        raise DataFormatError(path, "row 2, column 'x': expected a number, found 'abc'")

    with pytest.raises(DataFormatError):
        TableCache(tmp_path / "cache").read("widgets", "read_widgets", path, bad)
    assert list((tmp_path / "cache").glob("*.pickle")) == []


def test_pandas_dtypes_and_reader_dataclasses_round_trip_exactly(tmp_path):
    frame = pd.DataFrame(
        {
            "code": pd.Series(["A81001", None, "B82002"], dtype="str"),
            "kind": pd.Categorical(["urban", "rural", "urban"], categories=["rural", "urban"], ordered=True),
            "opened": pd.Series(pd.to_datetime(["2019-07-01", None, "2020-04-01"])).astype("datetime64[ns]"),
            "count": pd.Series([1, None, 3], dtype="Int64"),
            "share": pd.Series([0.5, None, 1.25], dtype="Float64"),
            "rural": [True, False, True],
            "plain": pd.Series([1, 2, 3], dtype="int64"),
        },
        index=pd.RangeIndex(3),
    )
    epcn = Epcn(pcns=frame.iloc[:2].copy(), members=frame.iloc[1:].copy())
    path = _data_file(tmp_path)
    for dataset, value in (("frame", frame), ("epcn", epcn)):
        TableCache(tmp_path / "cache").read(dataset, "read_widgets", path, lambda _, value=value: value)
        cache = TableCache(tmp_path / "cache")
        back = cache.read(dataset, "read_widgets", path, CountingReader(lambda _: pytest.fail("reader called")))
        assert cache.hits == [dataset]
        if isinstance(value, Epcn):
            pd.testing.assert_frame_equal(back.pcns, value.pcns)
            pd.testing.assert_frame_equal(back.members, value.members)
        else:
            pd.testing.assert_frame_equal(back, value)


def test_only_the_newest_entries_of_a_dataset_are_kept(tmp_path):
    cache, reader = TableCache(tmp_path / "cache"), CountingReader()
    other = _data_file(tmp_path / "other", "x")
    cache.read("widgets-age", "read_widgets", other, reader)  # a dataset whose name extends this one's
    for version in range(tablecache.KEEP + 2):
        path = _data_file(tmp_path / f"v{version}", f"version {version}")
        cache.read("widgets", "read_widgets", path, reader)
    kept = sorted(p.name for p in (tmp_path / "cache").glob("widgets-*.pickle"))
    assert len([name for name in kept if not name.startswith("widgets-age-")]) == tablecache.KEEP
    assert _entry(cache, "widgets", path).exists()  # the newest
    assert _entry(cache, "widgets-age", other).exists()


def _project_with_emphasis(tmp_path: Path, text: str = EMPHASIS) -> tuple[Path, Path]:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "catalogue.yaml").write_text((REPO_DATA / "catalogue.yaml").read_text())
    data_dir = tmp_path / "datafolder"
    (data_dir / "interviews" / "2019").mkdir(parents=True)
    (data_dir / "interviews" / "2019" / "emphasis.csv").write_text(text)
    return project, data_dir


def test_data_inputs_read_through_the_cache_and_still_record_every_read(tmp_path, monkeypatch):
    project, data_dir = _project_with_emphasis(tmp_path)
    counting = CountingReader(readers.read_interview_emphasis)
    monkeypatch.setattr(readers, "read_interview_emphasis", counting)
    log = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))

    first = DataInputs.open(project, data_dir).read("interview-emphasis")
    inputs = DataInputs.open(project, data_dir)  # the next notebook's kernel
    second = inputs.read("interview-emphasis")

    assert counting.calls == 1 and inputs.table_cache.hits == ["interview-emphasis"]
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(second, readers.read_interview_emphasis.read(data_dir / "interviews/2019/emphasis.csv"))
    # Both kernels record the file they read (the build re-runs them when it changes), and the cache's own
    # files are not recorded as notebook outputs (the build would otherwise restore them).
    lines = log.read_text().splitlines()
    assert sum('"read": "interview-emphasis"' in line for line in lines) == 2
    assert not any('"wrote"' in line for line in lines)
    assert list((project / TABLE_CACHE).glob("interview-emphasis-*.pickle"))


def test_data_inputs_without_the_cache_always_read(tmp_path, monkeypatch):
    project, data_dir = _project_with_emphasis(tmp_path)
    counting = CountingReader(readers.read_interview_emphasis)
    monkeypatch.setattr(readers, "read_interview_emphasis", counting)
    for _ in range(2):
        DataInputs.open(project, data_dir, cache=False).read("interview-emphasis")
    assert counting.calls == 2
    assert not (project / TABLE_CACHE).exists()


def test_data_inputs_report_a_bad_file_even_after_a_good_one_was_cached(tmp_path):
    project, data_dir = _project_with_emphasis(tmp_path)
    DataInputs.open(project, data_dir).read("interview-emphasis")
    (data_dir / "interviews" / "2019" / "emphasis.csv").write_text(EMPHASIS + "C,x,1,1\n")
    with pytest.raises(DataFormatError, match="row 4"):
        DataInputs.open(project, data_dir).read("interview-emphasis")
