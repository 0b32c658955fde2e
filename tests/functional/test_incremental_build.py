"""Rebuilds do only what changed: nothing for a no-op, only the notebooks that read a changed file."""

from __future__ import annotations

import json

import yaml

from pcnreport import cli
from pcnreport.build.pipeline import BuildOptions, build


def test_rebuild_skips_unchanged_steps_and_reruns_only_readers_of_a_changed_file(project_copy, tmp_path, capsys):
    project = project_copy(tmp_path / "pcn-report")
    first = build(BuildOptions(project_dir=project))
    assert first.skipped == [] and first.rendered
    published = (project / "_book" / "index.html").stat().st_mtime_ns

    again = build(BuildOptions(project_dir=project))
    assert again.ran == [] and not again.rendered
    assert (project / "_book" / "index.html").stat().st_mtime_ns == published
    assert again.site_index == first.site_index and again.pdf == first.pdf

    # One register count in the QOF prevalence file, one higher: still a valid file.
    qof = next(first.data_dir.glob("qof/2017-18/PREVALENCE_1718.csv"))
    lines = qof.read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = str(int(fields[2]) + 1)
    lines[1] = ",".join(fields)
    qof.write_text("\n".join(lines) + "\n")
    readers = sorted(
        record.name.removesuffix(".reads.json")
        for record in (project / "_build" / "cache").glob("*.reads.json")
        if "qof-prevalence" in json.loads(record.read_text())["reads"]
    )
    assert readers, "no notebook recorded reading the QOF prevalence file"
    # The area profiles read their area's numbers, not the data: profile-areas reads the data for all.
    assert "profile-areas" in readers and not any(name.startswith("profile.") for name in readers)
    notebooks = readers
    profiles = len(first.profile_notebooks)
    areas = project / "_build" / "areas"
    area_bytes = {path.name: path.read_bytes() for path in areas.glob("*.json")}
    assert len(area_bytes) == profiles

    assert cli.main(["--project", str(project), "build", "--explain"]) == 0
    explained = capsys.readouterr().out
    for name in readers:
        assert f"notebook {name}" in explained
    assert "data file qof/2017-18/PREVALENCE_1718.csv changed" in explained
    # One line a notebook that skips, and one for all the month runs (none reads the QOF file).
    assert explained.count("skip (unchanged)") == len(first.executed_notebooks) - len(notebooks) + 1
    assert f"notebook month x {len(first.month_notebooks)}" in explained
    assert (f"notebook profile x {profiles}" in explained
            and f"0 run; the other {profiles} are decided after profile-areas rewrites" in explained)

    tables = project / ".cache" / "tables"
    epcn_entries = {entry: entry.stat().st_mtime_ns for entry in tables.glob("epcn-*.pickle")}
    assert len(epcn_entries) == 1 and len(list(tables.glob("qof-prevalence-*.pickle"))) == 1
    third = build(BuildOptions(project_dir=project))
    # Early cut-off: a profile runs again exactly when its area's numbers moved (at the precision kept).
    moved = sorted(f"profile.{path.stem}" for path in areas.glob("*.json") if path.read_bytes() != area_bytes[path.name])
    assert sorted(third.ran) == sorted(readers + moved)
    assert len(moved) < profiles / 10, f"one register moved {len(moved)} of {profiles} areas' numbers"
    # The re-run read the changed file again (a second QOF entry) and took the others from the table cache.
    assert len(list(tables.glob("qof-prevalence-*.pickle"))) == 2
    assert {entry: entry.stat().st_mtime_ns for entry in tables.glob("epcn-*.pickle")} == epcn_entries
    assert len(third.skipped) == (len(first.executed_notebooks) - len(notebooks) + profiles - len(moved)
                                  + len(first.month_notebooks))  # no month run reads the QOF file
    assert third.rendered
    for notebook in first.executed_notebooks:
        assert (project / "_book" / "notebooks" / notebook.name).is_file()
    # The "What changed" appendix compares these numbers with those of the site it replaced (one
    # register moves no printed figure much; tests/unit/test_changes.py checks the listing itself).
    what_changed = yaml.safe_load((project / "_variables.yml").read_text())["what_changed"]
    assert what_changed["previous_available"] is True
    assert (project / "_book" / "numbers.json").is_file()
    page = (project / "_book" / "chapters" / "what-changed.html").read_text()
    assert "Compared with the last published build" in page
