"""Render a Quarto book without Quarto: pandoc for HTML pages and Typst source, the typst package for the PDF.

Order of work, and why:
1. expand shortcodes in each chapter (text level, like Quarto);
2. parse every chapter to a pandoc JSON AST (one pandoc call each, in parallel);
3. per output format, drop conditional content, number chapters/figures/tables and check every `@fig-`
   reference: this needs all chapters at once, because references cross chapters;
4. write each HTML page and one Typst document for the book (one pandoc call each; the Lua filter formats
   captions and cross-reference links before --citeproc reads what is left as citations);
5. compile the Typst document to PDF;
6. index the written pages' sections for the site's search box (`search.py`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ..core.errors import RenderError
from . import ast, crossref, search, site
from .book import Book, Chapter, load_book
from .pandoc_cache import PandocCache
from .pandoc_run import FILTER, TEMPLATES, run_pandoc
from .result import RenderResult
from .shortcodes import ShortcodeExpander, load_variables

RENDERER = "pandoc+typst"
_CITEPROC_MISSING = re.compile(r"Citeproc: citation (\S+) not found")
_TYPST_IMAGE = re.compile(r'(image\(\s*")([^"]+)(")')


class _Format:
    """One output format's view of the book: filtered ASTs, chapter numbers and the cross-reference table."""

    def __init__(self, book: Book, docs: list[str], sources: list[str], fmt: str):
        self.fmt = fmt
        # Each format gets its own fresh AST from pandoc's JSON text (later steps edit them in place).
        self.docs = [_title_from_meta(_conditionals(json.loads(d), d, fmt, book.metadata)) for d in docs]
        numbers = crossref.number_chapters(
            self.docs, [c.appendix for c in book.chapters], [c.source.as_posix() == "index.qmd" for c in book.chapters]
        )
        self.infos = []
        for i, (doc, num) in enumerate(zip(self.docs, numbers)):
            try:
                self.infos.append(crossref.collect(doc, i, num))
            except RenderError as exc:
                raise RenderError(f"'{book.chapters[i].source}': {exc}") from None
        self.targets: dict[str, crossref.Target] = {}
        for info in self.infos:
            for t in info.targets:
                if t.id in self.targets:
                    first = book.chapters[self.targets[t.id].chapter].source
                    raise RenderError(
                        f"'{book.chapters[t.chapter].source}': cross-reference id '{t.id}' is already used in '{first}'"
                    )
                self.targets[t.id] = t
        self._check_references(book, sources)
        for doc, info in zip(self.docs, self.infos):
            crossref.number_headings(doc, info.number)
        # Works cited, in first-cited order, for the single reference list.
        self.bib_keys = list(dict.fromkeys(k for info in self.infos for k in info.cites if not _is_xref(k)))
        self.refs_chapter = next((i for i, info in enumerate(self.infos) if info.has_refs), None)

    def _check_references(self, book: Book, sources: list[str]) -> None:
        for ch, info, text in zip(book.chapters, self.infos, sources):
            for key in info.cites:
                if _is_xref(key) and key not in self.targets:
                    m = re.search(r"@" + re.escape(key) + r"\b", text)
                    where = f"line {text.count(chr(10), 0, m.start()) + 1}" if m else "an included file"
                    raise RenderError(
                        f"'{ch.source}', {where}: unknown cross-reference @{key} "
                        f"(no figure, table or section with id '{key}' in the {self.fmt} output)"
                    )

    def xref_meta(self, href) -> dict:
        targets = {
            tid: {"label": t.label, "number": t.number, "href": href(t)} for tid, t in self.targets.items()
        }
        return ast.meta_string(json.dumps({"format": self.fmt, "targets": targets}))


def _conditionals(doc: dict, text: str, fmt: str, meta: dict) -> dict:
    # Walking a long chapter in Python costs ~0.1 s; most chapters hold no conditional content at all.
    if "content-visible" in text or "content-hidden" in text:
        crossref.apply_conditionals(doc, fmt, meta)
    return doc


def _is_xref(key: str) -> bool:
    return key.split("-", 1)[0] in crossref.PREFIXES and "-" in key


def _citeproc_args(book: Book, needed: bool) -> list[str]:
    # citeproc costs ~0.4 s a run (it loads the bibliography and CSL), so pages that cite nothing skip it.
    if not book.bibliography or not needed:
        return []
    args = ["--citeproc"]
    for bib in book.bibliography:
        args += ["--bibliography", str(bib)]
    if book.csl:
        args += ["--csl", str(book.csl)]
    return args


def _check_citeproc(stderr: str, what: str) -> None:
    missing = _CITEPROC_MISSING.findall(stderr)
    if missing:
        raise RenderError(f"'{what}': citation key(s) not in the bibliography: {', '.join(sorted(set(missing)))}")


def _is_local(target: str) -> bool:
    return not (urlparse(target).scheme or target.startswith(("/", "#", "data:")))


def _append_references(doc: dict, level: int) -> None:
    doc["blocks"] += [
        ast.header(level, "references", ["unnumbered"], ast.text_inlines("References")),
        ast.div("refs", [], []),
    ]


def _colophon_chapter(book: Book) -> Chapter | None:
    """The chapter the PDF prints on the back of the title page (`pcn-verso-source`), if the build wrote one."""
    source = book.typst_metadata.get("pcn-verso-source")
    return next((ch for ch in book.chapters if source and ch.source.as_posix() == source), None)


def _footer_args(book: Book, edition: dict, page: PurePosixPath) -> list[str]:
    """The page footer's variables: the edition, the build's date and commit, and the colophon's link."""
    import html

    if not edition.get("line"):
        return []
    args = ["-V", f"edition-line={html.escape(edition['line'])}",
            "-V", f"edition-build={html.escape(edition.get('build_text', ''))}"]
    colophon = _colophon_chapter(book)
    if colophon is not None:
        args += ["-V", f"colophon={site.rel_href(PurePosixPath(colophon.page.as_posix()), page)}"]
    return args


def _html_page(book: Book, view: _Format, i: int, out_dir: Path, pandoc=run_pandoc, edition: dict | None = None) -> Path:
    ch = book.chapters[i]
    doc = view.docs[i]
    page = PurePosixPath(ch.page.as_posix())
    chapter_dir = book.project_dir / ch.source.parent

    # Images the pages use must sit next to them in the output, as Quarto copies them.
    for target in view.infos[i].images:
        if _is_local(target):
            src = (chapter_dir / target).resolve()
            if not src.is_file():
                raise RenderError(f"'{ch.source}': image '{target}' does not exist")
            if book.project_dir in src.parents:
                site.copy_into(src, book.project_dir, out_dir)

    def href(t: crossref.Target) -> str:
        target_page = PurePosixPath(book.chapters[t.chapter].page.as_posix())
        return (f"#{t.id}" if target_page == page else f"{site.rel_href(target_page, page)}#{t.id}")

    doc["meta"]["pcn-xref"] = view.xref_meta(href)
    if view.bib_keys:
        if i == view.refs_chapter:
            doc["meta"]["nocite"] = ast.nocite(view.bib_keys)
        else:
            doc["meta"]["suppress-bibliography"] = ast.meta_bool(True)
    info = view.infos[i]
    title = info.title or book.title
    pagetitle = title if title == book.title else f"{site.chapter_label(info)} – {book.title}"
    args = [
        "--from", "json", "--to", "html5", "--standalone", "--wrap", "none",
        "--template", str(TEMPLATES / "page.html"),
        "--lua-filter", str(FILTER),
        *_citeproc_args(book, i == view.refs_chapter or any(not _is_xref(k) for k in info.cites)),
        "--toc", "--toc-depth", str(book.html.toc_depth),
        "-V", f"lang={book.lang}",
        "-V", f"pagetitle={pagetitle}",
        "-V", f"book-title={book.title}",
        "-V", f"home={site.rel_href(PurePosixPath('index.html'), page)}",
        "-V", f"site-libs={site.rel_href(PurePosixPath(site.SITE_LIBS), page)}",
        "-V", f"sidebar={site.sidebar(book, view.infos, i)}",
        "-V", f"pagenav={site.pagenav(book, view.infos, i)}",
        *_footer_args(book, edition or {}, page),
    ]
    for css in book.html.css:
        rel = PurePosixPath(css.relative_to(book.project_dir).as_posix())
        args += ["--css", site.rel_href(rel, page)]
    for opt, files in (("--include-in-header", book.html.include_in_header),
                       ("--include-before-body", book.html.include_before_body),
                       ("--include-after-body", book.html.include_after_body)):
        for f in files:
            args += [opt, str(f)]
    html, stderr = pandoc(args, json.dumps(doc), str(ch.source))
    _check_citeproc(stderr, str(ch.source))
    dest = out_dir / ch.page
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(html, encoding="utf-8")
    return dest


def _root_path(chapter: Chapter, target: str, book: Book) -> str:
    """A path written relative to the chapter, as a Typst path from the project root ("/figures/x.pdf")."""
    resolved = (book.project_dir / chapter.source.parent / target).resolve()
    if book.project_dir not in resolved.parents:
        raise RenderError(f"'{chapter.source}': image '{target}' is outside the project, which Typst cannot read")
    if not resolved.is_file():
        raise RenderError(f"'{chapter.source}': image '{target}' does not exist")
    return "/" + resolved.relative_to(book.project_dir).as_posix()


def _typst_source(book: Book, view: _Format, pandoc=run_pandoc) -> str:
    blocks: list[dict] = []
    for ch, doc in zip(book.chapters, view.docs):
        def fix(node: dict, ch: Chapter = ch) -> dict | None:
            if node["t"] == "Image" and _is_local(node["c"][2][0]):
                node["c"][2][0] = _root_path(ch, node["c"][2][0], book)
                return node
            if node["t"] == "RawBlock" and node["c"][0] == "typst":
                text = _TYPST_IMAGE.sub(
                    lambda m: m.group(1) + (_root_path(ch, m.group(2), book) if _is_local(m.group(2))
                                            else m.group(2)) + m.group(3), node["c"][1])
                return {"t": "RawBlock", "c": ["typst", text]}
            return None
        blocks += crossref.map_nodes(doc["blocks"], fix)
    whole = {"pandoc-api-version": view.docs[0]["pandoc-api-version"], "meta": {}, "blocks": blocks}
    if view.bib_keys and view.refs_chapter is None:
        _append_references(whole, 1)
    whole["meta"]["pcn-xref"] = view.xref_meta(lambda t: f"#{t.id}")
    verso = str(book.typst_metadata.get("pcn-verso") or "")
    if verso:
        # The colophon on the back of the title page: markdown (its citation is resolved by --citeproc).
        parsed = json.loads(pandoc(["--from", "markdown", "--to", "json"], verso, "the colophon (verso)")[0])
        whole["meta"]["pcn-verso"] = {"t": "MetaBlocks", "c": parsed["blocks"]}
    # The title page names the edition ("Edition 0.2.0, 7 December 2026"), or else the book's date.
    date_line = str(book.metadata.get("edition-line") or book.date)
    args = [
        "--from", "json", "--to", "typst", "--standalone", "--wrap", "preserve",
        "--template", str(TEMPLATES / "book.typ"),
        "--lua-filter", str(FILTER),
        *_citeproc_args(book, bool(view.bib_keys)),
        "-V", f"lang={book.lang}",
        "-V", "papersize=a4", "-V", "fontsize=11pt",
        "-V", f"book-title={ast.typst_string(book.title)}",
        "-V", f"book-subtitle={ast.typst_string(book.subtitle) if book.subtitle else ''}",
        "-V", f"book-date={ast.typst_string(date_line)}",
    ]
    if verso:
        args += ["-V", f"verso-title={ast.typst_string(str(book.typst_metadata.get('pcn-verso-title') or ''))}"]
    for a in book.author:
        args += ["-V", f"authors={ast.typst_string(a)}"]
    for opt, files in (("--include-in-header", book.typst.include_in_header),
                       ("--include-before-body", book.typst.include_before_body),
                       ("--include-after-body", book.typst.include_after_body)):
        for f in files:
            args += [opt, str(f)]
    source, stderr = pandoc(args, json.dumps(whole), "the PDF (Typst) version of the book")
    _check_citeproc(stderr, "the PDF version of the book")
    return source


def _compile_pdf(source: str, book: Book, pdf: Path) -> None:
    import typst

    try:
        typst.compile(source.encode("utf-8"), output=str(pdf), root=str(book.project_dir))
    except typst.TypstError as exc:
        # The diagnostic quotes the generated Typst source; the hint usually names the chapter's content.
        detail = "\n".join(x for x in [getattr(exc, "diagnostic", ""), *(getattr(exc, "hints", []) or [])] if x)
        raise RenderError(f"'{pdf.name}': Typst failed: {getattr(exc, 'message', exc)}\n{detail}".rstrip()) from None


def render(project_dir: Path, out_dir: Path, cache_dir: Path | None = None, refresh: bool = False) -> RenderResult:
    """Render the book into `out_dir`. With `cache_dir`, pandoc's answers are kept there and an
    unchanged page is not converted again (`pandoc_cache`; `refresh`: convert all, keep the answers);
    the result is the same either way."""
    cache = PandocCache(cache_dir, refresh) if cache_dir else None
    pandoc = cache.run if cache else run_pandoc
    book = load_book(project_dir)
    out_dir = Path(out_dir)
    if Path("index.qmd") not in [c.source for c in book.chapters]:
        raise RenderError("_quarto.yml: book.chapters must include index.qmd (the site's home page)")
    variables = load_variables(book.project_dir)
    expander = ShortcodeExpander(book.project_dir, variables, book.raw)
    edition = (variables or {}).get("edition") or {}
    texts = [expander.expand_file(book.project_dir / ch.source) for ch in book.chapters]
    sources = [(book.project_dir / ch.source).read_text(encoding="utf-8") for ch in book.chapters]

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        # Quarto markdown is pandoc markdown: each chapter to a JSON AST (each format loads its own copy).
        docs = list(pool.map(lambda pair: pandoc(["--from", "markdown", "--to", "json"], pair[0], str(pair[1].source))[0],
                             zip(texts, book.chapters)))
        html_view = _Format(book, docs, sources, "html")
        # Website-only pages (the CCG profiles) are left out of the PDF, as Quarto leaves them out.
        # The colophon's chapter too, when the PDF prints it on the back of the title page instead.
        verso_chapter = _colophon_chapter(book) if book.typst_metadata.get("pcn-verso") else None
        in_print = [i for i, ch in enumerate(book.chapters) if not ch.website_only and ch != verso_chapter]
        print_book = dataclasses.replace(book, chapters=tuple(book.chapters[i] for i in in_print))
        typst_view = _Format(print_book, [docs[i] for i in in_print], [sources[i] for i in in_print], "typst")
        if html_view.bib_keys and html_view.refs_chapter is None:
            _append_references(html_view.docs[-1], 2)
            html_view.refs_chapter = len(book.chapters) - 1

        out_dir.mkdir(parents=True, exist_ok=True)
        pdf = out_dir / f"{book.output_file}.pdf"
        typst_job = pool.submit(_typst_source, print_book, typst_view, pandoc)
        page_jobs = [pool.submit(_html_page, book, html_view, i, out_dir, pandoc, edition)
                     for i in range(len(book.chapters))]
        _compile_pdf(typst_job.result(), print_book, pdf)
        pages = tuple(job.result() for job in page_jobs)

    site.copy_site_libs(out_dir)
    titles = [site.chapter_label(info) or book.title for info in html_view.infos]
    search.write_search(out_dir, site.SITE_LIBS, list(zip(pages, titles)))
    site.copy_resources(book, out_dir)
    for css in book.html.css:
        site.copy_into(css, book.project_dir, out_dir)
    if cache:
        cache.prune()
    return RenderResult(RENDERER, out_dir / "index.html", pdf, pages)


def _title_from_meta(doc: dict) -> dict:
    """A chapter titled in its YAML header (`title:`) instead of a `#` heading gets that heading, as in Quarto."""
    title = doc["meta"].get("title")
    if title and crossref.first_heading(doc["blocks"]) is None:
        inlines = title["c"] if title["t"] == "MetaInlines" else ast.text_inlines(crossref.stringify(title))
        classes = []
        if "unnumbered" in crossref.stringify(doc["meta"].get("classes", {})):
            classes.append("unnumbered")
        doc["blocks"].insert(0, ast.header(1, "", classes, inlines))
    return doc
