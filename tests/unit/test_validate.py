"""validate: a data folder checked dataset by dataset with every problem listed at once; readers not yet
written, checksum differences and missing datasets reported without stopping; the real extracts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from pcnreport import cli
from pcnreport.core.errors import DataFolderError, DataFormatError, DataNotFoundError
from pcnreport.data import readers
from pcnreport.data.catalogue import load_catalogue
from pcnreport.data.inputs import DataInputs
from pcnreport.data.tablecache import FOLDER as TABLE_CACHE
from pcnreport.data.tablecache import TableCache
from pcnreport.data.validate import MISSING, OK, PROBLEMS, validate_data_dir

REPO = Path(__file__).resolve().parents[2]

HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
GOOD_ROWS = (
    "GP_PRAC_PAT_LIST,01JAN2020,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5903\n"
    "GP_PRAC_PAT_LIST,01JAN2020,GP,00L,E38000130,A84003,NE63 9UT,ALL,ALL,14738\n"
)
BAD_ROWS = (
    "GP_PRAC_PAT_LIST,01JAN2020,GP,00L,E38000130,A8400,NE65 7UW,ALL,ALL,5903\n"  # practice code too short
    "GP_PRAC_PAT_LIST,01JAN2020,GP,00L,E38000130,A84003,NE63 9UT,ALL,ALL,many\n"  # not a number
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def catalogue_file(tmp_path: Path, datasets: dict) -> Path:
    path = tmp_path / "project" / "data" / "catalogue.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"datasets": datasets}, sort_keys=False), encoding="utf-8")
    return path


def entry(folder: str, files: list[str], reader: str, releases: dict | None = None) -> dict:
    return {
        "title": folder, "publisher": "P", "landing_page": "https://example.org", "licence": "L",
        "folder": folder, "files": files, "reader": reader, "releases": releases or {},
    }  # fmt: skip


@pytest.fixture
def two_datasets(tmp_path, monkeypatch):
    """registrations (the real reader) and `demo`, whose reader the test controls."""
    calls = []

    def read_demo(path):
        calls.append(Path(path))
        text = Path(path).read_text(encoding="utf-8")
        if "bad" in text:
            raise DataFormatError(path, ["row 2, column 'a': expected a number", "row 3, column 'b': blank"])
        return text

    monkeypatch.setattr(readers, "read_demo", read_demo, raising=False)
    path = catalogue_file(
        tmp_path,
        {
            "registrations": entry("registrations", ["gp-reg-pat-prac-all.csv"], "read_registrations"),
            "demo": entry("demo", ["demo.csv"], "read_demo"),
        },
    )
    return load_catalogue(path), calls


def test_good_folder_reports_every_dataset_ok(tmp_path, two_datasets):
    catalogue, calls = two_datasets
    data = tmp_path / "data"
    write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + GOOD_ROWS)
    write(data / "demo" / "2020" / "demo.csv", "fine\n")
    report = validate_data_dir(catalogue, data)
    assert report.ok
    assert [(d.dataset, d.status, d.release) for d in report.datasets] == [
        ("registrations", OK, "2020-01"), ("demo", OK, "2020"),
    ]  # fmt: skip
    assert calls == [data / "demo" / "2020" / "demo.csv"]


def test_every_problem_of_every_dataset_is_reported_at_once(tmp_path, two_datasets):
    catalogue, _ = two_datasets
    data = tmp_path / "data"
    write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + BAD_ROWS)
    write(data / "demo" / "2020" / "demo.csv", "bad\n")
    report = validate_data_dir(catalogue, data)
    assert not report.ok
    registrations, demo = report["registrations"], report["demo"]
    assert registrations.status == PROBLEMS and len(registrations.problems) >= 2
    assert any("row 2" in p for p in registrations.problems) and any("row 3" in p for p in registrations.problems)
    assert demo.problems == ("row 2, column 'a': expected a number", "row 3, column 'b': blank")
    text = report.text()
    assert "problem: row 2, column 'a': expected a number" in text
    assert "0 ok, 2 with problems, 0 missing" in text


def test_missing_reader_and_missing_dataset_do_not_stop_the_report(tmp_path, two_datasets, monkeypatch):
    catalogue, _ = two_datasets
    monkeypatch.delattr(readers, "read_demo")
    data = tmp_path / "data"
    write(data / "demo" / "2020" / "demo.csv", "fine\n")
    report = validate_data_dir(catalogue, data)
    assert report["registrations"].status == MISSING
    assert "no release of 'registrations'" in report["registrations"].problems[0]
    assert report["demo"].problems == ("reader read_demo not available in pcnreport.data.readers: the file was not checked",)


def test_reader_crash_is_reported_not_raised(tmp_path, two_datasets, monkeypatch):
    catalogue, _ = two_datasets
    monkeypatch.setattr(readers, "read_demo", lambda path: {}["boom"], raising=False)
    write(tmp_path / "data" / "demo" / "2020" / "demo.csv", "fine\n")
    report = validate_data_dir(catalogue, tmp_path / "data")
    assert "a bug in the reader" in report["demo"].problems[0] and "KeyError" in report["demo"].problems[0]


def test_checksum_difference_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "read_demo", lambda path: None, raising=False)
    content = b"fine\n"
    releases = {
        "2020": {"url": "https://e.org/demo.csv", "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)},
        "2021": {"url": "https://e.org/demo.csv", "sha256": "0" * 64, "size": len(content)},
    }
    catalogue = load_catalogue(catalogue_file(tmp_path, {"demo": entry("demo", ["demo.csv"], "read_demo", releases)}))
    data = tmp_path / "data"
    write(data / "demo" / "2020" / "demo.csv", content.decode())
    assert validate_data_dir(catalogue, data)["demo"].warnings == ()
    write(data / "demo" / "2021" / "demo.csv", content.decode())
    latest = validate_data_dir(catalogue, data)["demo"]
    assert latest.status == OK  # the reader's verdict decides
    assert "differs from the catalogue's release '2021'" in latest.warnings[0]
    assert "0" * 64 in latest.warnings[0]


def test_a_file_other_than_the_republished_copy_is_not_called_a_revision(tmp_path, monkeypatch):
    # The catalogue's checksum of a republished copy (checksum_of) recognises that copy only: the publisher's
    # own download, fetched since, differs and the warning says so rather than suggest a revision.
    monkeypatch.setattr(readers, "read_demo", lambda path: None, raising=False)
    copy = b"lsoa,RUC11CD\n"
    release = {"url": "https://e.org/items/1/data", "file_name": "demo.csv", "sha256": hashlib.sha256(copy).hexdigest(),
               "size": len(copy), "checksum_of": "republished copy in ../shared/data"}  # fmt: skip
    catalogue = load_catalogue(catalogue_file(tmp_path, {"demo": entry("demo", ["demo.csv"], "read_demo", {"2011": release})}))
    data = tmp_path / "data"
    write(data / "demo" / "2011" / "demo.csv", copy.decode())
    assert validate_data_dir(catalogue, data)["demo"].warnings == ()
    write(data / "demo" / "2011" / "demo.csv", "LSOA11CD,RUC11CD\n")
    (warning,) = validate_data_dir(catalogue, data)["demo"].warnings
    assert "checksum is of the republished copy in ../shared/data" in warning and "is another copy" in warning
    assert "revised" not in warning


def test_cli_exit_codes(tmp_path, capsys):
    datasets = {"registrations": entry("registrations", ["gp-reg-pat-prac-all.csv"], "read_registrations")}
    project = catalogue_file(tmp_path, datasets).parents[1]
    data = tmp_path / "data"
    path = write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + GOOD_ROWS)
    assert cli.main(["--project", str(project), "data", "validate", str(data)]) == 0
    path.write_text(HEADER + BAD_ROWS, encoding="utf-8")
    assert cli.main(["--project", str(project), "data", "validate", str(data)]) == 3
    assert "problem:" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert cli.main(["--project", str(project), "data", "validate", str(tmp_path / "empty")]) == 4
    assert cli.main(["--project", str(project), "data", "validate", str(tmp_path / "absent")]) == 4


def test_absent_folder_is_an_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="no such data folder"):
        validate_data_dir(load_catalogue(REPO / "data" / "catalogue.yaml"), tmp_path / "absent")


# --- what stops a build ------------------------------------------------------------------------------

def test_build_error_lists_every_broken_and_every_missing_required_dataset(tmp_path, monkeypatch):
    def read_demo(path):
        raise DataFormatError(path, ["row 2, column 'a': expected a number", "row 3, column 'b': blank"])

    monkeypatch.setattr(readers, "read_demo", read_demo, raising=False)
    catalogue = load_catalogue(catalogue_file(tmp_path, {
        "registrations": entry("registrations", ["gp-reg-pat-prac-all.csv"], "read_registrations"),
        "demo": entry("demo", ["demo.csv"], "read_demo"),
        "payments": entry("payments", ["payments.csv"], "read_payments"),
        "federations": {**entry("federations", ["federations.csv"], "read_federations"), "required": False},
    }))  # fmt: skip
    data = tmp_path / "data"
    write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + BAD_ROWS)
    write(data / "demo" / "2020" / "demo.csv", "anything\n")
    error = validate_data_dir(catalogue, data).build_error()
    assert isinstance(error, DataFolderError) and error.exit_code == 3  # a file in a wrong format
    message = str(error)
    assert message.startswith(f"'{data}': 3 dataset(s) cannot be used; no notebook was run:\n")
    assert "  registrations (registrations/2020-01/gp-reg-pat-prac-all.csv): 2 problem(s):" in message
    assert "    - row 2, column 'CODE'" in message and "    - row 3, column 'NUMBER_OF_PATIENTS'" in message
    assert "  demo (demo/2020/demo.csv): 2 problem(s):\n    - row 2, column 'a': expected a number\n" in message
    assert "  payments: missing: " in message and "no release of 'payments'" in message
    assert "federations" not in message  # optional: its section shows a notice instead

    # Only missing: the exit code of missing data.
    write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + GOOD_ROWS)
    monkeypatch.setattr(readers, "read_demo", lambda path: "fine", raising=False)
    error = validate_data_dir(catalogue, data).build_error()
    assert error.exit_code == 4 and list(error.missing) == ["payments"] and not error.problems

    write(data / "payments" / "2019-20" / "payments.csv", "x\n")
    monkeypatch.setattr(readers, "read_payments", lambda path: "fine")
    assert validate_data_dir(catalogue, data).build_error() is None
    # A dataset catalogued ahead of its reader: `validate` says it is unchecked, the build (which cannot
    # read it) goes ahead.
    monkeypatch.delattr(readers, "read_demo")
    report = validate_data_dir(catalogue, data)
    assert report["demo"].status == PROBLEMS and report.build_error() is None


def test_through_the_table_cache_a_file_already_read_is_not_read_again(tmp_path, two_datasets):
    catalogue, calls = two_datasets
    data = tmp_path / "data"
    write(data / "registrations" / "2020-01" / "gp-reg-pat-prac-all.csv", HEADER + GOOD_ROWS)
    demo = write(data / "demo" / "2020" / "demo.csv", "fine\n")
    project = tmp_path / "project"

    def check():
        cache = TableCache(project / TABLE_CACHE)
        return validate_data_dir(catalogue, data, table_cache=cache, checksums=False), cache

    report, _ = check()
    assert report.ok and calls == [demo]
    # The check stored the tables: a notebook's read is a cache hit, not a second parse.
    inputs = DataInputs(data, catalogue, table_cache=TableCache(project / TABLE_CACHE))
    assert inputs.read("demo") == "fine\n" and inputs.table_cache.hits == ["demo"] and calls == [demo]
    report, _ = check()
    assert report.ok and calls == [demo]  # accepted before: a lookup, no read
    demo.write_text("bad\n")  # edited: read again, and its problems found
    report, _ = check()
    assert calls == [demo, demo] and report["demo"].status == PROBLEMS
    assert report.build_error().exit_code == 3


@pytest.mark.shared_data
def test_real_extracts(shared_data):
    report = validate_data_dir(load_catalogue(REPO / "data" / "catalogue.yaml"), shared_data)
    print(report.text())  # the listing, shown with -s or on failure
    found = {d.dataset: d.release for d in report.found}
    assert found == {
        "epcn": "2019-12", "registrations": "2021-01", "registrations-age": "unversioned",
        "registrations-lsoa": "2020-01-pennine-lancashire", "qof-prevalence": "2017-18",
        "practice-ccg": "2019-20", "imd": "2019", "ruc": "2011", "lsoa-msoa": "unversioned",
        "payments": "2019-20", "boundaries-msoa": "unversioned", "boundaries-ccg": "unversioned",
    }  # fmt: skip
    assert report["federations"].status == MISSING
    assert report["boundaries-lsoa"].status == MISSING  # catalogued, optional, not in ../shared/data
    for dataset in report.found:  # every catalogued checksum is of these very copies
        assert dataset.warnings == (), dataset.dataset
    for name in ("epcn", "registrations", "payments"):  # readers that predate this change
        assert report[name].status == OK, report[name].problems
