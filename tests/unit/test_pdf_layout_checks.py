"""The PDF layout checks (tests/pdf_layout.py) fail where they should: on small PDFs compiled with Typst that
have the faults of issue 16 (a long table held as one block: rows off the page, under the footer; lines
drawn over each other; rows out of order), and pass on the same documents laid out properly."""

from __future__ import annotations

from pathlib import Path

# tests/ is on the path (pytest puts the folder of the root conftest.py there), as for local_server.
import pdf_layout as layout
import pytest

typst = pytest.importorskip("typst")

MARGINS = "margin: (x: 2cm, y: 2.5cm)"
NOTICE = "Synthetic data. Made-up numbers only."
# The frame of the report's pages: a running header in the top margin, the page number in the bottom one.
FRAME = f"""#set page(paper: "a4", {MARGINS}, numbering: "1",
  header: align(center, text(size: 8pt, "{NOTICE}")))
#set text(size: 11pt)
"""


def _rows(count: int) -> list[list[str]]:
    return [["Area", "Code", "People"]] + [[f"Synthetic area {i:03d}", f"Z{i:03d}", f"{1000 + 37 * i:,}"]
                                           for i in range(1, count + 1)]


def _typst_table(rows: list[list[str]]) -> str:
    header = ", ".join(f"[*{cell}*]" for cell in rows[0])
    body = ",\n  ".join(", ".join(f"[{cell}]" for cell in row) for row in rows[1:])
    return f"table(columns: 3, table.header({header}),\n  {body})"


def _compile(tmp_path: Path, source: str, name: str = "doc") -> list[layout.Page]:
    pdf = tmp_path / f"{name}.pdf"
    typst.compile((FRAME + source).encode("utf-8"), output=str(pdf))
    return layout.read_pdf(pdf)


def _html(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{cell}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return f"<main><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></main>"


def _checks(pages: list[layout.Page], rows: list[list[str]]) -> dict[str, list]:
    margins = layout.template_margins(MARGINS)
    tables = [("page.html", table) for table in layout.html_tables(_html(rows))]
    overlapping = layout.overlapping_runs(pages)
    return {
        "off paper": layout.runs_off_the_printable_area(pages, 10),
        "outside body": layout.runs_outside_the_body(pages, margins, layout.page_furniture(NOTICE)),
        "overlapping": overlapping,
        "missing rows": layout.missing_rows(tables, layout.reading_text(pages, [r for pair in overlapping for r in pair])),
    }


INTRO = "#lorem(30)\n\n"


def test_a_long_table_as_one_block_fails_the_checks(tmp_path):
    # As the book was before issue 16: a figure is one unbreakable block, and Typst piles the rows that do
    # not fit on the page at its foot, on top of each other and of the page number.
    rows = _rows(90)
    pages = _compile(tmp_path, INTRO + f"#figure({_typst_table(rows)}, caption: [Areas])\n")
    found = _checks(pages, rows)
    assert found["outside body"], "rows drawn into the footer were not found"
    assert any("Synthetic area" in str(run) for run in found["outside body"])
    assert len(found["overlapping"]) > 100, "rows drawn on top of each other were not found"
    # The piled rows are in the PDF's text, in order, but no reader can read them.
    assert len(found["missing rows"]) == 1 and "not found in order" in found["missing rows"][0]


def test_a_block_longer_than_its_page_runs_off_the_paper(tmp_path):
    # An unbreakable block of text is not piled up but drawn on, past the footer and the paper's edge.
    pages = _compile(tmp_path, INTRO + "#block(breakable: false)[#lorem(1500)]\n")
    off = layout.runs_off_the_printable_area(pages, 10)
    assert off and all(run.box[3] > pages[-1].height - 10 for run in off)
    assert layout.runs_outside_the_body(pages, layout.template_margins(MARGINS), layout.page_furniture(NOTICE))
    assert "Lorem" not in layout.reading_text(pages)[-200:]  # what the paper does not show is not read


def test_a_long_table_that_breaks_across_pages_passes(tmp_path):
    rows = _rows(90)
    source = INTRO + "#show figure: set block(breakable: true)\n" + f"#figure({_typst_table(rows)}, caption: [Areas])\n"
    pages = _compile(tmp_path, source)
    assert len(pages) >= 3
    assert _checks(pages, rows) == {"off paper": [], "outside body": [], "overlapping": [], "missing rows": []}


def test_a_table_just_longer_than_its_page_runs_into_the_footer(tmp_path):
    # Still on the paper, but the last rows sit where the page number is: the body check finds them, and
    # the page number and the last rows are drawn over each other.
    rows = _rows(44)
    pages = _compile(tmp_path, f"#figure({_typst_table(rows)}, caption: [Areas])\n")
    found = _checks(pages, rows)
    assert not found["off paper"]
    assert found["outside body"]
    bottom = pages[0].height - layout.template_margins(MARGINS)[1]
    assert all(run.box[3] > bottom for run in found["outside body"])


def test_lines_drawn_over_each_other_are_found(tmp_path):
    source = ("#place(top + left, dy: 2cm)[The first line of text, drawn here.]\n"
              "#place(top + left, dy: 2.1cm)[Another line, placed almost on it.]\n")
    pairs = layout.overlapping_runs(_compile(tmp_path, source))
    assert len(pairs) == 1
    first, second = pairs[0]
    assert "first line" in first.text and "Another line" in second.text


def test_rows_drawn_at_one_place_are_found(tmp_path):
    # The Midlands CCG table of issue 16: rows printed on top of each other at the foot of a page.
    rows = _rows(4)
    cells = "".join(f"#place(top + left, dy: 5cm)[{row[0]}, {row[1]}]\n" for row in rows[1:])
    pairs = layout.overlapping_runs(_compile(tmp_path, cells))
    assert len(pairs) == 6  # each of the four rows over each of the three others


def test_text_set_normally_does_not_overlap(tmp_path):
    # Paragraphs, a table, superscripts and accents over capitals: nothing drawn over anything.
    rows = _rows(12)
    source = (INTRO * 3 + "Café Ångström É#super[2] x#sub[i] and fi ligatures: office, affluent.\n\n"
              + f"#figure({_typst_table(rows)}, caption: [Areas])\n")
    assert layout.overlapping_runs(_compile(tmp_path, source)) == []


def test_rows_out_of_order_are_found(tmp_path):
    rows = _rows(6)
    printed = [rows[0], rows[1], rows[4], rows[2], rows[3], rows[5], rows[6]]
    pages = _compile(tmp_path, f"#figure({_typst_table(printed)}, caption: [Areas])\n")
    found = _checks(pages, rows)
    assert found["missing rows"] == [
        f"page.html: table of 7 rows starting {rows[0]}: row 5 {rows[4]} not found in order"]
    assert _checks(pages, printed)["missing rows"] == []


def test_a_row_left_out_is_found(tmp_path):
    rows = _rows(6)
    pages = _compile(tmp_path, f"#figure({_typst_table(rows[:3] + rows[4:])}, caption: [Areas])\n")
    found = _checks(pages, rows)["missing rows"]
    assert len(found) == 1 and "row 4" in found[0]


def test_wrapped_and_hyphenated_cells_still_match(tmp_path):
    # A narrow column wraps its cells over lines, with hyphens where Typst breaks a word.
    rows = [["Dataset", "Publisher"],
            ["Counts of patients registered at each general practice", "The Information Centre for Health"],
            ["Quality and Outcomes Framework achievement", "NHS Digital; Open Government Licence v3.0"]]
    source = ("#set text(hyphenate: true)\n#set par(justify: true)\n"
              f"#table(columns: (2.2cm, 2.6cm), {', '.join(f'[{c}]' for row in rows for c in row)})\n")
    pages = _compile(tmp_path, source)
    assert any(run.text.endswith("-") for run in pages[0].runs)  # the cells did wrap, a word hyphenated
    assert _checks(pages, rows)["missing rows"] == []


def test_the_page_furniture_is_allowed_but_nothing_else_in_the_margins(tmp_path):
    pages = _compile(tmp_path, INTRO + "#place(bottom + right, dy: 1.5cm)[Body text in the footer]\n")
    found = layout.runs_outside_the_body(pages, layout.template_margins(MARGINS), layout.page_furniture(NOTICE))
    assert [run.text.strip() for run in found] == ["Body text in the footer"]
    # Without the notice, the running header is not furniture either.
    found = layout.runs_outside_the_body(pages, layout.template_margins(MARGINS), layout.page_furniture(""))
    assert {run.text.strip() for run in found} == {NOTICE, "Body text in the footer"}


def test_text_past_the_right_margin_is_found(tmp_path):
    pages = _compile(tmp_path, "#box(width: 30cm)[#lorem(40)]\n")
    off = layout.runs_off_the_printable_area(pages, 10)
    assert off and all(run.box[2] > pages[0].width - 10 for run in off)


def test_template_margins_are_read_from_the_template():
    assert layout.template_margins('#set page(paper: "a4", margin: (x: 2.2cm, y: 2.5cm))') == pytest.approx(
        (2.2 * 72 / 2.54, 2.5 * 72 / 2.54))
    with pytest.raises(ValueError):
        layout.template_margins("#set page(paper: \"a4\")")


def test_squeeze_drops_what_line_breaking_changes():
    assert layout.squeeze("Open Govern- ment\u00a0Licence") == layout.squeeze("Open Government Licence")
    assert layout.squeeze("super-\npractices") == layout.squeeze("superpractices")
    assert layout.squeeze("\ufb01nance") == "finance"


def test_html_tables_leave_out_raw_website_only_tables_and_hidden_text():
    markup = ("<main><table data-quarto-disable-processing=\"true\"><tr><td>Only online</td></tr></table>"
              "<table><thead><tr><th>Name</th><th>N</th></tr></thead>"
              "<tbody><tr><td><a href=\"x.html\">Area  one</a><span hidden>secret</span></td><td>3</td></tr>"
              "<tr><td></td><td></td></tr></tbody></table></main>")
    assert layout.html_tables(markup) == [[["Name", "N"], ["Area one", "3"]]]


def test_a_word_wider_than_its_column_is_drawn_over_the_next_one(tmp_path):
    # Table B.1 of issue 16: "unversioned" in a narrow Release column ran into the checksum beside it.
    # pipe_table now widens a column to its longest word; with the old widths, the check finds the fault.
    import pandas as pd
    import pypandoc

    from pcnreport.report.tables import pipe_table

    long = "Office for National Statistics; Open Government Licence v3.0, a long publisher's name"
    table = pd.DataFrame({"Dataset": [f"LSOA to MSOA lookup, England ({n})" for n in range(3)],
                          "Publisher; licence": [long] * 3, "Release": ["unversioned", "2019", "2020-01"],
                          "SHA-256 (start): check": ["96d5969814fe: synthetic: matches the generator's record"] * 3})
    markdown = pipe_table(table)
    old = markdown.splitlines()
    old[1] = "|:" + "-" * 40 + "|:" + "-" * 40 + "|:" + "-" * 11 + "|:" + "-" * 40 + "|"
    for name, source in (("new", markdown), ("old", "\n".join(old) + "\n")):
        typst_source = "#set par(justify: true)\n#show table: set par(justify: false)\n" + pypandoc.convert_text(
            source, "typst", format="markdown")
        overlapping = layout.overlapping_runs(_compile(tmp_path, typst_source, name))
        if name == "new":
            assert overlapping == []
        else:
            assert [(a.text.strip(), b.text.strip()[:12]) for a, b in overlapping] == [("unversioned", "96d5969814fe")]
