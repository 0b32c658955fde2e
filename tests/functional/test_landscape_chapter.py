"""The chapter "Since the interim report" in the default build: every month of the sample's history, its
numbers the events the generator planted, in both outputs."""

from __future__ import annotations

import csv
import json
import re

import yaml
from pypdf import PdfReader

from pcnreport.data.synth.history import HISTORY_FILE


def _text(path) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


def test_the_chapter_follows_the_conclusions_and_reads_every_month(built_project):
    project, result = built_project
    record = json.loads((result.data_dir / HISTORY_FILE).read_text(encoding="utf-8"))
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    section = variables["landscape"]
    raw = json.loads((project / "_generated" / "numbers" / "landscape.json").read_text())["raw"]
    written = record["months"][1:]  # the first is the edition's own month, from the ePCN workbook
    assert raw["months"] == len(written) and (raw["first_month"], raw["last_month"]) == (written[0], written[-1])
    assert (raw["pcns_first"], raw["pcns_last"]) == (record["pcns"][written[0]], record["pcns"][written[-1]])
    html = (project / "_book" / "chapters" / "08-since-the-interim-report.html")
    text = _text(html)
    assert "{{<" not in html.read_text(encoding="utf-8")
    assert f"from {section['first_month']} to {section['last_month']}" in text
    assert f"the number of networks {section['wording']['pcns_change']}" in text
    # The January 2020 list sizes are the sample's only registrations: the chapter says so.
    assert "use the list sizes of January 2020, the only registrations release" in text
    assert set(raw["sizes_used"].values()) == {"2020-01"}
    # Every chart drawn from its spec, each with its table and CSV.
    for name in ("fig-landscape-pcns", "fig-landscape-bands", "fig-landscape-sizes", "fig-landscape-practices",
                 "fig-landscape-flows", "fig-landscape-icbs"):
        assert f'id="{name}"' in html.read_text(encoding="utf-8"), name
    for name in ("tbl-landscape-months", "tbl-landscape-years", "tbl-landscape-flows", "tbl-landscape-commissioners",
                 "tbl-landscape-icbs"):
        assert (project / "_book" / "figures" / f"{name}.csv").is_file(), name
    months = (project / "_book" / "figures" / "tbl-landscape-months.csv").read_text().splitlines()
    assert len(months) == 1 + len(written)
    # The chapter comes after the conclusions in the site's order.
    conclusions = _text(project / "_book" / "chapters" / "07-conclusions.html")
    assert "Since the interim report" in conclusions  # the next-page link


def test_the_changes_are_the_events_the_generator_planted(built_project):
    project, result = built_project
    record = json.loads((result.data_dir / HISTORY_FILE).read_text(encoding="utf-8"))
    years = list(csv.DictReader((project / "figures" / "tbl-landscape-years.csv").open()))
    # Year on year, the PCNs opened are the events of kind "opened" planted in those months (none of
    # them closed again within the same year would change that; the generator's rates make that rare, so
    # the count is held to within the PCNs opened and then merged in the same year).
    for row in years:
        planted = sum(1 for e in record["events"] if e["kind"] == "opened" and row["start"] < e["month"] <= row["end"])
        assert 0 <= planted - int(row["opened"]) <= 2, row
        assert int(row["pcns_end"]) == record["pcns"][row["end"]] and int(row["pcns_start"]) == record["pcns"][row["start"]]


def test_chapter_6_keeps_the_interim_report_s_commissioners(built_project):
    """The sample's later months (sub-ICB locations from July 2022) do not move chapter 6 off January 2020's
    geography: its commissioners are still QOF's CCGs."""
    project, _ = built_project
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    assert variables["ccg_configuration"]["level_plural"] == "CCGs"
    assert "registrations-map" not in variables["ccg_configuration"]["releases"]


def test_the_pdf_carries_the_chapter_with_its_charts_as_vectors(built_project):
    project, result = built_project
    reader = PdfReader(result.pdf)
    pages = [page.extract_text() or "" for page in reader.pages]
    starts = [i for i, page in enumerate(pages) if "Since the interim report" in page and "PCNs named by each month" in page]
    assert starts, "no page of the PDF carries the chapter's first figure"
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    chapter = " ".join(pages[starts[0] - 2: starts[0] + 8])
    assert variables["landscape"]["pcns_last"] in chapter
