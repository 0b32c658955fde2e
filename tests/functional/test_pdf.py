"""The PDF reads as a report: title, chapter, captions, references, more than a page or two."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader


@pytest.fixture(scope="module")
def pdf(built_project):
    _, result = built_project
    return PdfReader(str(result.pdf))


def _text(pdf) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


def test_pdf_holds_title_chapter_and_captions(pdf):
    text = _text(pdf)
    assert "Primary Care Networks" in text
    assert "PCN characteristics and variability" in text
    for caption in ("PCNs by registered population", "PCNs by number of core partner practices",
                    "Number of core partner practices against registered population"):
        assert caption in text, caption
    assert re.search(r"Figure \d+\.3", text)
    assert "Synthetic data" in text


def test_pdf_has_pages_an_outline_and_references(pdf):
    assert len(pdf.pages) >= 4
    assert pdf.outline, "the PDF has no outline (bookmarks)"
    assert "NHS Digital" in _text(pdf)


def test_charts_are_vector_in_the_pdf(built_project):
    project, _ = built_project
    chart = (project / "figures" / "fig-pcn-population.pdf").read_bytes()
    assert chart.startswith(b"%PDF")
    assert b"/Subtype /Image" not in chart and b"/Subtype/Image" not in chart, "chart was rasterised"
    # vl-convert drops text set in a font it cannot find; the chart must embed its font.
    assert b"/FontFile" in chart and b"Lato" in chart
