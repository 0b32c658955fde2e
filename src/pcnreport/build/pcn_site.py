"""The PCN directory in the published site: each page body of `_generated/pcns/` (`report.pcn_pages`) in the
site's frame, written into the staging site's `pcns/` folder.

Why not through Quarto or pandoc: about 1,400 pages would add minutes to every render (Quarto takes about a
second a page), for pages whose markup is simple and whose content is already HTML. Framing them here,
after either renderer, gives both the same directory: the data notice every page carries, a link home,
and the edition's footer, which are known only once the variables step has run.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from pcnreport.render import search
from pcnreport.render.site import SITE_LIBS
from pcnreport.report.pcn_pages import FOLDER, INDEX_DATA

OUTPUT = "pcns"
STYLESHEET = "pcn-pages.css"

# The pages' stylesheet, shipped with the renderers' assets.
STYLESHEET_SOURCE = Path(__file__).resolve().parents[1] / "render" / "assets" / STYLESHEET


def _title(body: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", body, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else "PCN"


def frame(body: str, book_title: str, notice: str, edition_line: str, build_text: str) -> str:
    """A page of the directory: the body in the site's frame."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(_title(body))} – {html.escape(book_title)}</title>
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
{notice}
<header class="site"><a href="../index.html">{html.escape(book_title)}</a></header>
<main id="main">
{body}
</main>
<footer class="site-footer">
<p>{html.escape(edition_line)} · {html.escape(build_text)} · <a href="../chapters/colophon.html">About this edition</a></p>
</footer>
</body>
</html>
"""


def publish_pages(project: Path, staging: Path, variables: dict) -> int:
    """Frame every page body of the project's `_generated/pcns/` into `staging/pcns/`; the number of pages.
    No folder (a build without the monthly practice mapping): nothing, and the site has no directory."""
    source = Path(project) / FOLDER
    bodies = sorted(source.glob("*.html")) if source.is_dir() else []
    if not bodies:
        return 0
    target = Path(staging) / OUTPUT
    target.mkdir()
    edition = variables.get("edition") or {}
    notice_file = Path(project) / "_generated" / "data-notice.html"
    notice = notice_file.read_text(encoding="utf-8") if notice_file.is_file() else ""
    title = edition.get("title") or "The report"
    for body in bodies:
        (target / body.name).write_text(
            frame(body.read_text(encoding="utf-8"), title, notice, edition.get("line", ""), edition.get("build_text", "")),
            encoding="utf-8",
        )
    shutil.copy2(source / INDEX_DATA, target / INDEX_DATA)
    shutil.copy2(STYLESHEET_SOURCE, target / STYLESHEET)
    add_to_search(Path(staging), json.loads((source / INDEX_DATA).read_text(encoding="utf-8")))
    return len(bodies)


def _search_text(entry: dict) -> str:
    """What the site's search finds a PCN's page by, besides its name and code."""
    return "; ".join(part for part in (entry["icb"], entry["region"], f"PCN {entry['status']}") if part)


def add_to_search(site: Path, entries: list[dict]) -> int:
    """Put every PCN page in the site's own search, one entry a page: its name and code as the heading, its
    ICB, region and status as the text. Not the pages' whole text: 1,400 pages of tables would make the
    book's search file several times larger for every reader; the directory's filter does the rest.

    The renderers keep different indexes: Quarto's `search.json` (objectID, href, title, section, text,
    crumbs), the pandoc path's `site_libs/search-index.js` (`render.search`). Returns the entries added."""
    quarto_index = site / "search.json"
    pandoc_index = site / SITE_LIBS / search.INDEX_NAME
    if quarto_index.is_file():
        docs = json.loads(quarto_index.read_text(encoding="utf-8"))
        docs += [{"objectID": f"{OUTPUT}/{e['code']}.html", "href": f"{OUTPUT}/{e['code']}.html",
                  "title": f"{e['name']} ({e['code']})", "section": "", "text": html.escape(_search_text(e)),
                  "crumbs": ["Every PCN"]} for e in entries]  # fmt: skip
        quarto_index.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    elif pandoc_index.is_file():
        sections = search.read_index(pandoc_index)
        sections += [search.Section(len(sections) + i, f"{OUTPUT}/{e['code']}.html", "", "Every PCN",
                                    f"{e['name']} ({e['code']})", _search_text(e)) for i, e in enumerate(entries)]  # fmt: skip
        pandoc_index.write_text(search.index_script(sections), encoding="utf-8")
    else:
        return 0
    return len(entries)
