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
    assert "use the list sizes of January 2020, the nearest registrations release" in text
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
    # Where the networks' patients live: the sample's one release of registrations by LSOA (January 2020),
    # joined by the month run of April 2020 (the nearest month of the mapping), computed through DuckDB.
    assert ("The data hold 1 release of registrations by LSOA (January 2020). In January 2020, with the networks "
            "of April 2020, the median network") in text
    footprints = list(csv.DictReader((project / "_book" / "figures" / "tbl-landscape-footprints.csv").open()))
    assert [(r["release"], r["membership"], int(r["pcns"])) for r in footprints] == [
        ("2020-01", "2020-04", record["pcns"]["2020-04"])]
    assert f"80% of them in {section['footprints']['lsoas_80pct']};" in text
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


def test_every_pcn_of_every_month_has_a_light_page_in_the_directory(built_project):
    project, result = built_project
    record = json.loads((result.data_dir / HISTORY_FILE).read_text(encoding="utf-8"))
    directory = project / "_book" / "pcns"
    index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    # Every PCN the history has in a written month (from April 2020), and no other.
    codes = {r["code"] for r in index}
    assert len(codes) == len(index) and {p.stem for p in directory.glob("U*.html")} == codes
    opened = {e["pcn"] for e in record["events"] if e["kind"] in ("opened", "recoded") and e["month"] > "2020-04"}
    assert opened <= codes
    assert sum(r["status"] == "open" for r in index) == record["pcns"][record["months"][-1]]
    sizes = [p.stat().st_size for p in directory.glob("*.html")]
    assert max(sizes) < 150_000, max(sizes)
    # The chapter links the directory; every page carries the notice and the footer (checked site-wide).
    chapter = (project / "_book" / "chapters" / "08-since-the-interim-report.html").read_text(encoding="utf-8")
    assert 'href="../pcns/index.html"' in chapter
    merged = next(e for e in record["events"] if e["kind"] == "merged" and e["month"] > "2020-04")
    page = (directory / f"{merged['pcn']}.html").read_text(encoding="utf-8")
    assert f'most of its practices joined <a href="{merged["to"]}.html">' in page
    # A network of April 2020 (the month standing for the January 2020 LSOA release) has its map; one opened
    # later says why it has none.
    april = json.loads((project / "_build" / "months" / "2020-04.json").read_text(encoding="utf-8"))
    some = april["footprints"]["pcn_code"][0]
    mapped = (directory / f"{some}.html").read_text(encoding="utf-8")
    assert f'id="chart-pcn-map-{some}"' in mapped and "MSOAs each hold at least 1% of its patients" in mapped
    late = next(e for e in record["events"] if e["kind"] == "opened" and e["month"] > "2021-01")
    later_page = (directory / f"{late['pcn']}.html").read_text(encoding="utf-8")
    assert "hold none of its patients" in later_page and "chart-pcn-map-" not in later_page


def test_the_directory_filter_finds_a_pcn_by_code_icb_and_region(built_project, chromium_path):
    from local_server import serving, static_files
    from playwright.sync_api import sync_playwright

    project, _ = built_project
    index = json.loads((project / "_book" / "pcns" / "index.json").read_text(encoding="utf-8"))
    target = index[len(index) // 2]
    with serving(static_files(project / "_book")) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/pcns/index.html")
        page.wait_for_selector("#pcn-results table")
        page.fill("#pcn-q", target["code"])
        page.wait_for_function("document.querySelectorAll('#pcn-results tbody tr').length === 1")
        assert page.inner_text("#pcn-results tbody").startswith(target["name"])
        page.fill("#pcn-q", "")
        page.select_option("#pcn-icb", target["icb_code"])
        page.select_option("#pcn-region", target["region_code"])
        rows = page.eval_on_selector_all("#pcn-results tbody tr td:first-child", "cells => cells.map(c => c.innerText)")
        expected = [r["name"] for r in index if r["icb_code"] == target["icb_code"] and r["region_code"] == target["region_code"]]
        assert rows == expected[:200]
        # Nothing is wider than a phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click(f"#pcn-results a[href='{target['code']}.html']")
        page.wait_for_selector(".pcn-chart[data-drawn='yes'] svg")
        browser.close()
    assert errors == []
