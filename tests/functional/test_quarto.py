"""The Quarto path, end to end: the synthetic sample built with Quarto and with pandoc + Typst, and the two
sites compared page by page (the same pages, the same numbers in each page's text) and PDF with PDF.

Quarto comes from ../shared/tools/quarto (1.9.38, built from its public source), installed once into a
cache outside the clone (~/.cache/quarto-1.9.38, or $PCNREPORT_QUARTO_HOME); without that folder, a
`quarto` 1.9.38 on PATH. Without either the tests skip, saying why; in CI (PCNREPORT_REQUIRE_QUARTO=1,
set by .ci/run) they fail instead.

One project is built once for the module: first with pandoc + Typst (its _book/ is set aside), then
with Quarto, which reruns only the variables and render steps (the renderer is in their keys).
"""

from __future__ import annotations

import collections
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from pcnreport.build.pipeline import BuildOptions, build

REPO_ROOT = Path(__file__).resolve().parents[2]
QUARTO_TOOL = REPO_ROOT.parent / "shared" / "tools" / "quarto"
QUARTO_VERSION = "1.9.38"
# Published by one renderer only, by design: each renderer's own scripts and styles, and its search index.
# Each renderer's own furniture. Quarto writes a sitemap (and a robots.txt naming it) because the book
# has a site-url; checked on its own below.
RENDERER_FILES = re.compile(r"^(site_libs/|search\.json$|\.build-key\.json$|sitemap\.xml$|robots\.txt$)")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _required() -> bool:
    return os.environ.get("PCNREPORT_REQUIRE_QUARTO", "") not in ("", "0")


@pytest.fixture(scope="module")
def quarto_bin() -> Path:
    """The folder holding the `quarto` launcher, installed on first use (about 15 s, 400 MB)."""
    install = QUARTO_TOOL / "install"
    if not install.is_file():
        # A release of the same version on PATH (the workflows' setup action installs one) serves as well.
        on_path = shutil.which("quarto")
        if on_path and _version(Path(on_path)) == QUARTO_VERSION:
            return Path(on_path).parent
        if _required():
            pytest.fail(f"PCNREPORT_REQUIRE_QUARTO is set but {QUARTO_TOOL} is absent")
        pytest.skip(f"{QUARTO_TOOL} is absent: the Quarto test tool is not part of a user's clone")
    home = Path(os.environ.get("PCNREPORT_QUARTO_HOME") or Path.home() / ".cache" / f"quarto-{QUARTO_VERSION}")
    # The installer does nothing when everything is in place, so calling it each run is cheap and repairs a
    # half-made cache. It prints the launcher's path.
    done = subprocess.run(["bash", str(install), str(home)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"installing Quarto into {home} failed:\n{done.stderr[-3000:]}"
    launcher = Path(done.stdout.strip().splitlines()[-1])
    assert _version(launcher) == QUARTO_VERSION
    return launcher.parent


def _version(quarto: Path) -> str:
    return subprocess.run([str(quarto), "--version"], capture_output=True, text=True, check=False).stdout.strip()


def _source_digest(project: Path) -> dict[str, str]:
    """A digest of every source file a render must not touch: what the committed .gitignore leaves out is
    the build's (outputs, caches, _variables.yml) and Quarto's (.quarto/)."""
    skip = ("_book", "_build", ".cache", ".quarto", "figures", "_generated", "profiles", "_variables.yml")
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(project.rglob("*")) if p.is_file() and p.relative_to(project).parts[0] not in skip}


@pytest.fixture(scope="module")
def both_builds(quarto_bin, project_copy, tmp_path_factory):
    """(project, the pandoc + Typst _book, the Quarto _book, the Quarto build's result, sources before and after)."""
    root = tmp_path_factory.mktemp("quarto")
    project = project_copy(root / "pcn-report")
    build(BuildOptions(project_dir=project, renderer="pandoc+typst"))
    # Moved, not copied: with no published site beside it, the Quarto build is a first build too, and its
    # "What changed" appendix says the same as the fallback's.
    fallback = root / "fallback-book"
    shutil.move(project / "_book", fallback)
    before = _source_digest(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{quarto_bin}{os.pathsep}{os.environ.get('PATH', '')}")
        result = build(BuildOptions(project_dir=project, renderer="quarto"))
    return project, fallback, project / "_book", result, before, _source_digest(project)


def published_files(book: Path) -> set[str]:
    return {p.relative_to(book).as_posix() for p in book.rglob("*")
            if p.is_file() and not RENDERER_FILES.match(p.relative_to(book).as_posix())}


class _MainText(html.parser.HTMLParser):
    """The text a reader gets from a page's <main> (both renderers put the page's own content there).

    Left out: scripts and styles; navigation (breadcrumbs, previous/next: each renderer's furniture);
    hidden elements (Quarto keeps a hidden copy of the bibliography on each page, for citation
    tooltips); the data notice (checked on its own); the author and date under the title of Quarto's
    home page (the fallback's home page has no title block; the PDF's title page carries both). Cross-reference links are collected by target,
    not by text: from an unnumbered chapter Quarto prints the target's title, not its number.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skipping: list[int] = []  # the depths at which a left-out element opened
        self.parts: list[str] = []
        self.xrefs: list[str] = []

    def _left_out(self, tag: str, attrs: dict) -> bool:
        classes = (attrs.get("class") or "").split()
        return (tag in ("script", "style", "template", "nav") or "hidden" in attrs
                or "display: none" in (attrs.get("style") or "") or "data-notice" in classes
                or "quarto-title-meta" in classes
                or (tag == "a" and "quarto-xref" in classes))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main" or self.depth:
            if tag in _VOID:
                return
            self.depth += 1
            if not self.skipping and self._left_out(tag, attrs):
                self.skipping.append(self.depth)
                if tag == "a":
                    self.xrefs.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if self.depth and tag not in _VOID:
            if self.skipping and self.skipping[-1] == self.depth:
                self.skipping.pop()
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skipping:
            self.parts.append(data)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def read_page(path: Path) -> _MainText:
    parser = _MainText()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def page_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(read_page(path).parts).replace("\u00a0", " "))


def numbers_in(text: str) -> collections.Counter:
    return collections.Counter(NUMBER.findall(text))


def number_differences(fallback: Path, quarto: Path) -> dict[str, tuple[dict, dict]]:
    """For each page whose numbers differ: (numbers only the fallback prints, numbers only Quarto prints)."""
    out = {}
    for page in sorted(p.relative_to(fallback) for p in fallback.rglob("*.html")
                       if not RENDERER_FILES.match(p.relative_to(fallback).as_posix())):
        ours, theirs = numbers_in(page_text(fallback / page)), numbers_in(page_text(quarto / page))
        if ours != theirs:
            out[page.as_posix()] = (dict(ours - theirs), dict(theirs - ours))
    return out


def pdf_text(path: Path) -> list[str]:
    return [re.sub(r"\s+", " ", (page.extract_text() or "").replace("\u00a0", " ")) for page in PdfReader(str(path)).pages]


# --- the tests ------------------------------------------------------------------------------------------


def test_quarto_build_publishes_every_page_and_file_the_fallback_does(both_builds):
    _, fallback, quarto, result, _, _ = both_builds
    assert result.renderer == "quarto"
    assert (quarto / "pcn-report.pdf").is_file()
    assert published_files(quarto) == published_files(fallback)
    # The area profiles of every type, the profiles' index, the executed notebooks and the CSV downloads
    # are among them: the set above is not just the chapters.
    files = published_files(quarto)
    for kind in ("profiles/index.html", "profiles/region-", "profiles/ccg-", "notebooks/profiles/", "figures/"):
        assert any(f.startswith(kind) for f in files), kind
    # Only the current downloads: no stale copy from _book/ or the build cache nested inside the site.
    assert not [f for f in files if f.count("figures/") > 1 or "_build/" in f or "_book/" in f]
    assert (quarto / "search.json").is_file()  # Quarto's own search
    # ...which also finds every page of the PCN directory by its name and code (`pcn_site.add_to_search`).
    searched = {doc["href"] for doc in json.loads((quarto / "search.json").read_text(encoding="utf-8"))}
    pcn_pages = {f"pcns/{p.name}" for p in (quarto / "pcns").glob("U*.html")}
    assert pcn_pages and pcn_pages <= searched
    # The sitemap gives search engines every chapter at the published address (book.site-url).
    sitemap = (quarto / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://pcn-report.github.io/pcn-report/chapters/06-pcn-characteristics.html" in sitemap


def test_quarto_and_fallback_pages_print_the_same_numbers(both_builds):
    _, fallback, quarto, _, _, _ = both_builds
    # The one intended difference: the provenance appendix names the renderer that made the book.
    expected = {"chapters/data-and-methods.html": ({}, dict(numbers_in(f"Quarto {QUARTO_VERSION}")))}
    assert number_differences(fallback, quarto) == expected


def test_quarto_and_fallback_cross_references_lead_to_the_same_places(both_builds):
    _, fallback, quarto, _, _, _ = both_builds
    for page in ("chapters/00-executive-summary.html", "chapters/06-pcn-characteristics.html", "index.html"):
        ours, theirs = read_page(fallback / page).xrefs, read_page(quarto / page).xrefs
        # The same pages in the same order; Quarto leaves out the fragment of a link to a chapter's title.
        assert ours and [h.split("#")[0] for h in ours] == [h.split("#")[0] for h in theirs], page
        assert {h for h in theirs if "#" in h} <= set(ours), page


def test_every_quarto_page_carries_the_data_notice_as_a_banner(both_builds):
    _, _, quarto, _, _, _ = both_builds
    for page in ("index.html", "chapters/06-pcn-characteristics.html", "profiles/ccg-Z0A.html"):
        markup = (quarto / page).read_text(encoding="utf-8")
        # A div: Quarto sets an <aside> in the right margin, beside the contents, not across the page.
        assert re.search(r'<div class="data-notice data-notice-synthetic" role="note"', markup), page
        assert '<aside class="data-notice' not in markup


def test_quarto_pdf_matches_the_fallback_pdf(both_builds):
    project, fallback, quarto, _, _, _ = both_builds
    ours, theirs = pdf_text(fallback / "pcn-report.pdf"), pdf_text(quarto / "pcn-report.pdf")
    notice = "Synthetic data."
    # No page left blank by the template (orange-book starts chapters on right-hand pages): every page
    # holds more than the notice in its header and its page number.
    for i, page in enumerate(theirs, 1):
        body = re.sub(r"^.*?seed \d+\.", "", page) if notice in page else page
        assert len(re.sub(r"[\s\d]", "", body)) > 20, f"page {i} of Quarto's PDF is blank"
    assert abs(len(theirs) - len(ours)) <= 0.1 * len(ours)
    # A title page naming the edition ("Edition 0.2.0, 7 December 2026"), as the fallback's.
    edition = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))["edition"]["line"]
    assert edition in " ".join(ours[0].split()) and edition in " ".join(theirs[0].split())
    whole_ours, whole_theirs = " ".join(ours), " ".join(theirs)
    # Author-date citations into one References section, not Typst's numeric "Bibliography".
    assert "Bibliography" not in whole_theirs
    assert re.search(r"\(Ahrne and Brunsson 2008\)", whole_theirs)
    assert whole_theirs.count("References") == whole_ours.count("References")
    # The same numbers: each the fallback prints is printed by Quarto's PDF too, except page numbers
    # past the end of Quarto's (shorter) PDF; Quarto adds only its own version in the provenance.
    numbers_ours, numbers_theirs = set(NUMBER.findall(whole_ours)), set(NUMBER.findall(whole_theirs))
    assert numbers_ours - numbers_theirs <= {str(n) for n in range(len(theirs) + 1, len(ours) + 1)}
    assert numbers_theirs - numbers_ours <= set(numbers_in(f"Quarto {QUARTO_VERSION}"))


def test_quarto_pdf_loses_no_table_row_and_draws_no_text_astray(both_builds):
    # Issue 16's layout checks (tests/pdf_layout.py) on Quarto's PDF: every row of every table in print
    # readable in order (from Quarto's own HTML pages), no text off the paper or in the margins but the
    # running header and page number, no line over another. The margins are those of Quarto's frame.
    import pdf_layout

    project, _, quarto, _, _, _ = both_builds
    problems = pdf_layout.book_layout_problems(project, quarto, quarto / "pcn-report.pdf",
                                               REPO_ROOT / "_typst" / "typst-show.typ")
    assert problems == {check: [] for check in problems}
    assert len(pdf_layout.book_tables(project, quarto)) >= 20  # the tables were found in Quarto's pages


def test_a_quarto_render_modifies_no_source(both_builds):
    project, _, _, _, before, after = both_builds
    assert after == before
    # Its scratch files stay where the committed .gitignore names them.
    assert not (project / "_quarto-website.yml").exists()
    gitignore = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/.quarto/" in gitignore and "**/*.quarto_ipynb" in gitignore


def test_the_workflows_pin_the_quarto_the_tests_render_with():
    # Needs no Quarto: a Quarto before 1.9 would publish a site without its PDF.
    for name in ("publish.yml", "report-preview.yml"):
        workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))
        setups = [step for job in workflow["jobs"].values() for step in job.get("steps", [])
                  if step.get("uses", "").startswith("quarto-dev/quarto-actions/setup@")]
        assert setups, name
        for step in setups:
            assert re.fullmatch(r"quarto-dev/quarto-actions/setup@[0-9a-f]{40}", step["uses"]), name
            assert str(step["with"]["version"]) == QUARTO_VERSION, name


def test_no_source_puts_an_ascii_apostrophe_after_a_shortcode():
    # Needs no Quarto. In a file that also holds an {{< include >}}, Quarto 1.9.38 reads `>}}'s ... {{<` as
    # one invalid shortcode and stops the render ("Invalid Shortcode"); the pandoc path does not mind, so
    # only this catches it early. Write the typographic apostrophe (pandoc prints ’ for ' anyway).
    sources = [REPO_ROOT / "index.qmd", REPO_ROOT / "references.qmd", *sorted((REPO_ROOT / "chapters").rglob("*.qmd"))]
    found = [f"{path.relative_to(REPO_ROOT)}:{n}" for path in sources
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if re.search(r">}}'", line)]
    assert not found, f"write >}}’ (typographic apostrophe), not >}}': {', '.join(found)}"


def test_the_website_profile_adds_the_website_only_pages_as_a_last_part():
    # Needs no Quarto: the configuration profile quarto_path writes for the website render.
    from pcnreport.render.quarto_path import WEBSITE_ONLY_PART, website_profile

    config = yaml.safe_load(website_profile(["profiles/ccg-00L.qmd", "profiles/ccg-00M.qmd"]))
    assert config["book"]["appendices"] == [
        {"part": WEBSITE_ONLY_PART, "chapters": ["profiles/ccg-00L.qmd", "profiles/ccg-00M.qmd"]}]
    assert "appendices" not in yaml.safe_load(website_profile([]))["book"]


@pytest.mark.browser
def test_quarto_site_works_in_the_browser(both_builds, chromium_path):
    """Quarto's pages load with no console error and no request off the machine, draw their charts,
    and the profiles' index filters its table (the raw table Quarto must leave alone)."""
    from local_server import serving, static_files
    from playwright.sync_api import sync_playwright
    from test_site_browser import open_page, wait_for_charts

    _, _, quarto, _, _, _ = both_builds
    pages = ["index.html", "chapters/04-commissioning-contracting.html", "chapters/06-pcn-characteristics.html",
             "profiles/index.html", "profiles/ccg-Z0A.html"]
    with serving(static_files(quarto)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox", "--disable-gpu"])
        try:
            for rel in pages:
                page, errors, outside = open_page(browser, f"{url}/{rel}")
                wait_for_charts(page)
                if rel == "profiles/index.html":
                    total = page.locator("#profile-list tbody tr").count()
                    page.get_by_label("Filter the areas by name, type or code").fill("Z0A")
                    assert page.locator("#profile-list tbody tr:visible").count() == 1
                    assert page.locator("#profile-filter-status").inner_text() == f"1 of {total} areas shown"
                assert errors == [], f"{rel}: console errors"
                assert outside == [], f"{rel}: requests leaving 127.0.0.1"
                page.close()
        finally:
            browser.close()
