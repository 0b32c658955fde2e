"""The profile notebook's runs in the build plan: one keyed run an area, the area list from the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnreport.build import buildcache, profile_runs
from pcnreport.build.pipeline import BuildOptions, explain

CATALOGUE = """
datasets:
  practice-ccg:
    title: Mapping
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: qof
    files: ["MAPPING_NHS_GEOGRAPHIES_*.csv"]
    reader: read_practice_ccg
    releases: {}
  widgets:
    title: Widgets
    publisher: Nobody
    licence: OGL
    landing_page: https://example.org
    folder: widgets
    files: [widgets.csv]
    reader: read_registrations
    releases: {}
"""

HEADER = ("REGION_ODS_CODE,REGION_NAME,STP_ODS_CODE,CCG_ODS_CODE,CCG_ONS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,"
          "PRACTICE_CODE,PRACTICE_NAME")
ROWS = [
    "Y56,LONDON,QMJ,07P,E38000020,NHS BRENT CCG,U12345,PCN ONE,E84001,PRACTICE ONE",
    "Y56,LONDON,QMJ,08C,E38000070,NHS HAMMERSMITH CCG,U12346,PCN TWO,E85001,PRACTICE TWO",
    "Y58,SOUTH WEST,QOX,11J,E38000045,NHS DORSET CCG,U12347,PCN THREE,J81001,PRACTICE THREE",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "catalogue.yaml").write_text(CATALOGUE)
    (project / "analysis").mkdir()
    (project / "analysis" / "a.ipynb").write_text('{"cells": []}')
    (project / "analysis" / "profile.ipynb").write_text('{"cells": [], "metadata": {}}')
    (project / "constraints.txt").write_text("pandas==2.2.3\n")
    mapping = tmp_path / "data" / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv"
    mapping.parent.mkdir(parents=True)
    mapping.write_text("\n".join([HEADER, *ROWS]) + "\n")
    (tmp_path / "data" / "widgets" / "2020-01").mkdir(parents=True)
    (tmp_path / "data" / "widgets" / "2020-01" / "widgets.csv").write_text("a,b\n1,2\n")
    return project


def _parameters(project: Path) -> dict:
    return {"data_dir": str(project.parent / "data"), "release": "", "population_source": "registrations",
            "output_dir": str(project)}


def _mapping(project: Path) -> Path:
    return project.parent / "data" / "qof" / "2019-20" / "MAPPING_NHS_GEOGRAPHIES_1920.csv"


def test_area_list_comes_from_the_mapping_and_is_cached_by_its_hash(project, monkeypatch):
    hasher = buildcache.FileHasher()
    areas = profile_runs.area_list(project, project.parent / "data", _parameters(project), hasher)
    assert areas == [("region", "Y56", "LONDON"), ("region", "Y58", "SOUTH WEST"), ("ccg", "07P", "NHS BRENT CCG"),
                     ("ccg", "08C", "NHS HAMMERSMITH CCG"), ("ccg", "11J", "NHS DORSET CCG")]
    # Unchanged mapping: the list comes from the cache, without reading the file with pandas.
    from pcnreport.data import readers

    def no_reading(path):
        raise AssertionError("the mapping was read although it did not change")

    monkeypatch.setattr(readers, "read_practice_ccg", no_reading)
    assert profile_runs.area_list(project, project.parent / "data", _parameters(project), hasher) == areas
    monkeypatch.undo()
    _mapping(project).write_text("\n".join([HEADER, *ROWS[:2]]) + "\n")
    fewer = profile_runs.area_list(project, project.parent / "data", _parameters(project), buildcache.FileHasher())
    assert [code for _, code, _ in fewer] == ["Y56", "07P", "08C"]


def _store_all(project: Path, plans, reads: dict) -> None:
    hasher = buildcache.FileHasher()
    for plan in plans:
        executed = project / "_build" / "notebooks" / f"{plan.name}.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text("{}")
        buildcache.store_run(project, plan.notebook, executed, plan.components["parameters"], reads, [], hasher,
                             "lib", "env", run=plan.run)


def _plan(project: Path) -> list[buildcache.NotebookPlan]:
    hasher = buildcache.FileHasher()
    areas = profile_runs.area_list(project, project.parent / "data", _parameters(project), hasher)
    return profile_runs.plan_runs(project, project / "analysis" / "profile.ipynb", areas, _parameters(project),
                                  hasher, "lib", "env")


def test_each_area_is_a_run_with_its_own_key_and_record(project):
    plans = _plan(project)
    assert [p.name for p in plans] == ["profile.region-Y56", "profile.region-Y58", "profile.ccg-07P",
                                       "profile.ccg-08C", "profile.ccg-11J"]
    assert len({p.key for p in plans}) == len(plans)  # the parameters differ, so the keys do
    assert plans[2].components["parameters"]["area_code"] == "07P"
    assert all(p.reasons == ["no previous run"] for p in plans)
    _store_all(project, plans, {"practice-ccg": {"path": "x", "member": None}})
    records = sorted(p.name for p in (project / "_build" / "cache").glob("*.reads.json"))
    assert records == sorted(f"{p.name}.reads.json" for p in plans)
    assert not any(p.runs for p in _plan(project))


def test_a_changed_data_file_reruns_exactly_the_profiles_that_read_it(project):
    plans = _plan(project)
    # Two profiles recorded reading the widgets file; the others only the mapping.
    readers = {"profile.region-Y56", "profile.ccg-11J"}
    for plan in plans:
        reads = {"practice-ccg": {"path": "x", "member": None}}
        if plan.name in readers:
            reads["widgets"] = {"path": "y", "member": None}
        _store_all(project, [plan], reads)
    (project.parent / "data" / "widgets" / "2020-01" / "widgets.csv").write_text("a,b\n1,3\n")
    again = _plan(project)
    assert {p.name for p in again if p.runs} == readers
    assert all(p.reasons == ["data file widgets/2020-01/widgets.csv changed"] for p in again if p.runs)


def test_a_changed_profile_notebook_reruns_the_profiles_only(project):
    options = BuildOptions(project_dir=project, data_dir=project.parent / "data")
    plans = _plan(project)
    _store_all(project, plans, {"practice-ccg": {"path": "x", "member": None}})
    regular = buildcache.plan_notebook(project, project / "analysis" / "a.ipynb", _parameters(project),
                                       buildcache.FileHasher(), "lib", "env")
    _store_all(project, [regular], {})
    (project / "analysis" / "profile.ipynb").write_text('{"cells": [], "metadata": {"changed": 1}}')
    again = _plan(project)
    assert all(p.reasons == ["notebook source changed"] for p in again)
    assert not buildcache.plan_notebook(project, project / "analysis" / "a.ipynb", _parameters(project),
                                        buildcache.FileHasher(), "lib", "env").runs
    # --explain lists each profile that runs and sums them up, writing nothing.
    lines = [step.line() for step in explain(options)]
    assert any(line.startswith("notebook profile.ccg-07P") and "notebook source changed" in line for line in lines)
    assert any(line.startswith("notebook profile x 5") and "5 run, 0 skip" in line for line in lines)


def test_records_of_areas_gone_from_the_data_are_forgotten(project):
    plans = _plan(project)
    _store_all(project, plans, {"practice-ccg": {"path": "x", "member": None}})
    executed_dir = project / "_build" / "notebooks"
    (executed_dir / "profiles").mkdir(parents=True)
    for name in ("ccg-07P", "ccg-11J"):
        (executed_dir / "profiles" / f"{name}.ipynb").write_text("{}")
    kept = [("region", "Y56", "LONDON"), ("ccg", "07P", "NHS BRENT CCG")]
    profile_runs.remove_stale_records(project, executed_dir, kept)
    records = sorted(p.name for p in (project / "_build" / "cache").glob("profile.*.reads.json"))
    assert records == ["profile.ccg-07P.reads.json", "profile.region-Y56.reads.json"]
    assert [p.name for p in (executed_dir / "profiles").iterdir()] == ["ccg-07P.ipynb"]
    assert json.loads((project / "_build" / "cache" / "profile.ccg-07P.reads.json").read_text())["key"]
