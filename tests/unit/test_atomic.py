"""Outputs are replaced whole or not at all."""

import pytest

from pcnreport.atomic import publish_directory, recover_directory, write_text_atomic


def test_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_publish_replaces_the_whole_folder(tmp_path):
    old, new = tmp_path / "_book", tmp_path / "staging"
    old.mkdir(); (old / "stale.html").write_text("old")
    new.mkdir(); (new / "index.html").write_text("new")
    publish_directory(new, old)
    assert sorted(p.name for p in old.iterdir()) == ["index.html"]
    assert not new.exists()
    assert not (tmp_path / "._book.old").exists()


def test_recover_restores_a_folder_left_aside_by_an_interrupted_publish(tmp_path):
    backup = tmp_path / "._book.old"
    backup.mkdir(); (backup / "index.html").write_text("previous")
    recover_directory(tmp_path / "_book")
    assert (tmp_path / "_book" / "index.html").read_text() == "previous"


def test_failed_publish_keeps_the_old_folder(tmp_path):
    old = tmp_path / "_book"
    old.mkdir(); (old / "index.html").write_text("old")
    with pytest.raises(FileNotFoundError):
        publish_directory(tmp_path / "missing-staging", old)
    assert (old / "index.html").read_text() == "old"
