"""The pandoc + Typst renderer on a tiny Quarto book (tests/fixtures/minibook).

The fixture holds only hand-written sources; the files the notebooks generate for the real book
(_variables.yml, _generated/, figures/) are written here, which also keeps them out of git's way.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from pcnreport.core.errors import RenderError
from pcnreport.render import RenderResult, render_book

FIXTURE = Path(__file__).parents[1] / "fixtures" / "minibook"

VARIABLES = """\
sample:
  n_pcns: 42
regions:
  north: 20
  south: 22
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="80" height="40" fill="#005eb8"/></svg>\n'


def make_book(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest)
    (dest / "_variables.yml").write_text(VARIABLES)
    (dest / "_generated").mkdir()
    (dest / "_generated" / "data-notice.html").write_text('<p class="data-notice">SYNTHETIC DATA NOTICE</p>\n')
    (dest / "_generated" / "data-notice.typ").write_text(
        "#set page(header: align(right, text(size: 8pt)[SYNTHETIC DATA NOTICE]))\n"
    )
    (dest / "figures").mkdir()
    (dest / "figures" / "sizes.svg").write_text(SVG)
    (dest / "figures" / "mark.svg").write_text(SVG)  # used by a raw Typst block
    (dest / "figures" / "pcn-charts.js").write_text("/* charts */\n")
    return dest


def text_of(html: str) -> str:
    """Page text with tags dropped and non-breaking spaces read as spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> RenderResult:
    project = make_book(tmp_path_factory.mktemp("src") / "book")
    return render_book(project, tmp_path_factory.mktemp("out") / "site", renderer="pandoc+typst")


@pytest.fixture(scope="module")
def pages(rendered) -> dict[str, str]:
    root = rendered.site_index.parent
    return {p.relative_to(root).as_posix(): p.read_text() for p in rendered.pages}


@pytest.fixture(scope="module")
def pdf_text(rendered) -> str:
    reader = PdfReader(rendered.pdf)
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages)).replace("\u00a0", " ")


def test_result_and_pages_mirror_sources(rendered):
    out = rendered.site_index.parent
    assert rendered.renderer == "pandoc+typst"
    assert rendered.site_index == out / "index.html"
    assert rendered.pdf == out / "mini-report.pdf"
    assert sorted(p.relative_to(out).as_posix() for p in rendered.pages) == [
        "chapters/01-context.html", "chapters/02-results.html", "index.html", "references.html",
    ]
    assert all(p.is_file() for p in rendered.pages)
    # project.resources (figures/**) keep their paths, so ../figures/x.js from chapters/ resolves
    assert (out / "figures" / "pcn-charts.js").is_file()
    assert (out / "site_libs" / "pcn.css").is_file()


def test_chapters_numbered_like_quarto(pages):
    assert "1 Context" in text_of(pages["chapters/01-context.html"])
    results = text_of(pages["chapters/02-results.html"])
    assert "2 Results" in results and "2.1 Sizes" in results
    # index and {.unnumbered} chapters carry no number
    assert re.search(r"<h1[^>]*>Preface</h1>", pages["index.html"])
    assert re.search(r"<h1[^>]*>References</h1>", pages["references.html"])


def test_figure_div_numbered_with_raw_html_kept(pages):
    html = pages["chapters/02-results.html"]
    assert re.search(r'<figure id="fig-sizes"[^>]*aria-label="Bar chart of PCN list sizes"', html)
    assert "Figure 2.1: Registered list size of each PCN" in text_of(html)
    # raw HTML passes through untouched, scripts included
    assert '<script type="application/json" id="chart-sizes-spec">{"mark": "bar"}</script>' in html
    assert '<script src="../figures/pcn-charts.js"></script>' in html
    # the unless-format="html" image is for the PDF only
    assert "sizes.svg" not in html


def test_cross_references_link_across_pages(pages):
    context = pages["chapters/01-context.html"]
    assert re.search(r'<a href="02-results.html#fig-sizes"[^>]*>Figure\u00a02\.1</a>', context)
    assert re.search(r'<a href="#tbl-regions"[^>]*>Table\u00a01\.1</a>', context)
    assert "Table 1.1: PCNs by region" in text_of(context)
    results = pages["chapters/02-results.html"]
    assert re.search(r'<a href="01-context.html#tbl-regions"[^>]*>Table\u00a01\.1</a>', results)
    assert re.search(r'<a href="#fig-sizes"[^>]*>Figure\u00a02\.1</a>', results)


def test_section_references(pages, pdf_text):
    context = pages["chapters/01-context.html"]
    assert re.search(r'<a href="#sec-method"[^>]*>Section\u00a01\.1</a>', context)
    assert re.search(r'<a href="02-results.html#sec-results"[^>]*>Chapter\u00a02</a>', context)
    assert "Section 1.1 describes the method; Chapter 2 gives the results." in pdf_text


def test_raw_typst_only_in_pdf(pages, pdf_text):
    assert "Raw Typst block for the PDF" in pdf_text
    assert "Raw Typst block" not in pages["chapters/01-context.html"]


def test_shortcodes_expanded(pages):
    assert "This report covers 42 networks in Mini PCN report." in text_of(pages["index.html"])
    assert "North 20" in text_of(pages["chapters/01-context.html"])
    assert "{{<" not in "".join(pages.values())


def test_conditional_content_html(pages, pdf_text):
    context = text_of(pages["chapters/01-context.html"])
    assert "Only on the website." in context and "Only in the PDF." not in context
    assert "Only in the PDF." in pdf_text and "Only on the website." not in pdf_text


def test_citations_and_reference_list(pages):
    assert "(Baird and Reeve 2018)" in text_of(pages["chapters/01-context.html"])
    assert "(The King’s Fund 2020, 4)" in text_of(pages["chapters/02-results.html"])
    refs = pages["references.html"]
    assert 'id="ref-baird2018"' in refs and 'id="ref-kingsfund2020"' in refs  # cited on other pages
    assert 'id="ref-' not in pages["chapters/01-context.html"]  # one list, on the #refs page


def test_callouts(pages):
    index = pages["index.html"]
    assert re.search(r'class="callout callout-note"', index)
    assert "About the data" in text_of(index)
    assert re.search(r'class="callout callout-warning"[^>]*>\s*<div class="callout-title">\s*Synthetic',
                     pages["chapters/02-results.html"])


def test_page_furniture(pages):
    results = pages["chapters/02-results.html"]
    assert '<html lang="en">' in results
    assert "<title>2 Results – Mini PCN report</title>" in results.replace("\u00a0", " ")
    assert 'href="#main"' in results  # skip link
    assert re.search(r'<a href="02-results.html" aria-current="page">2\u00a0Results</a>', results)
    assert 'rel="prev" href="01-context.html"' in results and 'rel="next" href="../references.html"' in results
    assert 'media="print"' in results
    assert 'id="TOC"' in results
    for html in pages.values():
        assert "SYNTHETIC DATA NOTICE" in html  # format.html.include-before-body on every page


def test_no_requests_leave_the_site(pages):
    for name, html in pages.items():
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), f"{name}: external resource {tag}"


def test_pdf(rendered, pdf_text):
    reader = PdfReader(rendered.pdf)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == ["Contents", "List of Figures", "List of Tables", "Preface", "1 Context", "2 Results", "References"]
    for expected in ("Mini PCN report", "A fixture book", "Test Author", "Contents", "List of Figures", "List of Tables",
                     "Figure 2.1: Registered list size of each PCN", "Table 1.1: PCNs by region",
                     "As Figure 2.1 shows", "(Baird and Reeve 2018)", "Primary Care Networks Explained"):
        assert expected in pdf_text, expected
    # format.typst.include-before-body sets a page header: on every page, the title page included
    assert all("SYNTHETIC DATA NOTICE" in p.extract_text() for p in reader.pages)
    assert reader.pages[-1].extract_text().strip().endswith(str(len(reader.pages)))  # page numbers


@pytest.mark.parametrize("image, chapter", [("sizes.svg", "02-results"), ("mark.svg", "01-context")])
def test_pdf_images_resolve_from_the_chapter(tmp_path, image, chapter):
    # Paths are written relative to the chapter (here from an included fragment, and in a raw Typst
    # block): a missing file is reported with that path, proving it was resolved from chapters/.
    project = make_book(tmp_path / "book")
    (project / "figures" / image).unlink()
    with pytest.raises(RenderError, match=rf"'chapters/{chapter}.qmd': image '\.\./figures/{image}' does not exist"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_writes_only_in_out_dir(tmp_path):
    project = make_book(tmp_path / "book")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    render_book(project, tmp_path / "out", renderer="pandoc+typst")
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def _edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_unsupported_shortcode_names_file_and_line(tmp_path):
    project = make_book(tmp_path / "book")
    _edit(project, "chapters/01-context.qmd", "distribution;", "distribution;\n{{< video https://x.test/v >}}")
    with pytest.raises(RenderError, match=r"'chapters/01-context.qmd', line 5: the pandoc path does not support shortcode 'video'"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_unknown_variable_names_key_file_and_line(tmp_path):
    project = make_book(tmp_path / "book")
    _edit(project, "chapters/_chart-fragment.qmd", "Registered", "{{< var sample.missing >}} Registered")
    with pytest.raises(RenderError, match=r"'chapters/_chart-fragment.qmd', line \d+: unknown variable 'sample.missing'"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_unknown_cross_reference(tmp_path):
    project = make_book(tmp_path / "book")
    _edit(project, "chapters/02-results.qmd", "As @fig-sizes", "As @fig-nothere")
    with pytest.raises(RenderError, match=r"'chapters/02-results.qmd', line 7: unknown cross-reference @fig-nothere"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_missing_citation_key(tmp_path):
    project = make_book(tmp_path / "book")
    _edit(project, "chapters/01-context.qmd", "[@baird2018]", "[@nobody1999]")
    with pytest.raises(RenderError, match="nobody1999"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_typst_failure_is_a_render_error(tmp_path):
    project = make_book(tmp_path / "book")
    _edit(project, "chapters/01-context.qmd", "#text(fill", "#nosuchfunction(1)\n#text(fill")
    with pytest.raises(RenderError, match=r"mini-report.pdf.*Typst failed.*nosuchfunction"):
        render_book(project, tmp_path / "out", renderer="pandoc+typst")


def test_include_cycle_and_escaped_shortcode(tmp_path):
    from pcnreport.render.shortcodes import ShortcodeExpander

    (tmp_path / "a.qmd").write_text("A {{{< var x >}}}\n{{< include /b.qmd >}}\n")
    (tmp_path / "b.qmd").write_text("B {{< include a.qmd >}}\n")
    expander = ShortcodeExpander(tmp_path, {"x": 1}, {})
    with pytest.raises(RenderError, match=r"'b.qmd', line 1: include 'a.qmd' includes itself"):
        expander.expand_file(tmp_path / "a.qmd")
    (tmp_path / "b.qmd").write_text("B {{< var x >}}\n")
    assert expander.expand_file(tmp_path / "a.qmd") == "A {{< var x >}}\nB 1\n\n"


def test_unknown_renderer(tmp_path):
    with pytest.raises(RenderError, match="unknown renderer"):
        render_book(tmp_path, tmp_path / "out", renderer="latex")


def test_conditional_content_on_metadata(tmp_path):
    """`when-meta`/`unless-meta` read _quarto.yml's `metadata-files`, as Quarto does."""
    project = make_book(tmp_path / "book")
    config = project / "_quarto.yml"
    config.write_text(config.read_text() + "\nmetadata-files:\n  - _generated/availability.yml\n")
    (project / "_generated" / "availability.yml").write_text("shown-available: true\nhidden-available: false\n")
    chapter = project / "chapters" / "01-context.qmd"
    chapter.write_text(
        chapter.read_text()
        + '\n::: {.content-visible when-meta="shown-available"}\nMETA-SHOWN-TEXT\n:::\n'
        + '\n::: {.content-visible when-meta="hidden-available"}\nMETA-HIDDEN-TEXT\n:::\n'
        + '\n::: {.content-hidden when-meta="hidden-available"}\nMETA-FALLBACK-TEXT\n:::\n'
    )
    result = render_book(project, tmp_path / "site", renderer="pandoc+typst")
    html = (tmp_path / "site" / "chapters" / "01-context.html").read_text()
    pdf = " ".join(page.extract_text() for page in PdfReader(result.pdf).pages)
    for output in (html, pdf):
        assert "META-SHOWN-TEXT" in output and "META-FALLBACK-TEXT" in output
        assert "META-HIDDEN-TEXT" not in output


def test_numbers_of_a_section_without_data_expand_to_a_marker(tmp_path):
    """A section marked unavailable has no numbers; its (hidden) text must still expand."""
    project = make_book(tmp_path / "book")
    (project / "_variables.yml").write_text(VARIABLES + "ventures:\n  available: false\n")
    chapter = project / "chapters" / "01-context.qmd"
    chapter.write_text(chapter.read_text() + "\nShare: {{< var ventures.together_pct >}}.\n")
    render_book(project, tmp_path / "site", renderer="pandoc+typst")
    assert "Share: (not available)." in text_of((tmp_path / "site" / "chapters" / "01-context.html").read_text())
    # With the section's data present, an unknown key is still an error (a typo, not missing data).
    (project / "_variables.yml").write_text(VARIABLES + "ventures:\n  available: true\n")
    with pytest.raises(RenderError, match=r"ventures.together_pct"):
        render_book(project, tmp_path / "site2", renderer="pandoc+typst")


def test_site_links_resolve_and_pages_are_searchable(rendered, pages):
    from pcnreport.build.checks import site_link_problems

    out = rendered.site_index.parent
    assert site_link_problems(out) == []
    index = (out / "site_libs" / "search-index.js").read_text()
    assert '"page":"chapters/02-results.html","anchor":"sec-results"' in index
    assert '"heading":"2.1 Sizes"' in index
    for name in ("search.js", "minisearch.js", "minisearch-LICENSE.txt"):
        assert (out / "site_libs" / name).is_file()
    for html in pages.values():
        assert '<script src="' in html and 'site_libs/search.js" defer></script>' in html
        assert re.search(r'<form id="search"[^>]*role="search"', html)
        assert '<label for="search-input">' in html


def test_pdf_lists_figures_and_tables_after_the_contents(pdf_text):
    contents = pdf_text.index("Contents")
    figures, tables = pdf_text.index("List of Figures"), pdf_text.index("List of Tables")
    assert contents < figures < tables < pdf_text.index("This report covers")
    assert "Figure 2.1: Registered list size of each PCN" in pdf_text[figures:tables]
    assert "Table 1.1: PCNs by region" in pdf_text[tables:]


def test_appendices_are_lettered(tmp_path):
    project = make_book(tmp_path / "book")
    (project / "appendix.qmd").write_text("# Data sources {#sec-sources}\n\nSee @sec-results.\n\n## Files\n")
    _edit(project, "_quarto.yml", "    - references.qmd\n", "    - references.qmd\n  appendices:\n    - appendix.qmd\n")
    _edit(project, "chapters/02-results.qmd", "sizes differ", "sizes differ (@sec-sources)")
    result = render_book(project, tmp_path / "site", renderer="pandoc+typst")
    html = (tmp_path / "site" / "appendix.html").read_text()
    assert "A Data sources" in text_of(html) and "A.1 Files" in text_of(html)
    results = (tmp_path / "site" / "chapters" / "02-results.html").read_text()
    assert re.search(r'<a href="../appendix.html#sec-sources"[^>]*>Appendix\u00a0A</a>', results)
    titles = [item.title for item in PdfReader(result.pdf).outline if not isinstance(item, list)]
    assert titles[-1] == "A Data sources"


def test_generated_appendices_and_website_only_pages(tmp_path):
    """A metadata file appends appendices (as Quarto merges project configuration); a page that
    `project.render` lists but no chapter list names is rendered into the website only."""
    project = make_book(tmp_path / "book")
    (project / "areas").mkdir()
    (project / "areas" / "index.qmd").write_text("# Areas {.unnumbered}\n\n[North](north.html) and [South](south.html).\n")
    (project / "areas" / "north.qmd").write_text("# North region {#north .unnumbered}\n\nNORTH PROFILE TEXT\n")
    (project / "areas" / "south.qmd").write_text("# South town {#south .unnumbered}\n\nSOUTH PROFILE TEXT\n")
    (project / "_generated" / "areas.yml").write_text("book:\n  appendices:\n    - areas/index.qmd\n    - areas/north.qmd\n")
    _edit(project, "_quarto.yml", "  output-dir: _book\n",
          "  output-dir: _book\n  render:\n    - index.qmd\n    - chapters/*.qmd\n    - references.qmd\n    - areas/*.qmd\n")
    _edit(project, "_quarto.yml", "bibliography: references.bib\n",
          "bibliography: references.bib\n\nmetadata-files:\n  - _generated/areas.yml\n")
    result = render_book(project, tmp_path / "site", renderer="pandoc+typst")
    site = tmp_path / "site"
    south = (site / "areas" / "south.html").read_text()
    assert "SOUTH PROFILE TEXT" in south
    assert 'class="prev"' not in south and 'class="next"' not in south  # no place in the reading order
    north = (site / "areas" / "north.html").read_text()
    sidebar = north[north.index('<nav aria-label="Chapters">'):north.index("</nav>", north.index('<nav aria-label="Chapters">'))]
    assert "North region" in sidebar and "South town" not in sidebar
    assert 'class="prev"' in north
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(result.pdf).pages))
    assert "NORTH PROFILE TEXT" in pdf and "SOUTH PROFILE TEXT" not in pdf
    search = (site / "site_libs" / "search-index.js").read_text()
    assert "SOUTH PROFILE TEXT" in search and "NORTH PROFILE TEXT" in search


def test_render_cache_converts_only_what_changed_and_gives_the_same_site(tmp_path, monkeypatch):
    from pcnreport.render import pandoc_cache

    project = make_book(tmp_path / "book")
    cache_dir = tmp_path / "cache"
    caches = []
    original = pandoc_cache.PandocCache

    def tracked(folder, refresh=False):
        caches.append(original(folder, refresh))
        return caches[-1]

    monkeypatch.setattr(pandoc_cache, "PandocCache", tracked)
    monkeypatch.setattr("pcnreport.render.pandoc_path.PandocCache", tracked)
    plain = render_book(project, tmp_path / "plain", renderer="pandoc+typst")
    first = render_book(project, tmp_path / "first", renderer="pandoc+typst", cache_dir=cache_dir)
    assert caches[-1].hits == 0 and caches[-1].misses > 0
    for page in plain.pages:
        rel = page.relative_to(tmp_path / "plain")
        assert (tmp_path / "first" / rel).read_text() == page.read_text()
    entries = len(list(cache_dir.glob("*.json")))
    again = render_book(project, tmp_path / "again", renderer="pandoc+typst", cache_dir=cache_dir)
    assert caches[-1].misses == 0 and caches[-1].hits == entries
    assert [p.read_text() for p in again.pages] == [p.read_text() for p in first.pages]
    # One chapter's text: its parse, its page and the PDF's Typst source are converted again.
    _edit(project, "chapters/01-context.qmd", "\n## Method", "\nAn added sentence.\n\n## Method")
    edited = render_book(project, tmp_path / "edited", renderer="pandoc+typst", cache_dir=cache_dir)
    assert caches[-1].misses == 3
    assert "An added sentence." in (tmp_path / "edited" / "chapters" / "01-context.html").read_text()
    assert len(list(cache_dir.glob("*.json"))) == entries  # the three stale entries were pruned
    assert edited.pdf.is_file()


def test_render_cache_refresh_converts_everything_and_keeps_the_answers(tmp_path):
    from pcnreport.render.pandoc_cache import PandocCache

    project = make_book(tmp_path / "book")
    render_book(project, tmp_path / "a", renderer="pandoc+typst", cache_dir=tmp_path / "cache")
    entries = sorted(p.name for p in (tmp_path / "cache").glob("*.json"))
    cache = PandocCache(tmp_path / "cache", refresh=True)
    args = ["--from", "markdown", "--to", "json"]
    cache.run(args, "# A page\n", "x")
    cache.run(args, "# A page\n", "x")
    assert cache.hits == 0 and cache.misses == 2
    assert PandocCache(tmp_path / "cache").run(args, "# A page\n", "x") == cache.run(args, "# A page\n", "x")
    assert len(entries) > 0


def test_caption_words_for_each_output(tmp_path):
    """A figure's caption can say one thing on the website and another in print: spans marked
    `when-format="html"` / `unless-format="html"` inside the caption, with shortcodes in them."""
    project = make_book(tmp_path / "book")
    chapter = project / "chapters" / "01-context.qmd"
    chapter.write_text(
        chapter.read_text()
        + "\n::: {#fig-spans}\n![](../figures/mark.svg)\n\n"
        + "A map of the networks. [Hover over an area for its networks.]{.content-visible when-format=\"html\"}\n"
        + "[The interactive map is at {{< var sample.n_pcns >}}/map.html.]{.content-visible unless-format=\"html\"}\n"
        + ":::\n"
    )
    result = render_book(project, tmp_path / "site", renderer="pandoc+typst")
    html = text_of((tmp_path / "site" / "chapters" / "01-context.html").read_text())
    pdf = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(result.pdf).pages))
    assert "Figure 1.1: A map of the networks. Hover over an area for its networks." in html
    assert "interactive map is at" not in html
    assert "A map of the networks. The interactive map is at 42/map.html." in pdf
    assert "Hover" not in pdf
