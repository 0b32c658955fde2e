"""Find a release's file on its landing page.

NHS Digital publishes each monthly file under an address with a random part
(files.digital.nhs.uk/<2 hex>/<6 hex>/gp-reg-pat-prac-all.csv) that cannot be predicted, but the
release's landing page, whose address is predictable, links it. For a dataset marked
`file_on_landing_page: true` in the catalogue, `data fetch` and `data check-updates` read the landing
page and take the link whose file name matches the dataset's file patterns, tried in the catalogue's
order so the first pattern (the publisher's usual name) wins over looser ones.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from fnmatch import fnmatchcase
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from pcnreport.core.errors import FetchError
from pcnreport.data.catalogue import Dataset

# Every request to a publisher (downloads, landing pages, update checks) names the tool.
USER_AGENT = "pcnreport/0.1 (data fetch; python-urllib)"

PAGE_LIMIT = 10 * 1024**2  # a landing page is HTML; anything bigger is not one


class _Anchors(HTMLParser):
    """Collects the `href` of every <a> element, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href.strip())


def page_links(html: str, base: str) -> list[str]:
    """Every link of the page as an absolute http(s) address, each once, in page order."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    links: list[str] = []
    for href in parser.hrefs:
        address = urljoin(base, href)
        if urlsplit(address).scheme in ("http", "https") and address not in links:
            links.append(address)
    return links


def link_name(address: str) -> str:
    return PurePosixPath(unquote(urlsplit(address).path)).name


def file_link(html: str, base: str, dataset: Dataset) -> str | None:
    """The link to `dataset`'s file on the page, None when there is none.

    Patterns are tried in the catalogue's order and compared case-insensitively (publishers change the
    case of file names between releases). Two different links for the first pattern that matches are
    ambiguous: an error lists them rather than guessing.
    """
    links = page_links(html, base)
    for pattern in dataset.files:
        matching = [link for link in links if fnmatchcase(link_name(link).lower(), pattern.lower())]
        if len(matching) == 1:
            return matching[0]
        if matching:
            raise FetchError(
                f"'{base}': {len(matching)} links match '{pattern}' ({', '.join(matching)}); "
                f"name the file of '{dataset.name}' in the catalogue instead"
            )
    return None


def read_page(url: str, timeout: float, *, afterwards: str = "") -> str:
    """The text of the page at `url`; a FetchError that says what happens next (`afterwards`) if it fails."""
    then = f"; {afterwards}" if afterwards else ""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(PAGE_LIMIT)
            return body.decode(response.headers.get_content_charset() or "utf-8", "replace")
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"'{url}': HTTP {exc.code} {exc.reason}{then}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"'{url}': cannot reach the publisher ({reason}){then}") from None


def resolve(landing_url: str, dataset: Dataset, timeout: float = 60.0) -> str:
    """The address of `dataset`'s file linked from `landing_url`; FetchError when the page links none."""
    address = file_link(read_page(landing_url, timeout), landing_url, dataset)
    if address is None:
        raise FetchError(
            f"'{landing_url}': the page links no file named like {', '.join(dataset.files)} for "
            f"'{dataset.name}'; download it by hand, or correct the release's address in data/catalogue.yaml"
        )
    return address
