"""The PDF reads as a report: title, contents, lists of figures and tables, numbered chapters with their
captions, references, and an outline (bookmarks) a reader can navigate."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pypdf import PdfReader

from pcnreport.analysis.profiles import display_name

# The whole book (title page, contents and lists, seven chapters, appendices) runs to about 48 pages.
MIN_PAGES = 30


@pytest.fixture(scope="module")
def pdf(built_project):
    _, result = built_project
    return PdfReader(str(result.pdf))


@pytest.fixture(scope="module")
def text(pdf) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages)).replace("\u00a0", " ")


def _outline_titles(items) -> list[str]:
    out = []
    for item in items:
        out += _outline_titles(item) if isinstance(item, list) else [item.title.replace("\u00a0", " ")]
    return out


def _chapter_titles(project) -> list[str]:
    """Each chapter's first-level heading as written in its source (the text after `# `)."""
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    titles = []
    for entry in config["book"]["chapters"] + config["book"].get("appendices", []):
        for source in ([entry] if isinstance(entry, str) else entry.get("chapters", [])):
            heading = re.search(r"^# (.+?)\s*(\{.*\})?\s*$", (project / source).read_text(encoding="utf-8"), re.M)
            if heading:
                titles.append(heading.group(1).strip())
    return titles


def test_pdf_holds_title_chapter_and_captions(text):
    assert "Primary Care Networks" in text
    assert "PCN characteristics and variability" in text
    for caption in ("PCNs by registered population", "PCNs by number of core partner practices",
                    "Number of core partner practices against registered population"):
        assert caption in text, caption
    assert re.search(r"Figure \d+\.3: ", text)
    assert re.search(r"Table \d+\.1: ", text)
    assert "Synthetic data" in text


def test_pdf_holds_both_maps(text):
    # Captions of Figure 4.2 (chapter 4) and of the map of Figure 6.4 (chapter 6), and the maps' own
    # synthetic-data note, drawn into the vector figures.
    assert re.search(r"Figure 4\.\d+: The MSOAs of SYNTHETIC CCG \d+", text)
    assert re.search(r"Figure 6\.\d+: Number of PCNs with at least 1% of each MSOA", text)
    assert "SYNTHETIC SAMPLE: made-up areas" in text


def test_pdf_has_enough_pages(pdf):
    assert len(pdf.pages) >= MIN_PAGES


def test_contents_then_lists_of_figures_and_tables(pdf):
    # The front matter: title page, then Contents, List of Figures, List of Tables, before chapter text.
    front = [re.sub(r"\s+", " ", pdf.pages[i].extract_text() or "") for i in range(min(8, len(pdf.pages)))]
    starts = {}
    for heading in ("Contents", "List of Figures", "List of Tables"):
        pages = [i for i, t in enumerate(front) if heading in t]
        assert pages, f"no '{heading}' in the first pages"
        starts[heading] = pages[0]
    assert starts["Contents"] <= starts["List of Figures"] <= starts["List of Tables"]
    lists = " ".join(front[starts["List of Figures"]:starts["List of Tables"] + 1])
    assert re.search(r"Figure \d+\.1: PCNs by registered population", lists)
    assert re.search(r"Table \d+\.1: ", lists)


def test_outline_has_every_chapter_numbered_and_the_lists(pdf, built_project):
    project, _ = built_project
    titles = _outline_titles(pdf.outline)
    assert {"Contents", "List of Figures", "List of Tables"} <= set(titles)
    for chapter in _chapter_titles(project):
        assert any(t == chapter or re.fullmatch(rf"(\d+|[A-Z]) {re.escape(chapter)}", t) for t in titles), \
            f"chapter {chapter!r} not in the PDF outline {titles}"
    # Numbered chapters carry their number; appendices (if any) a letter.
    assert any(re.fullmatch(r"\d+ PCN characteristics and variability", t) for t in titles), titles
    assert "References" in titles


def test_references_are_listed(text):
    references = text[text.rfind("References"):]
    assert "NHS Digital" in references
    assert re.search(r"\b(19|20)\d\d\b", references)


def test_charts_are_vector_in_the_pdf(built_project):
    project, _ = built_project
    chart = (project / "figures" / "fig-pcn-population.pdf").read_bytes()
    assert chart.startswith(b"%PDF")
    assert b"/Subtype /Image" not in chart and b"/Subtype/Image" not in chart, "chart was rasterised"
    # vl-convert drops text set in a font it cannot find; the chart must embed its font.
    assert b"/FontFile" in chart and b"Lato" in chart


def test_pdf_holds_the_regional_profiles_and_not_the_ccg_profiles(built_project, text):
    project, _ = built_project
    areas = json.loads((project / "_build" / "cache" / "areas.json").read_text())["areas"]
    regions = [(code, name) for kind, code, name in areas if kind == "region"]
    assert len(regions) == 7
    assert "Area profiles" in text and "The regional profiles follow" in text
    for code, name in regions:
        title = display_name(name)
        assert f"{title} is an NHS England region" in text, title
        numbers = json.loads((project / "_generated" / "profiles" / f"region-{code}.json").read_text())["text"]
        assert f"Its {numbers['pcns']} PCNs (of England's {numbers['england_pcns']})" in text.replace("’", "'")
    # A CCG profile's own text is website-only (its name appears in its region's table of CCGs).
    assert "is a Clinical Commissioning Group of April 2020" not in text
    assert "Its Primary Care Networks" not in text


def test_the_title_page_names_the_edition_and_its_back_is_the_colophon(pdf, built_project):
    project, _ = built_project
    facts = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))["edition"]
    title, verso = (re.sub(r"\s+", " ", pdf.pages[i].extract_text() or "") for i in (0, 1))
    assert facts["line"] in title
    assert "About this edition" in verso and "Contents" not in verso
    # How to cite this edition, the report it mirrors, the funder and the disclaimer, the licences, the build.
    assert "How to cite this edition" in verso and facts["line"] in verso
    assert "NIHR Policy Research Unit in the Health and Care System and Commissioning" in verso
    assert "Department of Health and Social Care" in verso
    assert "CC BY 4.0" in verso and "Open Government Licence v3.0" in verso
    assert facts["commit_text"] in verso
    # Printed once: the colophon is not repeated as a chapter of the body.
    text = " ".join(page.extract_text() or "" for page in pdf.pages)
    assert text.count("How to cite this edition") == 1
