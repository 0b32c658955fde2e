"""Outputs are replaced whole or not at all."""

import os

import pytest

from pcnreport.build.publish import publish_directory, recover_directory
from pcnreport.core.atomic import (
    copy_atomic,
    write_text_atomic,
)


def test_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_publish_replaces_the_whole_folder(tmp_path):
    old, new = tmp_path / "_book", tmp_path / "staging"
    old.mkdir()
    (old / "stale.html").write_text("old")
    new.mkdir()
    (new / "index.html").write_text("new")
    publish_directory(new, old)
    assert sorted(p.name for p in old.iterdir()) == ["index.html"]
    assert not new.exists()
    assert not (tmp_path / "._book.old").exists()


def test_recover_restores_a_folder_left_aside_by_an_interrupted_publish(tmp_path):
    backup = tmp_path / "._book.old"
    backup.mkdir()
    (backup / "index.html").write_text("previous")
    recover_directory(tmp_path / "_book")
    assert (tmp_path / "_book" / "index.html").read_text() == "previous"


def test_failed_publish_keeps_the_old_folder(tmp_path):
    old = tmp_path / "_book"
    old.mkdir()
    (old / "index.html").write_text("old")
    with pytest.raises(FileNotFoundError):
        publish_directory(tmp_path / "missing-staging", old)
    assert (old / "index.html").read_text() == "old"


def test_copy_atomic_replaces_the_target_whole_and_can_keep_the_source_time(tmp_path):
    source = tmp_path / "source.csv"
    source.write_text("a,b\n1,2\n")
    os.utime(source, ns=(1_000_000_000, 1_000_000_000))
    target = tmp_path / "out" / "target.csv"
    copy_atomic(source, target)
    assert target.read_text() == "a,b\n1,2\n" and target.stat().st_mtime_ns != 1_000_000_000
    assert target.stat().st_mode & 0o044  # readable by others, unlike mkstemp's file
    copy_atomic(source, target, keep_times=True)
    assert target.stat().st_mtime_ns == 1_000_000_000

    with pytest.raises(FileNotFoundError):
        copy_atomic(tmp_path / "missing.csv", target)
    assert target.read_text() == "a,b\n1,2\n"  # the old copy is intact
    assert [p.name for p in target.parent.iterdir()] == ["target.csv"]  # no temporary file left behind
