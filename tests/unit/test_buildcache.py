"""Step keys: what changes a notebook run's key, what does not, and how the change is explained."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from pcnreport.build import buildcache
from pcnreport.build.pipeline import BuildOptions, explain
from pcnreport.core import hashing, runlog
from pcnreport.core.hashing import FileHasher, sha256_bytes

CATALOGUE = """
datasets:
  widgets:
    title: Widgets
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: widgets
    files: [widgets.csv]
    reader: read_registrations
    releases: {}
  gadgets:
    title: Gadgets
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: gadgets
    files: [gadgets.csv]
    reader: read_registrations
    releases: {}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "catalogue.yaml").write_text(CATALOGUE)
    (project / "analysis").mkdir()
    (project / "analysis" / "a.ipynb").write_text('{"cells": []}')
    (project / "constraints.txt").write_text("pandas==2.2.3\n")
    data = tmp_path / "data"
    for dataset in ("widgets", "gadgets"):
        (data / dataset / "2020-01").mkdir(parents=True)
        (data / dataset / "2020-01" / f"{dataset}.csv").write_text("a,b\n1,2\n")
    return project


def _parameters(project: Path) -> dict:
    return {"data_dir": str(project.parent / "data"), "release": "", "population_source": "registrations",
            "output_dir": str(project)}


def _key(project: Path, parameters: dict | None = None, library: str = "lib", reads=None) -> str:
    reads = {"widgets": {"path": "x", "member": None}} if reads is None else reads
    hasher = FileHasher()
    components = buildcache.notebook_components(
        project, project / "analysis" / "a.ipynb", parameters or _parameters(project), reads, hasher,
        library, buildcache.environment_digest(project, hasher),
    )
    return buildcache.sha256_json(components)


def test_unchanged_inputs_give_the_same_key(project):
    assert _key(project) == _key(project)


def test_the_bytes_of_a_data_file_read_change_the_key(project):
    before = _key(project)
    (project.parent / "data" / "widgets" / "2020-01" / "widgets.csv").write_text("a,b\n1,3\n")
    assert _key(project) != before


def test_a_data_file_not_read_leaves_the_key_alone(project):
    before = _key(project)
    (project.parent / "data" / "gadgets" / "2020-01" / "gadgets.csv").write_text("a,b\n1,3\n")
    assert _key(project) == before


def test_a_new_release_of_a_dataset_read_changes_the_key(project):
    before = _key(project)
    newer = project.parent / "data" / "widgets" / "2021-01"
    newer.mkdir()
    (newer / "widgets.csv").write_text("a,b\n1,2\n")
    assert _key(project) != before


def test_an_older_release_read_by_name_keys_the_run_too(project):
    # A notebook reading every month (DataInputs.all_releases) records each release it read: editing or
    # deleting an older month changes its key, not only a new latest month.
    data = project.parent / "data" / "widgets"
    (data / "2021-01").mkdir()
    (data / "2021-01" / "widgets.csv").write_text("a,b\n1,2\n")
    reads = {"widgets": {"path": "x", "member": None}}
    for month in ("2020-01", "2021-01"):
        reads[f"widgets@{month}"] = {"path": "x", "member": None, "dataset": "widgets", "release": month}
    before = _key(project, reads=reads)
    only_latest = _key(project, reads={"widgets": {"path": "x", "member": None}})
    (data / "2020-01" / "widgets.csv").write_text("a,b\n1,3\n")
    assert _key(project, reads=reads) != before
    assert _key(project, reads={"widgets": {"path": "x", "member": None}}) == only_latest  # the latest alone: blind to it
    edited = _key(project, reads=reads)
    shutil.rmtree(data / "2020-01")
    assert _key(project, reads=reads) != edited


def test_notebook_parameters_library_and_pins_change_the_key(project):
    before = _key(project)
    assert _key(project, parameters={**_parameters(project), "population_source": "payments"}) != before
    assert _key(project, library="other") != before
    (project / "analysis" / "a.ipynb").write_text('{"cells": [1]}')
    after_notebook = _key(project)
    assert after_notebook != before
    (project / "constraints.txt").write_text("pandas==2.2.4\n")
    assert _key(project) != after_notebook


def test_library_digest_follows_the_package_source(tmp_path, monkeypatch):
    package = tmp_path / "src" / "pcnreport"
    package.mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "notes.txt").write_text("not code")
    monkeypatch.setattr(buildcache, "PACKAGE_DIR", package)
    before = buildcache.library_digest(FileHasher())
    (package / "notes.txt").write_text("still not code")
    assert buildcache.library_digest(FileHasher()) == before
    (package / "a.py").write_text("x = 2\n")
    assert buildcache.library_digest(FileHasher()) != before


def test_file_hasher_remembers_hashes_until_the_file_changes(tmp_path):
    store = tmp_path / "hashes.json"
    path = tmp_path / "f.csv"
    path.write_text("one")
    first = FileHasher(store)
    digest = first(path)
    first.save()
    assert FileHasher(store)(path) == digest
    path.write_text("two!")
    assert FileHasher(store)(path) == sha256_bytes(b"two!")


def test_changes_are_explained_in_words():
    old = {"notebook": "n", "parameters": {"data_dir": "d"}, "library": "l", "environment": "e", "project": {},
           "data": {"widgets": {"file": "widgets/2020-01/widgets.csv", "member": None, "sha256": "1"},
                    "gadgets": None}}
    new = json.loads(json.dumps(old))
    assert buildcache.explain_change(old, new) == ["inputs changed"]
    new["data"]["widgets"]["sha256"] = "2"
    new["library"] = "l2"
    new["data"]["gadgets"] = {"file": "gadgets/2020-01/gadgets.csv", "member": None, "sha256": "3"}
    assert buildcache.explain_change(old, new) == [
        "library code changed",
        "dataset gadgets now present (gadgets/2020-01/gadgets.csv)",
        "data file widgets/2020-01/widgets.csv changed",
    ]


def test_run_log_records_reads_and_writes(tmp_path, monkeypatch):
    log = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))
    from pcnreport.core.atomic import write_text_atomic

    write_text_atomic(tmp_path / "out" / "x.json", "{}")
    runlog.record_read("widgets", tmp_path / "w.csv")
    runlog.record_read("gadgets", None)
    reads, writes = runlog.load(log)
    assert writes == [(tmp_path / "out" / "x.json").resolve()]
    assert reads["widgets"]["path"] == str((tmp_path / "w.csv").resolve()) and reads["gadgets"]["path"] is None


def test_store_then_plan_skips_and_restores_the_outputs(project):
    notebook = project / "analysis" / "a.ipynb"
    parameters = _parameters(project)
    hasher = FileHasher()
    output = project / "figures" / "fig.md"
    output.parent.mkdir()
    output.write_text("figure")
    executed = project / "_build" / "notebooks" / "a.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text("{}")
    reads = {"widgets": {"path": "x", "member": None}}

    first = buildcache.plan_notebook(project, notebook, parameters, hasher, "lib", "env")
    assert first.reasons == ["no previous run"]
    key = buildcache.store_run(project, notebook, executed, parameters, reads, [output], hasher, "lib", "env")

    again = buildcache.plan_notebook(project, notebook, parameters, hasher, "lib", "env")
    assert again.key == key and not again.runs
    assert buildcache.plan_notebook(project, notebook, parameters, hasher, "lib", "env", force=True).reasons == ["--force"]

    output.unlink()
    executed.unlink()
    buildcache.restore_run(project, key, executed, hasher)
    assert output.read_text() == "figure" and executed.read_text() == "{}"

    (project.parent / "data" / "widgets" / "2020-01" / "widgets.csv").write_text("changed\n")
    changed = buildcache.plan_notebook(project, notebook, parameters, FileHasher(), "lib", "env")
    assert changed.reasons == ["data file widgets/2020-01/widgets.csv changed"]


def test_explain_runs_nothing_and_says_why(project):
    options = BuildOptions(project_dir=project, data_dir=project.parent / "data")
    steps = explain(options)
    assert next(step.line().split()[0:2] for step in steps) == ["notebook", "a"]
    assert "run: no previous run" in steps[0].line()
    assert steps[-1].name == "render" and steps[-1].reasons
    assert not (project / "_book").exists() and not (project / "_build" / "cache" / "a.reads.json").exists()
    assert explain(BuildOptions(project_dir=project))[0].reasons == ["the synthetic sample is not generated yet"]


def test_file_hasher_does_not_rehash_a_remembered_file(tmp_path, monkeypatch):
    monkeypatch.setattr(FileHasher, "RACY_SECONDS", -1)
    store, path = tmp_path / "hashes.json", tmp_path / "f.csv"
    path.write_text("one")
    first = FileHasher(store)
    digest = first(path)
    first.save()
    monkeypatch.setattr(hashing, "sha256_of", lambda p: pytest.fail("re-hashed a remembered file"))
    assert FileHasher(store)(path) == digest


def test_file_hasher_sees_a_rewrite_that_restores_size_and_mtime(tmp_path, monkeypatch):
    monkeypatch.setattr(FileHasher, "RACY_SECONDS", -1)
    store, path = tmp_path / "hashes.json", tmp_path / "f.csv"
    path.write_text("one")
    before = path.stat()
    first = FileHasher(store)
    first(path)
    first.save()
    time.sleep(0.01)  # let the clock move on, so the rewrite's ctime differs
    path.write_text("two")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime: only ctime moved
    assert FileHasher(store)(path) == sha256_bytes(b"two")


def test_file_hasher_does_not_remember_a_file_changed_just_now(tmp_path):
    # Racily clean (git's term): a second write in the same timestamp tick would look unchanged.
    store, path = tmp_path / "hashes.json", tmp_path / "f.csv"
    path.write_text("one")
    hasher = FileHasher(store)
    hasher(path)
    hasher.save()
    assert not store.exists() or str(path.resolve()) not in json.loads(store.read_text())


def test_a_run_reading_a_generated_file_is_keyed_by_its_bytes(project, monkeypatch):
    """Early cut-off: rewriting a generated input with the same bytes skips its reader; new bytes run it."""
    notebook = project / "analysis" / "a.ipynb"
    parameters = _parameters(project)
    numbers = project / "_build" / "areas" / "ccg-00L.json"
    numbers.parent.mkdir(parents=True)
    numbers.write_text('{"population":40000}\n')
    executed = project / "_build" / "notebooks" / "a.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text("{}")
    log = project / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(log))
    runlog.record_generated(numbers)
    generated = runlog.load_generated(log)
    assert generated == [numbers.resolve()]
    buildcache.store_run(project, notebook, executed, parameters, {}, [], FileHasher(), "lib", "env",
                         generated=generated)
    record = json.loads(buildcache.manifest_path(project, notebook).read_text())
    assert record["generated"] == ["_build/areas/ccg-00L.json"]

    numbers.write_text('{"population":40000}\n')  # its producer ran again and wrote the same numbers
    assert not buildcache.plan_notebook(project, notebook, parameters, FileHasher(), "lib", "env").runs
    numbers.write_text('{"population":40001}\n')
    changed = buildcache.plan_notebook(project, notebook, parameters, FileHasher(), "lib", "env")
    assert changed.reasons == ["generated file _build/areas/ccg-00L.json changed"]
    numbers.unlink()
    gone = buildcache.plan_notebook(project, notebook, parameters, FileHasher(), "lib", "env")
    assert gone.runs and gone.components["generated"] == {"_build/areas/ccg-00L.json": None}


def _stored(project: Path) -> tuple[Path, str]:
    """Store one run of a.ipynb (one output, its executed copy); returns (notebook, key)."""
    notebook = project / "analysis" / "a.ipynb"
    output = project / "figures" / "fig.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text("figure")
    executed = project / "_build" / "notebooks" / "a.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    executed.write_text("{}")
    key = buildcache.store_run(project, notebook, executed, _parameters(project), {"widgets": {"path": "x"}},
                               [output], FileHasher(), "lib", "env")
    return notebook, key


def test_an_entry_missing_some_of_its_files_is_not_taken_as_complete(project):
    # What deleting an entry in place and being killed part-way would leave: entry.json, not every file.
    notebook, key = _stored(project)
    assert buildcache.entry_complete(project, key)
    (buildcache.entry_dir(project, key) / "files" / "figures" / "fig.md").unlink()
    assert not buildcache.entry_complete(project, key)
    plan = buildcache.plan_notebook(project, notebook, _parameters(project), FileHasher(), "lib", "env")
    assert plan.reasons == ["its cached outputs are missing"]
    # The run done again replaces the damaged entry with a complete one.
    assert _stored(project)[1] == key and buildcache.entry_complete(project, key)
    assert not buildcache.plan_notebook(project, notebook, _parameters(project), FileHasher(), "lib", "env").runs


def test_a_run_killed_before_its_record_leaves_no_entry_a_build_would_trust(project):
    # The entry is assembled under a hidden name and its record written last: a leftover staging folder
    # is not an entry, and prune deletes it.
    key = _stored(project)[1]
    cache = project / buildcache.CACHE_DIR
    leftover = cache / ".a.killed"
    (leftover / "files").mkdir(parents=True)
    (leftover / "entry.json").write_text('{"outputs": {}}')
    orphan = cache / ("f" * 64)
    (orphan / "files").mkdir(parents=True)
    buildcache.prune(project)
    assert not leftover.exists() and not orphan.exists()
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == [key]


def test_a_pruned_entry_leaves_its_key_before_its_files_go(project, monkeypatch):
    # Deleted in place, an entry killed part-way would keep its entry.json and only some of its files.
    key = _stored(project)[1]
    (project / buildcache.CACHE_DIR / "a.reads.json").unlink()  # no record names the entry any more
    entry = buildcache.entry_dir(project, key)
    while_deleting = []
    monkeypatch.setattr(buildcache.shutil, "rmtree", lambda path, ignore_errors=False: while_deleting.append(
        (Path(path).name, entry.exists())))
    buildcache.prune(project)
    assert while_deleting and all(name.startswith(".") and not under_key for name, under_key in while_deleting)
