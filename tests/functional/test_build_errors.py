"""A build on a data folder with several broken datasets names every one of them, before any notebook runs.

These share the session's built project (`built_project`): the broken builds stop at the up-front check,
in seconds, and leave the published site as it was.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pcnreport import cli
from pcnreport.build.pipeline import BuildOptions, build


def _copy_as_user_data(sample: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    (data / "SYNTHETIC.json").unlink()  # from here on it is data the user supplies
    return data


def _bad_practice_code(data: Path) -> Path:
    """Row 3 of the registrations: a practice code that is not a letter and five digits."""
    path = next((data / "registrations").rglob("*.csv"))
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index("CODE")] = "BAD!!"
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    return path


def _drop_column(data: Path, folder: str, column: str) -> Path:
    path = next((data / folder).rglob("*.csv"))
    rows = [line.split(",") for line in path.read_text().splitlines()]
    at = rows[0].index(column)
    path.write_text("\n".join(",".join(row[:at] + row[at + 1:]) for row in rows) + "\n")
    return path


def test_every_broken_dataset_is_named_and_nothing_runs(built_project, tmp_path, capsys):
    project, result = built_project
    executed = project / "_build" / "notebooks"
    before = {path: path.stat().st_mtime_ns for path in (project / "_book").rglob("*") if path.is_file()}
    ran_before = {path: path.stat().st_mtime_ns for path in executed.rglob("*.ipynb")}
    data = _copy_as_user_data(result.data_dir, tmp_path)
    registrations = _bad_practice_code(data)
    qof = _drop_column(data, "qof/2017-18", "REGISTER")

    start = time.perf_counter()
    code = cli.main(["--project", str(project), "build", "--data-dir", str(data)])
    seconds = time.perf_counter() - start

    err = capsys.readouterr().err
    assert code == 3, err
    assert "2 dataset(s) cannot be used; no notebook was run" in err
    assert f"registrations ({registrations.relative_to(data).as_posix()}): 1 problem(s)" in err
    assert "row 3, column 'CODE'" in err and "'BAD!!'" in err
    assert f"qof-prevalence ({qof.relative_to(data).as_posix()}): 1 problem(s)" in err
    assert "missing column 'REGISTER'" in err
    assert "Traceback" not in err
    # Stopped before any notebook: no executed copy was touched, and the site is as it was.
    assert {path: path.stat().st_mtime_ns for path in executed.rglob("*.ipynb")} == ran_before
    assert {path: path.stat().st_mtime_ns for path in (project / "_book").rglob("*") if path.is_file()} == before
    assert seconds < 60, f"the check took {seconds:.1f} s: it should stop long before the notebooks would"

    # A dataset missing as well: still listed, and the exit code stays that of bad data.
    shutil.rmtree(data / "epcn")
    code = cli.main(["--project", str(project), "build", "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 3 and "3 dataset(s)" in err and "epcn: missing: " in err and "REGISTER" in err


def test_a_good_sample_is_checked_once_then_not_on_a_rebuild(built_project):
    project, result = built_project
    assert "check data" in result.timings  # the first build ran notebooks: it checked the data first
    again = build(BuildOptions(project_dir=project))
    assert again.ran == [] and "check data" not in again.timings
