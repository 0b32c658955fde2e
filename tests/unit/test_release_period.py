"""An extract date outside the month of its release folder is refused (issue 17: dates within the
release's period), on hand-made tables and through `data validate` on a synthetic folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from pcnreport.data.catalogue import load_catalogue
from pcnreport.data.release_period import period_problems, release_month
from pcnreport.data.synth import MARKER, SAMPLE_PATHS, SyntheticSpec, write_sample
from pcnreport.data.validate import validate_data_dir

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml"


def _table(*days: str) -> pd.DataFrame:
    return pd.DataFrame({"practice_code": [f"A{i:05d}" for i in range(len(days))],
                         "extract_date": pd.to_datetime(list(days))})


def test_the_release_names_the_month_or_nothing():
    assert release_month("2021-01") == pd.Period("2021-01", freq="M")
    assert release_month("2020-01-pennine-lancashire") == pd.Period("2020-01", freq="M")
    # A QOF year, a year, an unversioned release: no month to compare with.
    assert release_month("2019-20") is None and release_month("2019") is None and release_month("unversioned") is None


def test_an_extract_of_the_releases_month_passes_and_another_month_is_named():
    assert period_problems("2021-01", _table("2021-01-01", "2021-01-01")) == []
    assert period_problems("2026-06", _table("2026-06-01")) == []
    assert period_problems("2021-01", _table("2020-12-01", "2020-12-01")) == [
        "column 'EXTRACT_DATE': expected extract dates in January 2021, the month of release folder '2021-01', "
        "found 2020-12-01 (a file saved under another month's release?)"
    ]
    # Not checked: no extract date, or no month in the release's name.
    assert period_problems("2021-01", pd.DataFrame({"practice_code": ["A00001"]})) == []
    assert period_problems("2019-20", _table("2020-12-01")) == []


def test_data_validate_refuses_a_months_file_filed_under_the_next_month(tmp_path_factory, tmp_path):
    root = tmp_path_factory.getbasetemp() / f"synth-sample-seed{SyntheticSpec().seed}"
    if not (root / MARKER).is_file():
        write_sample(root, SyntheticSpec())
    data = tmp_path / "data"
    for relative in SAMPLE_PATHS.values():
        link = data / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(root / relative)
    assert validate_data_dir(load_catalogue(CATALOGUE), data, checksums=False).ok
    # The January 2020 list sizes filed as February's: they read well, and are the wrong month.
    registrations = data / SAMPLE_PATHS["registrations"]
    later = registrations.parent.parent / "2020-02"
    shutil.move(registrations.parent, later)

    report = validate_data_dir(load_catalogue(CATALOGUE), data, checksums=False)

    assert report["registrations"].status == "problems"
    (problem,) = report["registrations"].problems
    assert problem == (f"'{later / registrations.name}': column 'EXTRACT_DATE': expected extract dates in February "
                       "2020, the month of release folder '2020-02', found 2020-01-01 (a file saved under another "
                       "month's release?)")
    assert report.build_error().exit_code == 3
