"""The PDF's layout loses nothing (issue 16): every row of every table in print is there to read, in order;
no text runs off the paper, into the footer or past the text's width; no line is drawn over another.

The checks are in tests/pdf_layout.py (each is shown to fail on a small bad PDF in
tests/unit/test_pdf_layout_checks.py); tests/functional/test_quarto.py runs them on Quarto's PDF too.
"""

from __future__ import annotations

from pathlib import Path

# tests/ is on the path (pytest puts the folder of the root conftest.py there), as for local_server.
import pdf_layout as layout
import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "src" / "pcnreport" / "render" / "templates" / "book.typ"


@pytest.fixture(scope="module")
def problems(built_project) -> dict[str, list[str]]:
    project, result = built_project
    return layout.book_layout_problems(project, result.pdf.parent, result.pdf, TEMPLATE)


def test_the_tables_in_print_are_found_in_the_site(built_project):
    # The checks' source of truth is not empty: the chapters' tables, the regional profiles' two tables
    # each (their CCG tables among the longest), the appendices' (Table B.1, the data sources).
    project, result = built_project
    tables = layout.book_tables(project, result.pdf.parent)
    pages = {page for page, _ in tables}
    assert len(tables) >= 20
    assert sum(page.startswith("profiles/region-") for page, _ in tables) == 14
    assert "chapters/data-and-methods.html" in pages
    assert max(len(rows) for _, rows in tables) >= 25
    # The profiles' index lists every area in the website only (a raw HTML table): not a table in print.
    assert "profiles/index.html" not in pages


def test_every_table_row_is_printed_in_order(problems):
    assert problems["rows missing or out of order"] == []


def test_no_text_is_drawn_off_the_printable_area(problems):
    assert problems["text off the printable area"] == []


def test_no_body_text_runs_into_the_margins(problems):
    # Only the running header (the data notice) and the page number are set in the margins.
    assert problems["body text in the margins"] == []


def test_no_text_is_drawn_over_other_text(problems):
    assert problems["text drawn over text"] == []
