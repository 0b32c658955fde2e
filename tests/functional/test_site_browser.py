"""The built site: links and structure read from the HTML files, then every page in a real headless
Chromium (Debian's, driven by Playwright; no browser download) with axe-core for accessibility.

axe-core comes from npm (`package.json`, `npm ci --no-audit --no-fund`, which `make test` runs when npm is
installed). Without node_modules the axe test is skipped with that reason, unless PCNREPORT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from local_server import serving, static_files

from pcnreport.build.checks import site_link_problems

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe's impact levels that fail the build; "moderate" and "minor" findings are printed, not failed.
FAILING_IMPACTS = ("serious", "critical")
# A phrase chapter 4 (commissioning and contracting) is certain to hold; the preface holds it too.
SEARCH_PHRASE = "Network Contract"

browser_test = pytest.mark.browser


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


@pytest.fixture(scope="module")
def book_dir(built_project) -> Path:
    project, _ = built_project
    return project / "_book"


@pytest.fixture(scope="module")
def all_pages(book_dir) -> list[str]:
    """Every page of the site, relative to its root ("index.html", "chapters/06-x.html", ...)."""
    pages = sorted(p.relative_to(book_dir).as_posix() for p in book_dir.rglob("*.html"))
    assert "index.html" in pages and len(pages) >= 3
    return pages


@pytest.fixture(scope="module")
def page_paths(all_pages, book_dir) -> list[str]:
    """The pages the browser opens: every page but the area profiles, of which the index, the first
    region and the first CCG. The 142 profiles come from one template (tests/unit/test_profiles.py checks
    what it writes); opening each in Chromium and axe would add minutes and find nothing new. The checks
    of the HTML files (links, headings, search index) still read every page."""
    profiles = [p for p in all_pages if p.startswith("profiles/")]
    sample = ["profiles/index.html"] + [next(p for p in profiles if p.startswith(f"profiles/{kind}-"))
                                        for kind in ("region", "ccg")]
    # The PCN directory likewise: its index, a region's list, and the page of a PCN that closed (the
    # fullest: a successor link, practices that left) and of one still open; about 1,400 pages share them.
    directory = [p for p in all_pages if p.startswith("pcns/")]
    if directory:
        records = json.loads((book_dir / "pcns" / "index.json").read_text(encoding="utf-8"))
        closed = next(r["code"] for r in records if r["status"].startswith("closed"))
        still = next(r["code"] for r in records if r["status"] == "open")
        sample += ["pcns/index.html", next(p for p in directory if p.startswith("pcns/region-")),
                   f"pcns/{closed}.html", f"pcns/{still}.html"]
    return [p for p in all_pages if not p.startswith(("profiles/", "pcns/"))] + sample


# --- the HTML files, without a browser -------------------------------------------------------------

def test_every_internal_link_and_anchor_resolves(book_dir):
    assert site_link_problems(book_dir) == []


class _Outline(html.parser.HTMLParser):
    """Heading levels in <main>, and every image or figure without a text alternative."""

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.levels: list[int] = []
        self.missing_alt: list[str] = []
        self.figures: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag == "figure":
            self.figures.append({"id": a.get("id"), "alt": bool(a.get("aria-label"))})
        if tag == "img":
            if not (a.get("alt") or "").strip():
                self.missing_alt.append(a.get("src", "?"))
            elif self.figures:
                self.figures[-1]["alt"] = True
        if a.get("role") == "img" and (a.get("aria-label") or "").strip() and self.figures:
            self.figures[-1]["alt"] = True

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False


def test_headings_in_order_and_every_figure_has_alternative_text(book_dir, all_pages):
    for rel in all_pages:
        outline = _Outline()
        outline.feed((book_dir / rel).read_text(encoding="utf-8"))
        assert outline.levels and outline.levels[0] == 1 and outline.levels.count(1) == 1, (rel, outline.levels)
        for before, after in zip(outline.levels, outline.levels[1:]):
            assert after <= before + 1, f"{rel}: heading level jumps from h{before} to h{after}"
        assert outline.missing_alt == [], f"{rel}: images without alt text"
        charts = [f["id"] for f in outline.figures if f["id"] and f["id"].startswith("fig-") and not f["alt"]]
        assert charts == [], f"{rel}: figures without alternative text"


def test_search_index_covers_every_page(book_dir, all_pages):
    index = (book_dir / "site_libs" / "search-index.js").read_text(encoding="utf-8")
    # The PCN directory's ~1,400 pages by name, code, ICB, region and status only (`pcn_site.add_to_search`):
    # their whole text would make the book's search file several times larger for every reader. Its index
    # and region pages are lists of those pages.
    for rel in [p for p in all_pages if not p.startswith(("pcns/index", "pcns/region-"))]:
        assert f'"page":"{rel}"' in index, f"{rel} is not in the search index"
    assert (book_dir / "site_libs" / "minisearch-LICENSE.txt").is_file()


# --- in the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_url(book_dir):
    with serving(static_files(book_dir)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        reason = ("axe-core is not installed: it comes from npm (run `npm ci --no-audit --no-fund` in the "
                  "project, which `make test` does when node and npm are installed)")
        if _required("PCNREPORT_REQUIRE_BROWSER"):
            pytest.fail(f"PCNREPORT_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def open_page(browser, url, viewport: dict | None = None):
    """Open `url`, recording console errors and every request that would leave the machine.
    `viewport`: the window's size in CSS pixels (Playwright's 1280 x 720 without it)."""
    page = browser.new_page(**({"viewport": viewport} if viewport else {}))
    errors, outside = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route):
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("file", "data") or parsed.hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    response = page.goto(url, wait_until="load")
    assert url.startswith("file:") or (response is not None and response.ok), url
    return page, errors, outside


def wait_for_charts(page) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.pcn-chart')].every(e => e.dataset.drawn === 'yes')",
        timeout=20_000,
    )


def search(page, query: str) -> list[str]:
    """Type `query` into the sidebar's search box; return the result links' hrefs."""
    page.fill("#search-input", query)
    page.wait_for_function(
        "q => document.getElementById('search-status').textContent.includes(q)", arg=query, timeout=10_000
    )
    return [a.get_attribute("href") for a in page.query_selector_all("#search-results a")]


@browser_test
def test_every_page_loads_without_errors_or_outside_requests(browser, site_url, page_paths):
    for rel in page_paths:
        page, errors, outside = open_page(browser, f"{site_url}/{rel}")
        wait_for_charts(page)
        assert errors == [], f"{rel}: console errors"
        assert outside == [], f"{rel}: requests leaving 127.0.0.1"
        page.close()


@browser_test
def test_chapter_charts_draw(browser, site_url):
    page, errors, outside = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html")
    # Figures 6.1 to 6.4 at least: each drawn as SVG by the local Vega bundle.
    page.wait_for_function(
        "() => { const c = document.querySelectorAll('.pcn-chart');"
        " return c.length >= 4 && [...c].every(e => e.dataset.drawn === 'yes'); }",
        timeout=20_000,
    )
    for chart in page.query_selector_all(".pcn-chart"):
        assert chart.query_selector("svg") is not None
        assert chart.get_attribute("aria-label")
    # The histogram has one bar per populated bin: a chart that drew nothing has none.
    assert page.locator("#chart-fig-pcn-population svg path[role='graphics-symbol'], "
                        "#chart-fig-pcn-population svg .mark-rect path").count() > 5
    assert errors == [] and outside == []
    page.close()


@browser_test
def test_index_links_to_the_chapter(browser, site_url):
    page, errors, outside = open_page(browser, f"{site_url}/index.html")
    assert "Synthetic data" in page.inner_text("body")
    page.click("main a[href*='06-pcn-characteristics.html']")
    page.wait_for_load_state("load")
    assert "06-pcn-characteristics.html" in page.url
    assert errors == [] and outside == []
    page.close()


@browser_test
def test_cross_reference_lands_on_its_figure(browser, site_url):
    page, errors, _ = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html")
    link = page.locator("main a.quarto-xref[href$='#fig-pcn-practices']").first
    label = link.inner_text()
    assert label.startswith("Figure")
    link.click()
    assert page.url.endswith("#fig-pcn-practices")
    figure = page.locator("#fig-pcn-practices")
    assert figure.is_visible()
    box = figure.bounding_box()
    assert box is not None and -2 <= box["y"] < page.viewport_size["height"], "the figure is not scrolled into view"
    assert label.replace("\xa0", " ") in figure.inner_text().replace("\xa0", " ")
    assert errors == []
    page.close()


def _expected_search_page(page_paths: list[str]) -> str:
    """Chapter 4 (commissioning and contracting) once it is in the book; until then the preface."""
    chapter4 = [p for p in page_paths if re.match(r"chapters/0?4-", p)]
    return chapter4[0] if chapter4 else "index.html"


@browser_test
def test_search_finds_a_phrase_and_its_result_opens_the_section(browser, site_url, page_paths):
    expected = _expected_search_page(page_paths)
    page, errors, outside = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html")
    hrefs = search(page, SEARCH_PHRASE)
    matching = [h for h in hrefs if urlparse(h).path.endswith("/" + expected)]
    assert matching, f"no result for {SEARCH_PHRASE!r} links to {expected}: {hrefs}"
    anchor = urlparse(matching[0]).fragment
    page.click(f"#search-results a[href='{matching[0]}']")
    page.wait_for_load_state("load")
    assert urlparse(page.url).path.endswith("/" + expected)
    if anchor:
        assert page.locator(f"[id='{anchor}']").count() == 1
    assert SEARCH_PHRASE.lower() in page.inner_text("main").lower()
    # A PCN's code finds its page in the directory.
    some = next(p for p in page_paths if p.startswith("pcns/U"))
    assert any(urlparse(h).path.endswith("/" + some) for h in search(page, some.removeprefix("pcns/").removesuffix(".html")))
    # A word in no page: the box says so rather than showing stale results.
    assert search(page, "xylophonequux") == []
    assert errors == [] and outside == []
    page.close()


@browser_test
def test_search_works_from_file_urls_and_under_a_sub_path(browser, book_dir, page_paths):
    expected = _expected_search_page(page_paths)
    # From the files themselves, as a reader who downloaded the site opens it.
    page, errors, _ = open_page(browser, (book_dir / "chapters" / "06-pcn-characteristics.html").as_uri())
    hrefs = search(page, SEARCH_PHRASE)
    assert any(h.startswith("file://") and urlparse(h).path.endswith("/" + expected) for h in hrefs), hrefs
    assert errors == []
    page.close()
    # Served below a sub-path (as on GitHub Pages: https://owner.github.io/pcn-report/).
    with serving(static_files(book_dir.parent)) as base:
        root = f"{base}/{book_dir.name}"
        page, errors, outside = open_page(browser, f"{root}/index.html")
        hrefs = search(page, SEARCH_PHRASE)
        assert any(h.startswith(root + "/" + expected) for h in hrefs), hrefs
        assert errors == [] and outside == []
        page.close()


@browser_test
def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser, site_url, page_paths, axe_source):
    failures, report = [], []
    for rel in page_paths:
        page, _, _ = open_page(browser, f"{site_url}/{rel}")
        wait_for_charts(page)  # charts are part of the page a reader sees
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({"
            " id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))"
        )
        for v in violations:
            line = f"{rel}: [{v['impact']}] {v['id']}: {v['help']} at {v['nodes']}"
            (failures if v["impact"] in FAILING_IMPACTS else report).append(line)
        page.close()
    if report:
        print("axe findings below 'serious':\n" + "\n".join(report))
    assert failures == [], "\n".join(failures)


@browser_test
def test_links_resolve_in_the_browser(browser, site_url, page_paths, book_dir):
    """Every same-site link as the browser resolves it: the page exists and holds the #anchor."""
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    for rel in page_paths:
        page, _, _ = open_page(browser, f"{site_url}/{rel}")
        ids[rel] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        links += [(rel, href) for href in page.eval_on_selector_all(
            "a[href], link[href], script[src], img[src]", "els => els.map(e => e.href || e.src)")]
        page.close()
    broken = []
    for rel, href in links:
        parsed = urlparse(href)
        if not href.startswith(site_url):
            assert parsed.scheme in ("data", "mailto", "https", "http"), href
            continue
        target = parsed.path.lstrip("/") or "index.html"
        if target.endswith(".html"):
            if target not in ids:
                # A page the browser did not open (an area profile outside the sample): it must exist;
                # its anchors are checked in the HTML files (test_every_internal_link_and_anchor_resolves).
                if not (book_dir / target).is_file():
                    broken.append(f"{rel}: {href} (no such page)")
            elif parsed.fragment and parsed.fragment not in ids[target]:
                broken.append(f"{rel}: {href} (no element with that id)")
        elif not (book_dir / target).is_file():
            broken.append(f"{rel}: {href} (no such file)")
    assert broken == []


@browser_test
def test_profile_index_filters_the_areas_and_links_to_each_profile(browser, site_url, book_dir):
    areas = json.loads((book_dir.parent / "_build" / "cache" / "areas.json").read_text())["areas"]
    ccg = next(code for kind, code, _ in areas if kind == "ccg")
    page, errors, outside = open_page(browser, f"{site_url}/profiles/index.html")
    rows = page.locator("#profile-list tbody tr")
    assert rows.count() == len(areas)
    status = page.locator("#profile-filter-status")
    assert status.inner_text() == f"{len(areas)} of {len(areas)} areas shown"
    page.get_by_label("Filter the areas by name, type or code").fill(ccg)
    assert page.locator("#profile-list tbody tr:visible").count() == 1
    assert status.inner_text() == f"1 of {len(areas)} areas shown"
    page.get_by_label("Filter the areas by name, type or code").fill("region")
    regions = sum(kind == "region" for kind, _, _ in areas)
    assert page.locator("#profile-list tbody tr:visible").count() == regions
    page.get_by_label("Filter the areas by name, type or code").fill(ccg)
    page.click(f"#profile-list a[href='ccg-{ccg}.html']")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/profiles/ccg-{ccg}.html")
    # Two charts on a CCG's page: its PCN sizes and its map (Figure 4.2's chart for this CCG).
    page.wait_for_function(
        "() => { const c = [...document.querySelectorAll('.pcn-chart')];"
        " return c.length === 2 && c.every(e => e.dataset.drawn === 'yes'); }", timeout=30_000)
    assert page.locator(".pcn-chart svg").count() == 2
    assert page.locator(f"#chart-profile-ccg-{ccg}-map svg path").count() > 0
    # Regions are in the sidebar; CCGs are reached through the index.
    sidebar = page.inner_text("nav[aria-label='Chapters']")
    assert "Area profiles" in sidebar and ccg not in sidebar
    assert errors == [] and outside == []
    page.close()


# --- small screens (issue 16) -----------------------------------------------------------------------

# A common phone, in CSS pixels; the site's narrow layout starts at 48rem (768 px).
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
# A chapter with wide tables, one with a map whose legend sits to its right, and an area profile.
NARROW_SAMPLE = ("index.html", "chapters/04-commissioning-contracting.html",
                 "chapters/06-pcn-characteristics.html")


def _settle(page) -> None:
    """Let the resize observers that place the scroll cues report: they run before the next frames."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _first_ccg_profile(page_paths: list[str]) -> str:
    return next(p for p in page_paths if p.startswith("profiles/ccg-"))


@browser_test
def test_phone_opens_on_the_content_with_the_menu_folded(browser, site_url, page_paths):
    for rel in (*NARROW_SAMPLE, _first_ccg_profile(page_paths)):
        page, errors, _ = open_page(browser, f"{site_url}/{rel}", viewport=PHONE)
        h1 = page.locator("main h1").bounding_box()
        assert h1 is not None and h1["y"] + h1["height"] <= PHONE["height"], f"{rel}: the title is below the first screen"
        # The start of the text too, not only the title.
        first_text = page.locator("main h1 ~ p, main h1 ~ section p, main section p").first.bounding_box()
        assert first_text is not None and first_text["y"] < PHONE["height"], f"{rel}: no text on the first screen"
        button = page.locator("button.nav-toggle")
        assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
        assert not page.locator("nav[aria-label='Chapters'] a").first.is_visible()
        assert not page.locator("#search-input").is_visible()
        # The skip link and the data notice stay; the notice readable, not shrunk to a sliver.
        assert page.locator("a.skip-link[href='#main']").count() == 1
        notice = page.locator(".data-notice")
        assert notice.is_visible() and notice.bounding_box()["y"] < 5
        assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.data-notice')).fontSize)") >= 12
        assert errors == []
        page.close()


@browser_test
def test_menu_button_opens_and_closes_the_chapters_with_mouse_and_keyboard(browser, site_url):
    page, errors, _ = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html", viewport=PHONE)
    button = page.locator("button.nav-toggle")
    controlled = button.get_attribute("aria-controls")
    assert controlled and page.locator(f"#{controlled} nav[aria-label='Chapters']").count() == 1
    links = page.locator("nav[aria-label='Chapters'] a")
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert links.first.is_visible() and page.locator("#search-input").is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "false" and not links.first.is_visible()
    # From the keyboard: Tab reaches the button (after the skip link and the book's title), Enter and
    # Space toggle it, and Escape inside the open menu closes it and gives the focus back to the button.
    # Focus starts at the skip link, the page's first stop (the clicks above left it on the button).
    page.locator("a.skip-link").focus()
    for _ in range(2):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('nav-toggle')"):
            break
    assert page.evaluate("() => document.activeElement.classList.contains('nav-toggle')"), "Tab never reaches the Menu button"
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and links.first.is_visible()
    page.keyboard.press("Tab")  # into the menu: the search box, then the chapters
    assert page.evaluate("() => document.getElementById('sidebar-body').contains(document.activeElement)")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not links.first.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('nav-toggle')")
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "false"
    assert errors == []
    page.close()
    # On a wide screen there is no button and the chapters are always there.
    page, errors, _ = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html", viewport=DESKTOP)
    assert not page.locator("button.nav-toggle").is_visible()
    assert page.locator("nav[aria-label='Chapters'] a").first.is_visible()
    assert errors == []
    page.close()


@browser_test
def test_without_javascript_a_phone_still_reaches_the_chapters(browser, site_url):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site_url}/chapters/06-pcn-characteristics.html", wait_until="load")
    assert not page.locator("button.nav-toggle").is_visible()  # a button that would do nothing stays hidden
    assert page.locator("nav[aria-label='Chapters'] a").first.is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


# Every element that scrolls sideways, described; and the ones among them without a visible cue above.
_SIDEWAYS = """() => {
  const visible = e => !!e && !e.hidden && e.getBoundingClientRect().height > 0;
  const scrollers = [...document.querySelectorAll('body *')].filter(e => {
    const x = getComputedStyle(e).overflowX;
    return (x === 'auto' || x === 'scroll') && e.scrollWidth > e.clientWidth + 1 && e.getBoundingClientRect().height > 0;
  });
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' in ' + (e.closest('[id]') || {}).id;
  const cue = e => e.previousElementSibling && e.previousElementSibling.classList.contains('scroll-cue')
    ? e.previousElementSibling : null;
  return {
    scrollers: scrollers.map(name),
    uncued: scrollers.filter(e => !visible(cue(e)) || e.tabIndex < 0).map(name),
    // A cue over something that fits is noise.
    stray: [...document.querySelectorAll('.scroll-cue')].filter(c => visible(c) &&
      !(c.nextElementSibling && c.nextElementSibling.scrollWidth > c.nextElementSibling.clientWidth + 1)).length,
    width: document.documentElement.scrollWidth,
  };
}"""


@browser_test
def test_no_page_scrolls_sideways_on_a_phone_and_wide_things_carry_a_cue(browser, site_url, page_paths):
    cued = {}
    for rel in page_paths:
        page, errors, _ = open_page(browser, f"{site_url}/{rel}", viewport=PHONE)
        wait_for_charts(page)
        _settle(page)
        found = page.evaluate(_SIDEWAYS)
        assert found["width"] <= PHONE["width"], f"{rel}: the whole page scrolls sideways ({found['width']} px)"
        assert found["uncued"] == [], f"{rel}: scrolls sideways without a cue, or cannot be reached by keyboard"
        assert found["stray"] == 0, f"{rel}: a scroll cue over something that fits"
        cued[rel] = found["scrollers"]
        assert errors == []
        page.close()
    # Not vacuous: the chapters with wide tables and maps, and the profile, do scroll sideways at this width.
    for rel in (*NARROW_SAMPLE[1:], _first_ccg_profile(page_paths)):
        assert cued[rel], f"{rel}: expected a table or chart wider than a phone"


@browser_test
def test_a_maps_legend_can_be_scrolled_into_view_on_a_phone(browser, site_url, page_paths):
    profile = _first_ccg_profile(page_paths)
    ccg = profile.removeprefix("profiles/ccg-").removesuffix(".html")
    for rel, chart in (("chapters/04-commissioning-contracting.html", "#chart-fig-ccg-service-map"),
                       (profile, f"#chart-profile-ccg-{ccg}-map")):
        page, errors, _ = open_page(browser, f"{site_url}/{rel}", viewport=PHONE)
        wait_for_charts(page)
        _settle(page)
        cue = page.locator(f"{chart} + .scroll-cue, .scroll-cue:has(+ {chart})")
        assert cue.is_visible(), f"{rel}: {chart} has no scroll cue"
        page.eval_on_selector(chart, "e => { e.scrollLeft = e.scrollWidth; }")
        legend = page.locator(f"{chart} svg .role-legend").last.bounding_box()
        assert legend is not None and legend["x"] >= 0 and legend["x"] + legend["width"] <= PHONE["width"] + 1, (
            f"{rel}: the legend of {chart} stays off-screen when scrolled to the end: {legend}")
        assert errors == []
        page.close()
