"""Table fragments: escaped cells, alignment, and a CSV beside them."""

import pandas as pd
import pypandoc

from pcnreport.report import tables


def test_markup_in_a_name_is_shown_as_text():
    name = "<b>ACME</b> *PCN* | [x](http://e.x)"
    html = pypandoc.convert_text(tables.escape_markdown(name), "html", format="markdown")
    assert "<b>" not in html and "<em>" not in html and "<a " not in html
    assert "&lt;b&gt;ACME&lt;/b&gt;" in html and "*PCN*" in html and "[x](http://e.x)" in html


def test_pipe_table_renders_as_one_table_with_escaped_cells():
    table = pd.DataFrame({"PCN": ["A | B", "<script>alert(1)</script>"], "Patients": [31_000, 52_000]})
    html = pypandoc.convert_text(tables.pipe_table(table), "html", format="markdown")
    assert html.count("<tr") == 3  # header and two rows: the pipe in a name did not split a cell
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'style="text-align: right;"' in html  # numbers right-aligned


def test_save_table_writes_csv_and_fragment(tmp_path):
    shown = pd.DataFrame({"Band": ["under 30,000"], "PCNs": ["84"]})
    data = pd.DataFrame({"band": ["under"], "pcns": [84], "share": [0.0672]})
    paths = tables.save_table(shown, "tbl-x", tmp_path, data=data)
    assert paths["csv"].read_text() == "band,pcns,share\nunder,84,0.0672\n"
    fragment = paths["fragment"].read_text()
    assert "| Band | PCNs |" in fragment
    assert "../figures/tbl-x.csv" in fragment and 'when-format="html"' in fragment
