"""The real publishers' files damaged as downloads and hand edits damage them: `pcnreport build` refuses each
(exit 3), naming the file, the line or row, the column and what was expected, with no traceback, before any
notebook runs, and leaves the published site as it was.

Each data folder is ../shared/data as symlinks, with one file replaced by a damaged copy (nothing of the
shared data is changed). What the message must say is worked out here from the files themselves, with
the csv module and openpyxl, not with the project's readers.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.shared_data

PAYMENTS = Path("payments/2019-20/payments_19-20.csv")
PREVALENCE = Path("qof/2017-18/PREVALENCE_1718.csv")
EPCN = Path("epcn/2019-12/ePCN.xlsx")


def linked_except(shared: Path, target: Path, damaged: Path, content: bytes) -> Path:
    """`shared` as a folder of symlinks (one a file), but `damaged` written with `content`."""
    for source in shared.rglob("*"):
        if source.is_file():
            link = target / source.relative_to(shared)
            link.parent.mkdir(parents=True, exist_ok=True)
            if source.relative_to(shared) == damaged:
                link.write_bytes(content)
            else:
                link.symlink_to(source)
    return target


@pytest.fixture(scope="module")
def project(project_copy, tmp_path_factory) -> Path:
    """A copy of the project with a published site in `_book/` (a stand-in: only its bytes matter here)."""
    project = project_copy(tmp_path_factory.mktemp("damaged") / "pcn-report")
    book = project / "_book"
    (book / "chapters").mkdir(parents=True)
    (book / "index.html").write_text("<p>the site published before</p>\n")
    (book / "chapters" / "06-pcn-characteristics.html").write_text("<p>Table 6.1 as published</p>\n")
    return project


def build(project: Path, data: Path) -> subprocess.CompletedProcess:
    """`pcnreport build` as a user runs it, in its own process."""
    command = [sys.executable, "-m", "pcnreport.cli", "--project", str(project), "build", "--data-dir", str(data)]
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)


def site(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes() for p in (project / "_book").rglob("*") if p.is_file()}


def refused(project: Path, data: Path) -> str:
    before = site(project)
    done = build(project, data)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "no notebook was run" in done.stderr
    assert site(project) == before  # the previous site untouched
    return done.stderr


def members(shared: Path) -> set[str]:
    """Current core partner practices (no end date) of the ePCN workbook, read with openpyxl."""
    sheet = openpyxl.load_workbook(shared / EPCN, read_only=True)["PCN Core Partner Details"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Partner Organisation Code" and "End Date" in rows[0][9]
    return {row[0] for row in rows[1:] if row[0] and not row[9]}


def test_a_payments_csv_cut_mid_row_is_refused_naming_the_line(shared_data, project, tmp_path):
    whole = (shared_data / PAYMENTS).read_bytes()
    cut = whole[: len(whole) // 2]  # half the practices gone, the last row partial
    assert not cut.endswith(b"\n")
    header = next(csv.reader(io.StringIO(whole.decode("utf-8-sig"))))
    last = next(csv.reader([cut.decode("utf-8").rsplit("\n", 1)[1]]))
    line = cut.count(b"\n") + 1
    data = linked_except(shared_data, tmp_path / "data", PAYMENTS, cut)

    err = refused(project, data)

    assert f"payments ({PAYMENTS.as_posix()}): 1 problem(s)" in err
    assert (
        f"line {line}: {len(last)} fields where the header (line 1) has {len(header)}: columns "
        f"'{header[len(last)]}' to '{header[-1]}' are missing; expected {len(header)} on every line (a line cut "
        "short is the mark of an incomplete download or a broken edit)"
    ) in err


def test_an_impossible_qof_register_is_refused_naming_row_column_and_list(shared_data, project, tmp_path):
    lines = (shared_data / PREVALENCE).read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    row = 2 + next(i for i, line in enumerate(lines[1:]) if next(csv.reader([line]))[header.index("REGISTER")] != "")
    fields = next(csv.reader([lines[row - 1]]))
    list_size = fields[header.index("PATIENT_LIST_SIZE")]
    assert int(list_size) < 20_000  # a practice of a few thousand patients
    fields[header.index("REGISTER")] = "999999"
    lines[row - 1] = ",".join(fields) + "\n"
    data = linked_except(shared_data, tmp_path / "data", PREVALENCE, "".join(lines).encode("utf-8"))

    err = refused(project, data)

    assert f"qof-prevalence ({PREVALENCE.as_posix()}): 1 problem(s)" in err
    assert (
        f"row {row}, column 'REGISTER': expected a register no larger than the practice's list of its list type "
        f"(a prevalence of 0-100%), found '999999' where 'PATIENT_LIST_SIZE' is '{list_size}'"
    ) in err


def test_a_payments_csv_cut_at_a_line_end_is_refused_for_its_coverage(shared_data, project, tmp_path):
    whole = (shared_data / PAYMENTS).read_bytes()
    cut = whole[: whole.index(b"\n", len(whole) // 2) + 1]  # whole lines only: the shape is fine
    rows = list(csv.DictReader(io.StringIO(cut.decode("utf-8-sig"))))
    kept = {row["Practice Code"] for row in rows if row["Number of Registered Patients (Last Known Figure)"]}
    member_codes = members(shared_data)
    missing = sorted(member_codes - kept)
    covered = len(member_codes) - len(missing)
    data = linked_except(shared_data, tmp_path / "data", PAYMENTS, cut)

    err = refused(project, data)

    assert f"payments ({PAYMENTS.as_posix()}): 1 problem(s)" in err
    assert (
        f"covers {covered:,} of the {len(member_codes):,} member practices of the ePCN release 2019-12 "
        f"({100 * covered / len(member_codes):.1f}%); expected at least 90.0%"
    ) in err
    assert f"Practices missing: {', '.join(missing[:10])} and {len(missing) - 10:,} more" in err
