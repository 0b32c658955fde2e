"""Fact tables (data/facts/*.yaml): checked with file, row and line; totals computed; fragments and numbers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pcnreport.analysis import facts
from pcnreport.core.errors import DataFormatError
from pcnreport.report.sections import facts as facts_section

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO / "data" / "facts"

GOOD = """\
key: demo
source:
  report: Interim report, Table 9.9
  publication: A survey
numbers:
  total_ccgs: {sum_of: ccgs, published: 5, format: count, description: the total}
  areas: {value: 12000, format: count, description: areas covered}
  premium: {value: 1.5, format: pounds, description: a payment}
table:
  name: tbl-demo
  caption: Respondents by region [@key].
  columns:
    - {key: region, title: Region}
    - {key: ccgs, title: CCGs, type: count}
    - {key: notes, title: Notes, type: list}
  rows:
    - {region: North, ccgs: 2, notes: [one, two]}
    - {region: "South, paid {premium}", ccgs: 3, notes: [three]}
  total: {label: Total, number: total_ccgs}
  footer:
    - {label: Areas, number: areas}
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(DataFormatError) as excinfo:
        facts.load_fact_file(path)
    assert str(path) in str(excinfo.value)
    return excinfo.value.problems


def test_a_good_file_gives_its_table_with_a_computed_total(tmp_path):
    fact = facts.load_fact_file(write(tmp_path, GOOD))
    assert fact.numbers["total_ccgs"].value == 5 and fact.numbers["total_ccgs"].sum_of == "ccgs"
    table = facts_section.display_table(fact)
    assert list(table.columns) == ["Region", "CCGs", "Notes"]
    assert table.values.tolist() == [
        ["North", "2", "one; two"],
        ["South, paid £1.50", "3", "three"],
        ["Total", "", "5"],
        ["Areas", "", "12,000"],
    ]
    assert fact.text() == {"total_ccgs": "5", "areas": "12,000", "premium": "£1.50"}


def test_the_total_follows_the_rows_not_a_typed_value(tmp_path):
    text = GOOD.replace("published: 5, ", "").replace("ccgs: 3,", "ccgs: 30,")
    fact = facts.load_fact_file(write(tmp_path, text))
    assert fact.numbers["total_ccgs"].text == "32"
    assert facts_section.display_table(fact).iloc[2].tolist() == ["Total", "", "32"]


def test_a_total_that_differs_from_the_published_one_is_an_error(tmp_path):
    found = problems(write(tmp_path, GOOD.replace("ccgs: 3,", "ccgs: 4,")))
    assert len(found) == 1
    assert "number 'total_ccgs' (line 6)" in found[0]
    assert "add up to 6, but the source prints 5" in found[0]


def test_a_bad_cell_names_the_row_its_line_and_the_column(tmp_path):
    found = problems(write(tmp_path, GOOD.replace("ccgs: 3,", "ccgs: three,")))
    assert any(
        p.startswith("table row 2 (line 18): column 'ccgs': expected a whole number >= 0") and "'three'" in p
        for p in found
    ), found


def test_every_problem_is_reported_at_once(tmp_path):
    text = (
        GOOD.replace("{region: North, ccgs: 2, notes: [one, two]}", "{region: North, ccgs: -2}")
        .replace("paid {premium}", "paid {premiun}")
        .replace("format: pounds,", "format: euros,")
        .replace("key: demo", "key: 9demo")
    )
    found = "\n".join(problems(write(tmp_path, text)))
    assert "'key' (line 1)" in found
    assert "table row 1 (line 17): expected the columns region, ccgs, notes; missing notes" in found
    assert "table row 1 (line 17): column 'ccgs': expected a whole number >= 0" in found
    assert "number 'premium' (line 8): format must be one of" in found
    assert "table row 2 (line 18): column 'region': unknown number(s) {premiun}" in found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("source:\n  report: Interim report, Table 9.9\n", "source:\n"), "'source'"),
        (("  caption: Respondents by region [@key].\n", ""), "table 'caption'"),
        (("name: tbl-demo", "name: demo"), "expected an id such as tbl-funding"),
        (("total: {label: Total, number: total_ccgs}", "total: {label: Total, number: nothing}"), "unknown number 'nothing'"),
        (("total_ccgs: {sum_of: ccgs,", "total_ccgs: {sum_of: region,"), "'sum_of' must name a count column"),
        (("areas: {value: 12000,", "areas: {value: many,"), "'value' must be a number"),
        (("key: demo\n", "key: demo\ncolour: red\n"), "unknown field(s) 'colour'"),
    ],
)
def test_malformed_files_say_what_is_wrong(tmp_path, change, expected):
    old, new = change
    assert old in GOOD
    found = problems(write(tmp_path, GOOD.replace(old, new)))
    assert any(expected in p for p in found), found


def test_not_yaml_and_not_a_mapping(tmp_path):
    assert "not valid YAML" in problems(write(tmp_path, "key: [unclosed\n"))[0]
    assert "expected a mapping" in problems(write(tmp_path, "- a list\n"))[0]


def test_a_null_cell_reads_not_stated(tmp_path):
    fact = facts.load_fact_file(write(tmp_path, GOOD.replace("{region: North,", "{region: null,")))
    assert facts_section.display_table(fact).iloc[0, 0] == facts_section.NOT_STATED


def test_a_blank_in_a_summed_column_is_an_error_not_a_smaller_total(tmp_path):
    found = problems(write(tmp_path, GOOD.replace("ccgs: 2,", "ccgs: null,")))
    assert found == ["number 'total_ccgs' (line 6): column 'ccgs' has cells that are not whole numbers: no total"]


def test_two_files_with_one_key_are_refused(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("tbl-demo", "tbl-other"), "b.yaml")
    with pytest.raises(DataFormatError, match="key 'demo' is also used by"):
        facts.load_facts(tmp_path)


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        ("count", 50000, "50,000"),
        ("decimal", 0.25, "0.25"),
        ("pounds", 1.5, "£1.50"),
        ("pounds", 109000, "£109,000"),
        ("pounds_million", 40_500_000, "£40.5 million"),
        ("pounds_million", 1_412_000_000, "£1,412 million"),
        ("million", 3_000_000, "3 million"),
    ],
)
def test_formats(fmt, value, text):
    assert facts.FORMATS[fmt](value) == text


def test_write_facts_writes_table_caption_csv_and_numbers(tmp_path):
    folder = tmp_path / "facts"
    folder.mkdir()
    write(folder, GOOD)
    facts_section.write_facts(folder, tmp_path / "out")
    figures = tmp_path / "out" / "figures"
    fragment = (figures / "tbl-demo.md").read_text(encoding="utf-8")
    assert "| Region | CCGs | Notes |" in fragment and "| Total |  | 5 |" in fragment
    assert (figures / "tbl-demo-caption.md").read_text(encoding="utf-8") == (
        "Respondents by region [@key]. Source: Interim report, Table 9.9.\n"
    )
    assert (figures / "tbl-demo.csv").read_text(encoding="utf-8").splitlines()[0] == "Region,CCGs,Notes"
    numbers = json.loads((tmp_path / "out" / "_generated" / "numbers" / "report_facts.json").read_text())
    assert numbers["text"]["demo"] == {"total_ccgs": "5", "areas": "12,000", "premium": "£1.50"}
    assert numbers["raw"]["demo"]["total_ccgs"] == 5


def test_a_bad_file_writes_nothing(tmp_path):
    folder = tmp_path / "facts"
    folder.mkdir()
    write(folder, GOOD, "a.yaml")
    write(folder, GOOD.replace("key: demo", "key: other").replace("ccgs: 3,", "ccgs: x,"), "b.yaml")
    with pytest.raises(DataFormatError):
        facts_section.write_facts(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- The project's own facts files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_facts():
    return {fact.key: fact for fact in facts.load_facts(FACTS)}


def test_table_5_1_total_is_computed_and_matches_the_published_37(project_facts):
    survey = project_facts["survey"]
    assert sum(row["ccgs"] for row in survey.table.rows) == 37
    assert survey.numbers["respondents"].value == 37 and survey.numbers["respondents"].sum_of == "ccgs"
    assert survey.numbers["ccg_areas"].text == "55"
    assert [row["region"] for row in survey.table.rows] == [
        "North West", "North East and Yorkshire", "South West", "Midlands", "London", "South East", "East of England",
    ]  # fmt: skip


def test_table_4_1_prints_the_contract_figures(project_facts):
    table = facts_section.display_table(project_facts["funding"])
    cells = "\n".join(" | ".join(row) for row in table.values.tolist())
    for expected in ("£430 million", "£1,412 million", "£1.50 a patient", "0.25 WTE per 50,000", "£40.5 million", "£300 million", "£120 a bed a year"):
        assert expected in cells
    assert len(table) == 7


def test_table_4_3_levels_and_figure_4_1(project_facts, tmp_path):
    populations = facts_section.level_populations(project_facts["levels"])
    assert populations == {
        "Neighbourhood": "30,000 to 50,000",
        "Place": "250,000 to 500,000",
        "System": "1 million to 3 million",
    }
    tiles = facts_section.schematic_tiles(populations)
    assert tiles["level"].value_counts().to_dict() == {"Neighbourhood": 32, "Place": 4, "System": 1}
    # The neighbourhoods tile the system exactly: their areas add up to the whole, and none overlap.
    hoods = tiles[tiles["level"] == "Neighbourhood"]
    assert ((hoods["x2"] - hoods["x"]) * (hoods["y2"] - hoods["y"])).sum() == pytest.approx(1.0)
    assert not hoods.duplicated(["x", "y"]).any()
    spec = facts_section.nested_levels_chart(populations).to_dict()
    assert "System: 1 million to 3 million people" in json.dumps(spec)
    with pytest.raises(ValueError, match="Place"):
        facts_section.nested_levels_chart({"System": "x", "Neighbourhood": "y"})


def test_every_source_names_the_report_and_a_publication(project_facts):
    for fact in project_facts.values():
        assert fact.source["report"].startswith("Interim report"), fact.key
        assert fact.source["publication"], fact.key
