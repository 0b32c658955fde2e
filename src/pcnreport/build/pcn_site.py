"""The PCN directory in the published site: each page body of `_generated/pcns/` (`report.pcn_pages`) in the
site's frame, written into the staging site's `pcns/` folder.

Why not through Quarto or pandoc: about 1,400 pages would add minutes to every render (Quarto takes about a
second a page), for pages whose markup is simple and whose content is already HTML. Framing them here,
after either renderer, gives both the same directory: the data notice every page carries, a link home,
and the edition's footer, which are known only once the variables step has run.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from pcnreport.report.pcn_pages import FOLDER, INDEX_DATA

OUTPUT = "pcns"
STYLESHEET = "pcn-pages.css"

# Small and self-contained (the renderers' own stylesheets differ): readable text, tables that fit a narrow
# screen by wrapping (nothing scrolls sideways, so no scroll cue is needed), the data notice as the book shows it, and a visible keyboard focus.
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; margin: 0; color: #1a1a1a; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem; }
header.site, main, footer.site-footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header.site { padding-top: .75rem; font-weight: 600; }
a { color: #0b57a4; } a:focus { outline: 3px solid #e69f00; outline-offset: 2px; }
h1 .code { font-size: .6em; color: #555; font-weight: normal; margin-left: .4em; }
.crumbs { font-size: .9rem; margin-top: 1rem; }
.data-notice { background: #fff4e5; border-bottom: 1px solid #e0a458; padding: .5rem 1rem; font-size: .9rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
caption { text-align: left; font-size: .9rem; color: #444; padding-bottom: .25rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td:not(.n):not(.code) { overflow-wrap: anywhere; } th[scope="row"] { overflow-wrap: break-word; }
td.code { white-space: nowrap; }
@media (max-width: 480px) { table { font-size: .85rem; } th, td { padding: .25rem .3rem; } }
.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { overflow-wrap: normal; }
.pcn-chart { width: 100%; min-height: 260px; }
form label { margin-right: .25rem; }
form input, form select { margin-right: 1rem; margin-bottom: .5rem; font-size: 1rem; max-width: 100%; }
footer.site-footer { margin-top: 2rem; border-top: 1px solid #ddd; font-size: .85rem; color: #444; padding-bottom: 1rem; }
""".lstrip()


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
    (target / STYLESHEET).write_text(_CSS, encoding="utf-8")
    return len(bodies)
