"""The HTML site's furniture: sidebar, previous/next links, and files copied next to the pages."""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path, PurePosixPath

from ..core.errors import RenderError
from .book import Book
from .crossref import ChapterInfo

TEMPLATES = Path(__file__).parent / "templates"
SITE_LIBS = "site_libs"


def rel_href(target: PurePosixPath | Path, from_page: PurePosixPath | Path) -> str:
    """A link from one page to another, both given relative to the output folder."""
    return PurePosixPath(os.path.relpath(PurePosixPath(target), PurePosixPath(from_page).parent)).as_posix()


def chapter_label(info: ChapterInfo) -> str:
    return f"{info.number}\u00a0{info.title}" if info.number else info.title


def sidebar(book: Book, infos: list[ChapterInfo], current: int) -> str:
    here = book.chapters[current].page
    lines = ["<ol class=\"chapters\">"]
    part = None
    for i, (ch, info) in enumerate(zip(book.chapters, infos)):
        if ch.website_only:
            continue  # reached through a page that links it (the CCG profiles: the profiles' index)
        if ch.part != part and ch.part:
            lines.append(f'<li class="part">{html.escape(ch.part)}</li>')
        part = ch.part
        current_attr = ' aria-current="page"' if i == current else ""
        # A chapter without a heading is listed by the book title (index.qmd) or its file name.
        fallback = book.title if ch.source.as_posix() == "index.qmd" else ch.source.stem
        label = html.escape(chapter_label(info) or fallback)
        lines.append(f'<li><a href="{rel_href(ch.page, here)}"{current_attr}>{label}</a></li>')
    lines.append("</ol>")
    return "\n".join(lines)


def pagenav(book: Book, infos: list[ChapterInfo], current: int) -> str:
    """Previous and next chapter; website-only pages are neither, and have neither."""
    here = book.chapters[current].page
    if book.chapters[current].website_only:
        return ""
    listed = [i for i, ch in enumerate(book.chapters) if not ch.website_only]
    position = listed.index(current)
    out = []
    if position > 0:
        prev = listed[position - 1]
        out.append(f'<a class="prev" rel="prev" href="{rel_href(book.chapters[prev].page, here)}">← '
                   f'{html.escape(chapter_label(infos[prev]))}</a>')
    if position + 1 < len(listed):
        nxt = listed[position + 1]
        out.append(f'<a class="next" rel="next" href="{rel_href(book.chapters[nxt].page, here)}">'
                   f'{html.escape(chapter_label(infos[nxt]))} →</a>')
    return "\n".join(out)


def copy_into(src: Path, project_dir: Path, out_dir: Path) -> None:
    rel = src.resolve().relative_to(project_dir)
    dest = out_dir / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def copy_resources(book: Book, out_dir: Path) -> None:
    """`project.resources` globs, relative paths kept (fragments link `../figures/x.js` from chapters/)."""
    out_resolved = out_dir.resolve()
    for pattern in book.resources:
        # Quarto reads `figures/**` as everything below figures/; pathlib needs the trailing `/*` for files.
        glob = pattern + "/*" if pattern.endswith("**") else pattern
        # A leading `/` anchors a Quarto glob at the project (without it Quarto matches at any depth);
        # pathlib refuses absolute patterns and is relative to the project already.
        glob = glob.lstrip("/")
        matches = [p for p in book.project_dir.glob(glob) if p.is_file()]
        if not matches and not any(ch in pattern for ch in "*?["):
            raise RenderError(f"_quarto.yml: project.resources: '{pattern}' does not exist")
        for path in matches:
            if out_resolved in path.resolve().parents:
                continue  # never copy a previous output into itself
            copy_into(path, book.project_dir, out_dir)


# The page template's own script (the narrow-screen menu, the sideways-scroll cues); search.js and its
# library are copied by search.write_search, beside the index they read.
ASSETS = Path(__file__).parent / "assets"
SITE_SCRIPTS = ("small-screens.js",)


def copy_site_libs(out_dir: Path) -> None:
    dest = out_dir / SITE_LIBS
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pcn.css", "pcn-print.css"):
        shutil.copy2(TEMPLATES / name, dest / name)
    for name in SITE_SCRIPTS:
        shutil.copy2(ASSETS / name, dest / name)
