"""Full-text search for the pandoc path's site, working offline, from file:// and under any sub-path.

At render time every written page is cut into sections (one per `h1`-`h3` heading with an id) and the
sections are written as `site_libs/search-index.js`. The sidebar's search box loads that file and the
vendored MiniSearch library the first time it is used, builds the index in the browser (a few ms for a
book) and lists matching sections as links to `page#anchor`.

Why a `.js` file and not JSON: browsers refuse `fetch()` of a local file from a `file://` page, but they
do run `<script src>`; so the index is a script that assigns a global.

Why MiniSearch is vendored in the package (`assets/minisearch.js`, from npm's `minisearch`, MIT licence
shipped beside it) rather than copied from `node_modules` at build time: `make report` needs only
Python. `tests/unit/test_render_search.py` checks the vendored copy against the npm package named in
package-lock.json whenever `node_modules` is present, so the copy cannot drift from the lock.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
INDEX_NAME = "search-index.js"
# The vendored library and its licence, and our own UI script: copied into site_libs/ as they are.
SHIPPED = ("minisearch.js", "minisearch-LICENSE.txt", "search.js")
SECTION_LEVELS = {"h1", "h2", "h3"}
# Text in these elements is not prose a reader searches for (scripts, chart specs, page navigation).
_SKIP = {"script", "style", "nav", "template", "noscript", "svg"}
# Block elements end a word: "<p>a</p><p>b</p>" reads "a b", not "ab".
_BLOCK = {"p", "div", "li", "td", "th", "tr", "dt", "dd", "figcaption", "caption", "blockquote", "br",
          "h4", "h5", "h6", "figure", "table", "ul", "ol", "pre", "section", "aside"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(frozen=True)
class Section:
    id: int
    page: str  # relative to the site root, e.g. "chapters/06-x.html"
    anchor: str  # "" for the top of the page
    title: str  # the page's title (chapter number and name)
    heading: str
    text: str


class _SectionParser(html.parser.HTMLParser):
    """Collects (anchor, heading, text) for each section of <main>, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.skip = 0
        self.heading: list[str] | None = None  # text of the heading being read
        self.sections: list[dict] = [{"anchor": "", "heading": "", "text": []}]

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK:
            self.handle_data(" ")
        if tag in _VOID:
            return
        if tag == "main":
            self.in_main += 1
            return
        if not self.in_main:
            return
        if tag in _SKIP or self.skip:
            self.skip += 1
            return
        if tag in SECTION_LEVELS:
            ident = dict(attrs).get("id")
            if ident:
                self.sections.append({"anchor": ident, "heading": "", "text": []})
            self.heading = []

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.handle_data(" ")
        if tag in _VOID:
            return
        if tag == "main":
            self.in_main = max(0, self.in_main - 1)
            return
        if not self.in_main:
            return
        if self.skip:
            self.skip -= 1
            return
        if tag in SECTION_LEVELS and self.heading is not None:
            text = _squash("".join(self.heading))
            if not self.sections[-1]["heading"]:
                self.sections[-1]["heading"] = text
            else:  # a heading without an id: its text belongs to the current section
                self.sections[-1]["text"].append(" " + text + " ")
            self.heading = None

    def handle_data(self, data):
        if not self.in_main or self.skip:
            return
        if self.heading is not None:
            self.heading.append(data)
        else:
            self.sections[-1]["text"].append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def page_sections(html_text: str, page: str, title: str, first_id: int = 0) -> list[Section]:
    """The searchable sections of one page; `page` is its path relative to the site root."""
    parser = _SectionParser()
    parser.feed(html_text)
    parser.close()
    out = []
    for s in parser.sections:
        text = _squash("".join(s["text"]))
        if not text and not s["heading"]:
            continue
        out.append(Section(first_id + len(out), page, s["anchor"], title, s["heading"] or title, text))
    return out


def index_script(sections: list[Section]) -> str:
    """The index as a script: `window.PCN_SEARCH_DOCS = [...]`, safe inside any HTML page."""
    data = json.dumps([asdict(s) for s in sections], ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return "/* The report's sections for the search box (generated by pcnreport). */\n" \
           f"window.PCN_SEARCH_DOCS = {data};\n"


def read_index(path: Path) -> list[Section]:
    """The sections of an index `index_script` wrote (to add pages rendered after it, the PCN directory's)."""
    text = Path(path).read_text(encoding="utf-8")
    data = text[text.index("=", text.index("PCN_SEARCH_DOCS")) + 1:].strip().removesuffix(";")
    return [Section(**record) for record in json.loads(data)]


def write_search(out_dir: Path, site_libs: str, pages: list[tuple[Path, str]]) -> Path:
    """Index `pages` ((written file, page title) pairs) and ship the search scripts into `site_libs`."""
    out_dir = Path(out_dir)
    sections: list[Section] = []
    for path, title in pages:
        rel = path.relative_to(out_dir).as_posix()
        sections += page_sections(path.read_text(encoding="utf-8"), rel, title, len(sections))
    dest = out_dir / site_libs
    dest.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        shutil.copy2(ASSETS / name, dest / name)
    index = dest / INDEX_NAME
    index.write_text(index_script(sections), encoding="utf-8")
    return index
