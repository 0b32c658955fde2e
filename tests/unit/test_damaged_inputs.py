"""Files damaged the way downloads and hand edits damage them are refused, naming file, line or row, column
and what was expected; the publishers' own habits (BOM, CRLF, trailing commas, quoted line breaks) are not.

Three nets, on small hand-made files: the shape of a CSV (`readers._fields`), plausible values declared
with each reader's schema (`readers._checks`), and coverage of the ePCN member practices
(`data.coverage`, checked by `data.validate` and printed by `report.data_coverage`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from pcnreport.data import coverage
from pcnreport.data.catalogue import load_catalogue
from pcnreport.data.readers import (
    read_epcn,
    read_payments,
    read_practice_map,
    read_qof_prevalence,
    read_registrations,
)
from pcnreport.data.readers._checks import MAX_LIST_SIZE
from pcnreport.data.synth import MARKER, SAMPLE_PATHS, SyntheticSpec, write_sample
from pcnreport.data.tablecache import TableCache
from pcnreport.data.validate import validate_data_dir
from pcnreport.report import data_coverage
from tests.unit.reader_support import problems, write

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml"

PAYMENTS_HEADER = (
    "Practice Code,Practice Name,Number of Registered Patients (Last Known Figure),"
    "Number of Weighted Patients (Last Known Figure)\n"
)
PREVALENCE_HEADER = "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n"
REG_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"


def payments_rows(count: int) -> str:
    return "".join(f"A{81000 + i},PRACTICE {i},{4000 + i},{4100.5 + i}\n" for i in range(count))


def reg_row(code: str, patients: str = "5903", date: str = "01JAN2021") -> str:
    return f"GP_PRAC_PAT_LIST,{date},GP,00L,E38000130,{code},NE65 7UW,ALL,ALL,{patients}\n"


# --- The shape of a CSV ----------------------------------------------------------------------------------


def test_a_payments_file_cut_in_the_middle_of_a_row_names_the_line(tmp_path):
    whole = PAYMENTS_HEADER + payments_rows(6)
    cut = whole[: whole.index("A81004") + len("A81004,PRACT")]  # the download stopped inside line 6
    path = write(tmp_path, "payments.csv", cut)

    assert problems(read_payments, path) == [
        "line 6: 2 fields where the header (line 1) has 4: columns 'Number of Registered Patients (Last Known "
        "Figure)' to 'Number of Weighted Patients (Last Known Figure)' are missing; expected 4 on every line (a line "
        "cut short is the mark of an incomplete download or a broken edit)"
    ]


def test_a_short_line_in_the_middle_is_named_even_though_pandas_would_fill_it_with_blanks(tmp_path):
    rows = payments_rows(4).splitlines(keepends=True)
    rows[1] = "A81001,PRACTICE 1,4001\n"  # the weighted figure lost in an edit
    path = write(tmp_path, "payments.csv", PAYMENTS_HEADER + "".join(rows))

    found = problems(read_payments, path)

    assert found == [
        "line 3: 3 fields where the header (line 1) has 4: column 'Number of Weighted Patients (Last Known Figure)' "
        "is missing; expected 4 on every line (a line cut short is the mark of an incomplete download or a broken edit)"
    ]


def test_a_file_ending_inside_quotes_is_refused_as_cut_short(tmp_path):
    path = write(tmp_path, "payments.csv", PAYMENTS_HEADER + payments_rows(2) + 'A81009,"THE SURGERY, HIGH')

    found = problems(read_payments, path)

    assert any(p.startswith("line 4: a quoted field opens here and the file ends before it closes") for p in found)


def test_many_bad_lines_are_listed_up_to_ten_then_counted(tmp_path):
    rows = [f"A{81000 + i},PRACTICE,{4000 + i}\n" for i in range(14)]  # every row one field short
    rows.append(payments_rows(1))  # one good row, so the short ones are not a publisher's layout
    path = write(tmp_path, "payments.csv", PAYMENTS_HEADER + "".join(rows))

    found = problems(read_payments, path)

    assert [p.split(":")[0] for p in found[:10]] == [f"line {n}" for n in range(2, 12)]
    assert found[10] == "... and 4 more lines with a different number of fields"


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff" + PAYMENTS_HEADER + payments_rows(3),  # a byte-order mark (2020-21 on)
        (PAYMENTS_HEADER + payments_rows(3)).replace("\n", "\r\n"),  # Windows line ends
        PAYMENTS_HEADER + payments_rows(3) + "\n\n",  # blank lines at the end
        PAYMENTS_HEADER + payments_rows(3).replace("\n", ",\n"),  # a trailing comma on every data row
        PAYMENTS_HEADER + payments_rows(3).rstrip("\n"),  # no line end after the last row
        PAYMENTS_HEADER + 'A81009,"THE SURGERY, ""NEW"" WING\nHIGH STREET",4000,4100\n',  # quotes, comma, line break
    ],
    ids=["bom", "crlf", "blank-lines", "trailing-commas", "no-final-line-end", "quoted-field"],
)
def test_what_publishers_really_write_is_not_a_problem(tmp_path, text):
    path = tmp_path / "payments.csv"
    path.write_bytes(text.encode("utf-8"))

    table = read_payments(path)

    assert len(table) == text.count("A810") and table["registered_patients"].notna().all()


# --- Plausibility, declared with each reader's schema ----------------------------------------------------


def test_an_impossible_register_is_refused_with_the_list_it_exceeds(tmp_path):
    path = write(
        tmp_path,
        "PREVALENCE_1718.csv",
        PREVALENCE_HEADER + "A81001,AF,106,TOTAL,4086\nA81001,DM,999999,17OV,3300\nA81002,AF,3300,TOTAL,3300\n",
    )

    assert problems(read_qof_prevalence, path) == [
        "row 3, column 'REGISTER': expected a register no larger than the practice's list of its list type "
        "(a prevalence of 0-100%), found '999999' where 'PATIENT_LIST_SIZE' is '3300'"
    ]  # a register equal to its list (100%) is possible, and passes


def test_list_sizes_no_practice_has_had_are_refused_in_every_file_that_gives_one(tmp_path):
    too_many = str(MAX_LIST_SIZE + 1)
    registrations = write(tmp_path, "regs.csv", REG_HEADER + reg_row("A84002") + reg_row("A84003", too_many))
    prevalence = write(tmp_path, "PREVALENCE_1718.csv", PREVALENCE_HEADER + f"A81001,AF,10,TOTAL,{too_many}\n")
    payments = write(tmp_path, "payments.csv", PAYMENTS_HEADER + f"A81001,X,{too_many},{too_many}\n")

    assert problems(read_registrations, registrations) == [
        f"row 3, column 'NUMBER_OF_PATIENTS': expected at most {MAX_LIST_SIZE:,} patients (a practice's list), "
        f"found '{too_many}'"
    ]
    assert problems(read_qof_prevalence, prevalence) == [
        f"row 2, column 'PATIENT_LIST_SIZE': expected a list size of at most {MAX_LIST_SIZE:,} patients, "
        f"found '{too_many}'"
    ]
    assert len(problems(read_payments, payments)) == 2  # registered and weighted
    # The largest list seen in a real release (118,415, June 2026) reads.
    assert read_registrations(write(tmp_path, "big.csv", REG_HEADER + reg_row("A84002", "118415")))["list_size"][0] == 118415


def test_a_weighted_list_far_from_the_registered_one_is_refused(tmp_path):
    path = write(
        tmp_path,
        "payments.csv",
        PAYMENTS_HEADER
        + "A81001,MOVED A COLUMN,4000,401\n"  # ratio 0.10
        + "A81002,DIGIT TOO MANY,4000,41000\n"  # ratio 10.25
        + "A81003,CLOSED IN THE YEAR,0,0\n"  # nothing to weigh: plausible
        + "A81004,HIGH NEEDS,1000,4230\n"  # 4.23, the highest real ratio seen
        + "A81005,NOT KNOWN,,3000\n",  # a blank figure is not judged
    )

    found = problems(read_payments, path)

    assert found == [
        "row 2, column 'Number of Weighted Patients (Last Known Figure)': expected a weighted list between 0.25 and "
        "6 times the registered patients, found '401' where 'Number of Registered Patients (Last Known Figure)' "
        "is '4000'",
        "row 3, column 'Number of Weighted Patients (Last Known Figure)': expected a weighted list between 0.25 and "
        "6 times the registered patients, found '41000' where 'Number of Registered Patients (Last Known Figure)' "
        "is '4000'",
    ]


def test_a_file_mixing_two_extracts_or_dated_in_the_future_is_refused(tmp_path):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d%b%Y").upper()
    mixed = write(
        tmp_path,
        "regs.csv",
        REG_HEADER + reg_row("A84002") + reg_row("A84003") + reg_row("A84004", date="01DEC2020"),
    )
    future = write(tmp_path, "future.csv", REG_HEADER + reg_row("A84002", date=tomorrow))

    assert problems(read_registrations, mixed) == [
        "row 4, column 'EXTRACT_DATE': expected the extract date of the file's other rows (one extract a file), "
        "found '01DEC2020'"
    ]
    assert problems(read_registrations, future) == [
        f"row 2, column 'EXTRACT_DATE': expected an extract date no later than today, found '{tomorrow}'"
    ]


def test_the_practice_mapping_checks_its_extract_date_too(tmp_path):
    header = (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_CCG_CODE,"
        "CCG_CODE,CCG_NAME,ONS_STP_CODE,STP_CODE,STP_NAME,ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME\n"
    )
    row = (
        "GP_PRAC_PAT_LIST,{date},{code},THE SURGERY,TS18 1HU,U89141,STOCKTON PCN,E38000247,16C,NHS Tees Valley CCG,"
        "E54000050,QHM,Cumbria and North East,E40000009,Y63,North East and Yorkshire\n"
    )
    rows = [row.format(date=date, code=f"A8100{i}") for i, date in enumerate(["01Jan2022", "01Jan2022", "01Feb2022"])]
    path = write(tmp_path, "map.csv", header + "".join(rows))

    assert problems(read_practice_map, path) == [
        "row 4, column 'EXTRACT_DATE': expected the extract date of the file's other rows (one extract a file), "
        "found '01Feb2022'"
    ]


def test_every_implausible_value_of_a_file_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "PREVALENCE_1718.csv",
        PREVALENCE_HEADER
        + "A81001,AF,5000,TOTAL,4086\n"  # register above its list
        + f"A81002,AF,10,TOTAL,{MAX_LIST_SIZE * 10}\n"  # a list no practice has had
        + "A81003,AF,abc,TOTAL,4000\n",  # not a number: its form check says so, no plausibility noise
    )

    assert problems(read_qof_prevalence, path) == [
        "row 4, column 'REGISTER': expected a whole number >= 0 (112 or 112.0) or blank, found 'abc'",
        f"row 3, column 'PATIENT_LIST_SIZE': expected a list size of at most {MAX_LIST_SIZE:,} patients, "
        f"found '{MAX_LIST_SIZE * 10}'",
        "row 2, column 'REGISTER': expected a register no larger than the practice's list of its list type "
        "(a prevalence of 0-100%), found '5000' where 'PATIENT_LIST_SIZE' is '4086'",
    ]


# --- Coverage of the ePCN member practices ---------------------------------------------------------------


def members(count: int) -> pd.Index:
    return pd.Index([f"A{81000 + i}" for i in range(count)])


def test_coverage_counts_members_with_a_figure_and_lists_those_missing_in_order():
    table = pd.DataFrame(
        {
            "practice_code": ["A81003", "A81000", "A81001", "Z99999"],  # Z99999: not a member, not counted
            "registered_patients": [100.0, 200.0, None, 300.0],  # A81001 has no figure
        }
    )

    found = coverage.coverage_of("payments", table, members(4))

    assert (found.members, found.covered, found.missing) == (4, 2, ("A81001", "A81002"))
    assert found.share == 0.5 and found.too_low


def test_a_dataset_under_its_floor_names_the_share_and_the_first_ten_practices_missing():
    table = pd.DataFrame({"practice_code": [f"A{81000 + i}" for i in range(0, 40, 2)], "list_size": 1})

    found = coverage.coverage_of("registrations", table, members(40))

    assert found.problem("2019-12") == (
        "covers 20 of the 40 member practices of the ePCN release 2019-12 (50.0%); expected at least 90.0% "
        "(a file cut short, or a regional extract, covers fewer: check the file is the publisher's whole national "
        "file). Practices missing: A81001, A81003, A81005, A81007, A81009, A81011, A81013, A81015, A81017, A81019 "
        "and 10 more"
    )


def test_the_floor_is_a_share_of_whole_practices():
    at_floor = pd.DataFrame({"practice_code": members(90), "list_size": 1})
    below = pd.DataFrame({"practice_code": members(89), "list_size": 1})

    assert not coverage.coverage_of("registrations", at_floor, members(100)).too_low
    assert coverage.coverage_of("registrations", below, members(100)).too_low
    # Registrations by LSOA come as regional extracts: their share is reported, never a stop.
    lsoa = coverage.coverage_of("registrations-lsoa", below.assign(lsoa_code="E01000001"), members(1000))
    assert lsoa.share == 0.089 and not lsoa.too_low


def test_a_share_just_under_all_is_never_printed_as_100_percent():
    assert coverage.percent(0.9996) == "99.9%" and coverage.percent(1.0) == "100.0%"


# --- Coverage in a whole data folder: `data validate`, the build's check, the appendix -------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    # The same folder the synthetic-sample tests use, written once a session (and never changed here).
    root = tmp_path_factory.getbasetemp() / f"synth-sample-seed{SyntheticSpec().seed}"
    if not (root / MARKER).is_file():
        write_sample(root, SyntheticSpec())
    return root


def folder_without_payment_rows(sample: Path, target: Path, keep) -> list[str]:
    """The sample's files as symlinks, its payments file rewritten with only the rows `keep(index)` allows,
    cut at line ends (so no line is short: only coverage can tell); returns the practice codes dropped."""
    for relative in SAMPLE_PATHS.values():
        link = target / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(sample / relative)
    payments = target / SAMPLE_PATHS["payments"]
    lines = (sample / SAMPLE_PATHS["payments"]).read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(csv.reader(lines[:1])).index("Practice Code")
    dropped = [next(csv.reader([line]))[at] for i, line in enumerate(lines[1:]) if not keep(i)]
    payments.unlink()
    payments.write_text(lines[0] + "".join(line for i, line in enumerate(lines[1:]) if keep(i)), encoding="utf-8")
    return dropped


def test_a_payments_file_cut_at_a_line_end_stops_the_build_naming_share_and_practices(sample, tmp_path):
    data = tmp_path / "data"
    dropped = folder_without_payment_rows(sample, data, keep=lambda i: i < 3000)
    members = set(read_epcn(data / SAMPLE_PATHS["epcn"]).members["practice_code"])
    missing = sorted(members & set(dropped))

    report = validate_data_dir(load_catalogue(CATALOGUE), data, checksums=False)

    assert not report.ok and report["payments"].status == "problems"
    (problem,) = report["payments"].problems
    share = 1 - len(missing) / len(members)
    assert problem.startswith(
        f"covers {len(members) - len(missing):,} of the {len(members):,} member practices of the ePCN release "
        f"2020-01 ({100 * share:.1f}%); expected at least 90.0%"
    )
    assert problem.endswith(f"Practices missing: {', '.join(missing[:10])} and {len(missing) - 10:,} more")
    error = report.build_error()
    assert error.exit_code == 3 and f"payments ({SAMPLE_PATHS['payments']}): 1 problem(s)" in str(error)
    assert [d.dataset for d in report.datasets if d.status == "problems"] == ["payments"]  # the rest cover all


def test_the_appendix_prints_each_datasets_coverage_computed_from_the_tables(sample, tmp_path):
    data = tmp_path / "data"
    dropped = folder_without_payment_rows(sample, data, keep=lambda i: i % 20 != 7)  # 5% gone: above the floor
    catalogue = load_catalogue(CATALOGUE)
    members = set(read_epcn(data / SAMPLE_PATHS["epcn"]).members["practice_code"])
    missing = sorted(members & set(dropped))
    assert validate_data_dir(catalogue, data, checksums=False).ok  # between the floor and 100%, the build goes on
    releases = {"epcn": "2020-01", "payments": "2019-20", "registrations": "2020-01"}

    rows = data_coverage.measured(catalogue, data, releases, TableCache(tmp_path / "tables"))
    text = data_coverage.write_table(catalogue, rows, tmp_path)

    shown = re.sub(r"\\(.)", r"\1", (tmp_path / "tbl-coverage.md").read_text(encoding="utf-8"))  # Markdown escapes
    share = f"{100 * (1 - len(missing) / len(members)):.1f}%"
    payments_line = next(line for line in shown.splitlines() if line.startswith("| NHS Payments"))
    assert f"{len(members) - len(missing):,} of {len(members):,}" in payments_line and share in payments_line
    assert "| 100.0% |" in next(line for line in shown.splitlines() if "Registered at a GP Practice" in line)
    saved = pd.read_csv(tmp_path / "tbl-coverage.csv", dtype=str).set_index("dataset")
    assert saved.loc["payments", "missing"].split() == missing
    assert text["coverage_lowest"].startswith(share) and text["coverage_floor"] == "90%"
