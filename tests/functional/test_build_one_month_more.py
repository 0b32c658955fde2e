"""Each month is its own keyed run: a build of the sample's history without its latest month, then with it,
runs that one month, the chapter and the PCN pages, and nothing else; and what it publishes equals the
build that had every month from the start."""

from __future__ import annotations

import json
import shutil

from pcnreport.analysis import month_files
from pcnreport.build import month_runs
from pcnreport.build.pipeline import BuildOptions, build


def test_one_month_more_runs_that_month_and_what_reads_it(built_project, project_copy, tmp_path):
    full_project, full = built_project
    # The sample as a plain data folder (no SYNTHETIC.json: the build would otherwise restore it whole).
    data = tmp_path / "data"
    shutil.copytree(full.data_dir, data, ignore=shutil.ignore_patterns("SYNTHETIC.json"))
    months = sorted(p.name for p in (data / "registrations-map").iterdir())
    latest = data / "registrations-map" / months[-1]
    held = tmp_path / "held"
    shutil.move(latest, held)

    project = project_copy(tmp_path / "pcn-report")
    options = BuildOptions(project_dir=project, data_dir=data, renderer="pandoc+typst")
    first = build(options)
    assert f"month.{months[-1]}" not in first.ran and f"month.{months[-2]}" in first.ran
    assert len(first.month_notebooks) == len(months) - 1

    shutil.move(held, latest)
    again = build(options)
    assert sorted(again.ran) == sorted([month_runs.run_name(months[-1]), "08-landscape", "08-pcn-pages"])
    assert again.rendered

    # The same results as the build that had every month from the start: the month's own files, the
    # chapter's numbers and every PCN page.
    for a, b in zip(month_files.paths(project, months[-1]), month_files.paths(full_project, months[-1])):
        assert a.read_bytes() == b.read_bytes(), a.name
    numbers = [json.loads((p / "_generated" / "numbers" / "landscape.json").read_text())["raw"]
               for p in (project, full_project)]
    assert numbers[0] == numbers[1]
    pages = sorted(p.name for p in (project / "_generated" / "pcns").iterdir())
    assert pages == sorted(p.name for p in (full_project / "_generated" / "pcns").iterdir())
    assert (project / "_generated" / "pcns" / "index.json").read_bytes() == (
        full_project / "_generated" / "pcns" / "index.json").read_bytes()

    # A month taken out again loses its run and its files; the other months are not re-run.
    shutil.rmtree(latest)
    third = build(options)
    assert not [name for name in third.ran if name.startswith(month_runs.PREFIX)]
    assert not (project / "_build" / "cache" / f"{month_runs.run_name(months[-1])}.reads.json").exists()
    assert not any(p.exists() for p in month_files.paths(project, months[-1]))
