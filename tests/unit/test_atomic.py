"""Outputs are replaced whole or not at all."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pcnreport.build import publish
from pcnreport.build.publish import publish_directory, recover_directory
from pcnreport.core import atomic
from pcnreport.core.atomic import (
    copy_atomic,
    exchange_paths,
    replace_directory,
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


def _site(folder, text: str):
    (folder / "chapters").mkdir(parents=True)
    (folder / "index.html").write_text(text)
    (folder / "chapters" / "one.html").write_text(f"{text} one")
    return folder


def _files(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    first, second = _site(tmp_path / "a", "A"), _site(tmp_path / "b", "B")
    if not exchange_paths(first, second):
        pytest.skip("this system or filesystem cannot exchange two names in one step")
    assert (first / "index.html").read_text() == "B" and (second / "index.html").read_text() == "A"


def test_replace_directory_without_an_exchange_renames_the_old_folder_aside_then_deletes_it(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "exchange_paths", lambda first, second: False)
    target = _site(tmp_path / "_book", "old")
    replace_directory(_site(tmp_path / "staging", "new"), target)
    assert _files(target) == {"chapters/one.html": "new one", "index.html": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book"]


# Run in a child process that dies (os._exit: no cleanup, no `finally`, as under SIGKILL) at one step.
KILLED_AT = """
import os, sys
from pcnreport.core import atomic
moment, source, target = sys.argv[1:]
if moment == "between the renames":
    atomic.exchange_paths = lambda first, second: False
    rename, calls = os.rename, []
    def dying_rename(old, new):
        calls.append(old)
        if len(calls) == 2:
            os._exit(9)
        rename(old, new)
    os.rename = dying_rename
elif moment == "after the exchange":
    atomic.discard_directory = lambda path: os._exit(9)
atomic.replace_directory(source, target)
"""


def _replace_killed(moment: str, source, target) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_AT, moment, str(source), str(target)], check=False)
    assert done.returncode == 9


def test_a_publish_killed_between_the_fallback_renames_is_recovered_whole(tmp_path):
    target = _site(tmp_path / "_book", "old")
    staging = _site(tmp_path / "_build" / "site.x", "new")
    _replace_killed("between the renames", staging, target)
    assert not target.exists()  # the moment no single rename can avoid: the old site waits aside, complete
    assert _files(tmp_path / "._book.old") == {"chapters/one.html": "old one", "index.html": "old"}
    publish.recover(tmp_path)  # what the next build does first
    assert _files(target) == {"chapters/one.html": "old one", "index.html": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book", "_build"]
    assert list((tmp_path / "_build").iterdir()) == []


def test_a_publish_killed_after_the_exchange_has_the_new_site_in_place(tmp_path):
    target = _site(tmp_path / "_book", "old")
    staging = _site(tmp_path / "_build" / "site.x", "new")
    if not exchange_paths(_site(tmp_path / "probe-a", "a"), _site(tmp_path / "probe-b", "b")):
        pytest.skip("this system or filesystem cannot exchange two names in one step")
    shutil.rmtree(tmp_path / "probe-a")
    shutil.rmtree(tmp_path / "probe-b")
    _replace_killed("after the exchange", staging, target)
    assert _files(target) == {"chapters/one.html": "new one", "index.html": "new"}
    assert _files(staging) == {"chapters/one.html": "old one", "index.html": "old"}  # not yet deleted
    publish.recover(tmp_path)
    assert _files(target) == {"chapters/one.html": "new one", "index.html": "new"}
    assert list((tmp_path / "_build").iterdir()) == []


def test_recover_finishes_interrupted_deletions_and_keeps_the_published_folder(tmp_path):
    target = _site(tmp_path / "_book", "new")
    _site(tmp_path / "._book.old", "old")
    (tmp_path / "._book.trash-0a1b2c3d").mkdir()
    (tmp_path / "_build" / ".site.abc.trash-01234567").mkdir(parents=True)
    (tmp_path / "_build" / ".site.def.pdf.89abcdef").mkdir()  # Quarto's PDF folder beside a staging folder
    (tmp_path / "_quarto-website.yml").write_text("# Written by pcnreport for one render, then removed.\n")
    (tmp_path / "_build" / "notebooks").mkdir()
    publish.recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book", "_build"]
    assert _files(target) == {"chapters/one.html": "new one", "index.html": "new"}
    assert [p.name for p in (tmp_path / "_build").iterdir()] == ["notebooks"]


def test_discarding_a_folder_moves_it_off_its_name_first(tmp_path, monkeypatch):
    folder = _site(tmp_path / "entry", "x")
    seen = []
    monkeypatch.setattr(atomic.shutil, "rmtree", lambda path, ignore_errors=False: seen.append(Path(path)))
    atomic.discard_directory(folder)
    assert not folder.exists() and seen and seen[0].name.startswith(".entry.trash-") and seen[0].is_dir()
