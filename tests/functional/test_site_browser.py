"""The built site in a real headless Chromium (Debian's, driven by Playwright; no browser download)."""

from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_url(built_project):
    project, _ = built_project
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(project / "_book"))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


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


def open_page(browser, url):
    """Open `url`, recording console errors and every request that would leave the machine."""
    page = browser.new_page()
    errors, outside = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def guard(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, url
    return page, errors, outside


def test_chapter_loads_without_errors_and_charts_draw(browser, site_url):
    page, errors, outside = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html")
    # Figures 6.1 to 6.4: four charts, each drawn as SVG by the local Vega bundle.
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
    assert errors == []
    assert outside == []
    page.close()


def test_index_loads_and_links_to_the_chapter(browser, site_url):
    page, errors, outside = open_page(browser, f"{site_url}/index.html")
    assert "Synthetic data" in page.inner_text("body")
    page.click("a[href*='06-pcn-characteristics.html']")
    page.wait_for_load_state("load")
    assert page.url.endswith("06-pcn-characteristics.html") or "06-pcn-characteristics.html#" in page.url
    assert errors == [] and outside == []
    page.close()


def test_cross_reference_lands_on_its_figure(browser, site_url):
    page, errors, _ = open_page(browser, f"{site_url}/chapters/06-pcn-characteristics.html")
    link = page.locator("a[href$='#fig-pcn-practices']").first
    label = link.inner_text()
    assert label.startswith("Figure")
    link.click()
    assert page.url.endswith("#fig-pcn-practices")
    assert page.locator("#fig-pcn-practices").is_visible()
    assert label.replace("\xa0", " ") in page.locator("#fig-pcn-practices").inner_text().replace("\xa0", " ")
    assert errors == []
    page.close()
