"""The search index the pandoc path writes, and the vendored search library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pcnreport.render import search

REPO_ROOT = Path(__file__).resolve().parents[2]

PAGE = """<!DOCTYPE html><html lang="en"><head><title>x</title><script>var inHead = 1;</script></head><body>
<aside class="sidebar"><nav>Chapters list</nav></aside>
<main id="main">
<h1 id="sec-ch"><span class="chapter-number">4</span> Commissioning &amp; contracting</h1>
<p>Intro text about the Network&nbsp;Contract.</p>
<h2 id="sec-a"><span>4.1</span> Contracts</h2>
<p>The DES <em>contract</em> pays £1.50 per patient.</p>
<script type="application/json">{"spec": "not text"}</script>
<figure id="fig-x"><img src="a.png" alt="alt"><figcaption>Figure 4.1: A map</figcaption></figure>
<h4>Minor heading</h4><p>still section a</p>
<h2>No id</h2><p>after a heading without id</p>
<nav class="page-nav"><a href="x.html">Next chapter</a></nav>
</main>
<nav id="TOC"><h2>On this page</h2></nav>
</body></html>"""


def test_sections_of_a_page():
    sections = search.page_sections(PAGE, "chapters/04-x.html", "4 Commissioning & contracting")
    assert [(s.anchor, s.heading) for s in sections] == [
        ("sec-ch", "4 Commissioning & contracting"), ("sec-a", "4.1 Contracts"),
    ]
    first, second = sections
    assert first.text == "Intro text about the Network Contract."
    assert "£1.50 per patient" in second.text and "Figure 4.1: A map" in second.text
    assert "Minor heading still section a" in second.text
    assert "No id after a heading without id" in second.text  # a heading without an id stays in its section
    for s in sections:  # scripts, navigation and text outside <main> are not searchable
        assert not re.search(r"spec|Next chapter|Chapters list|On this page|inHead", s.text + s.heading)
    assert [s.id for s in sections] == [0, 1] and {s.page for s in sections} == {"chapters/04-x.html"}


def test_text_before_the_first_heading_links_to_the_top_of_the_page():
    sections = search.page_sections("<main><p>Lead paragraph.</p><h2 id='s'>S</h2><p>b</p></main>", "p.html", "P", 7)
    assert [(s.id, s.anchor, s.heading, s.text) for s in sections] == [(7, "", "P", "Lead paragraph."), (8, "s", "S", "b")]


def test_index_script_is_inert_in_html_and_round_trips():
    sections = [search.Section(0, "a.html", "a", "A", "A", "x </script> \u2028 y")]
    script = search.index_script(sections)
    assert "</script" not in script and "\u2028" not in script
    data = json.loads(script.split("=", 1)[1].strip().rstrip(";"))
    assert data[0]["text"] == "x </script> \u2028 y"


def test_write_search_ships_library_licence_and_index(tmp_path):
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters" / "04-x.html"
    page.write_text(PAGE)
    index = search.write_search(tmp_path, "site_libs", [(page, "4 Commissioning")])
    assert index == tmp_path / "site_libs" / "search-index.js"
    for name in ("minisearch.js", "minisearch-LICENSE.txt", "search.js"):
        assert (tmp_path / "site_libs" / name).is_file()
    assert '"page":"chapters/04-x.html","anchor":"sec-a"' in index.read_text()


def test_vendored_minisearch_is_the_locked_npm_package():
    """assets/minisearch.js is npm's minisearch at the version package-lock.json pins.

    To update: change the version in package.json, `npm install`, then copy
    node_modules/minisearch/dist/umd/index.js (less its sourceMappingURL line) and LICENSE.txt into
    src/pcnreport/render/assets/ as minisearch.js and minisearch-LICENSE.txt.
    """
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/minisearch"]["version"]
    assert json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["minisearch"] == locked
    package = REPO_ROOT / "node_modules" / "minisearch"
    if not package.is_dir():
        pytest.skip("node_modules is absent (npm ci): cannot compare the vendored copy with npm's")
    assert json.loads((package / "package.json").read_text())["version"] == locked
    upstream = re.sub(r"^//# sourceMappingURL=.*\n?", "", (package / "dist" / "umd" / "index.js").read_text(), flags=re.M)
    assert (search.ASSETS / "minisearch.js").read_text() == upstream
    assert (search.ASSETS / "minisearch-LICENSE.txt").read_text() == (package / "LICENSE.txt").read_text()
