"""The month runs' plan (pcnreport.build.month_runs) and what a month's run records of the registrations
(DataInputs.read_nearest_release): a new month changes no earlier month's parameters, and a month's key
changes exactly when a nearer registrations release appears."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnreport.build import month_runs
from pcnreport.core import runlog
from pcnreport.data import release_period
from pcnreport.data.inputs import DataInputs

REPO_ROOT = Path(__file__).resolve().parents[2]  # the project folder: its data/catalogue.yaml
HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"


def test_each_month_is_planned_with_the_month_before_and_a_year_back():
    quarterly = ["2020-04", "2020-07", "2020-10", "2021-01", "2021-04"]
    monthly = ["2022-01", "2022-02", "2023-01", "2023-02"]
    got = month_runs.neighbours(quarterly + monthly)
    assert got["2020-04"] == ("", "")
    assert got["2021-04"] == ("2021-01", "2020-04")
    assert got["2022-01"] == ("2021-04", "2021-01")  # a year back: January 2021, the latest on or before it
    assert got["2023-02"] == ("2023-01", "2022-02")
    # One month more changes no earlier month's parameters, so their keys stay.
    assert {m: v for m, v in month_runs.neighbours(quarterly + monthly + ["2023-03"]).items() if m != "2023-03"} == got


def test_the_nearest_release_is_the_month_s_own_else_the_latest_before_else_the_earliest_after():
    releases = ["2020-01", "2021-01", "2020-01-pennine-lancashire"]
    assert release_period.nearest_release("2021-01", releases) == "2021-01"
    assert release_period.nearest_release("2020-09", releases) == "2020-01"
    assert release_period.nearest_release("2019-07", releases) == "2020-01"
    assert release_period.nearest_release("2019-07", ["unversioned"]) is None
    assert release_period.months_between("2020-11", "2021-02") == ["2020-12", "2021-01", "2021-02"]
    assert release_period.months_between("2021-02", "2021-02") == []


def _registrations(root, months):
    for month in months:
        folder = root / "registrations" / month
        folder.mkdir(parents=True)
        stamp = {"2020-01": "01JAN2020", "2020-03": "01MAR2020"}[month]
        (folder / "gp-reg-pat-prac-all.csv").write_text(
            HEADER + f"GP_PRAC_PAT_LIST,{stamp},GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5903\n")


@pytest.fixture()
def run_log(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    monkeypatch.setenv(runlog.ENV, str(path))
    return path


def _reads(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_month_records_the_release_it_read_and_the_absence_of_every_nearer_one(tmp_path, run_log):
    root = tmp_path / "data"
    _registrations(root, ["2020-01", "2020-03"])
    inputs = DataInputs.open(REPO_ROOT, root, cache=False)
    release, table = inputs.read_nearest_release("registrations", "2020-06")
    assert release == "2020-03" and table["list_size"].tolist() == [5903]
    reads = {(e["release"], e["path"] is not None) for e in _reads(run_log) if e.get("read") == "registrations"}
    # Read: March 2020; absent: April, May and June 2020 (one of them appearing would be nearer).
    assert reads == {("2020-03", True), ("2020-04", False), ("2020-05", False), ("2020-06", False)}


def test_a_month_before_every_release_records_them_all(tmp_path, run_log):
    root = tmp_path / "data"
    _registrations(root, ["2020-01", "2020-03"])
    inputs = DataInputs.open(REPO_ROOT, root, cache=False)
    assert inputs.read_nearest_release("registrations", "2019-11")[0] == "2020-01"
    reads = {e["release"] for e in _reads(run_log) if e.get("read") == "registrations" and "release" in e}
    assert reads == {"2020-01", "2020-03"}


def test_a_folder_without_registrations_gives_no_list_sizes(tmp_path, run_log):
    (tmp_path / "data").mkdir()
    inputs = DataInputs.open(REPO_ROOT, tmp_path / "data", cache=False)
    assert inputs.read_nearest_release("registrations", "2020-06") == (None, None)
