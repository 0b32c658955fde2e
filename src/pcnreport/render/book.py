"""Read a Quarto book's `_quarto.yml` into an immutable description the pandoc path can use.

Only the keys the pandoc path understands are read; Quarto itself reads the whole file when it renders.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import RenderError


@dataclass(frozen=True)
class Chapter:
    source: Path  # relative to the project, e.g. chapters/06-x.qmd
    appendix: bool = False
    part: str | None = None  # the `part:` title this chapter sits under, if any
    # A page `project.render` lists that is not a chapter: Quarto renders it into the website only
    # (not the PDF, not the sidebar); the area profiles of CCGs are such pages.
    website_only: bool = False

    @property
    def page(self) -> Path:
        """The HTML page this chapter becomes, relative to the output folder (mirrors the source path)."""
        return self.source.with_suffix(".html")


@dataclass(frozen=True)
class FormatOptions:
    include_in_header: tuple[Path, ...] = ()
    include_before_body: tuple[Path, ...] = ()
    include_after_body: tuple[Path, ...] = ()
    css: tuple[Path, ...] = ()
    toc_depth: int = 3


@dataclass(frozen=True)
class Book:
    project_dir: Path
    title: str
    subtitle: str = ""
    author: tuple[str, ...] = ()
    date: str = ""
    lang: str = "en"
    chapters: tuple[Chapter, ...] = ()  # the book's chapters and appendices, then website-only pages
    bibliography: tuple[Path, ...] = ()
    csl: Path | None = None
    resources: tuple[str, ...] = ()
    output_file: str = "index"
    html: FormatOptions = field(default_factory=FormatOptions)
    typst: FormatOptions = field(default_factory=FormatOptions)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # for {{< meta >}}
    # Document metadata as Quarto merges it: _quarto.yml's top level, then each `metadata-files` entry.
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The PDF's own metadata from `metadata-files` (their `format: typst:` keys): the edition's colophon.
    typst_metadata: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _paths(value: Any, where: str, project_dir: Path) -> tuple[Path, ...]:
    """Quarto accepts a path, a list of paths, or `{file: path}` entries; `{text: ...}` is not supported here."""
    out = []
    for item in _as_list(value):
        if isinstance(item, dict) and "file" in item:
            item = item["file"]
        if not isinstance(item, str):
            raise RenderError(f"_quarto.yml: {where}: expected a file path, got {item!r}")
        path = project_dir / item
        if not path.is_file():
            raise RenderError(f"_quarto.yml: {where}: file '{item}' does not exist in {project_dir}")
        out.append(path)
    return tuple(out)


def _format_options(fmt: dict, name: str, project_dir: Path) -> FormatOptions:
    opts = fmt.get(name) or {}
    if not isinstance(opts, dict):  # `format: {html: default}`
        opts = {}
    return FormatOptions(
        include_in_header=_paths(opts.get("include-in-header"), f"format.{name}.include-in-header", project_dir),
        include_before_body=_paths(opts.get("include-before-body"), f"format.{name}.include-before-body", project_dir),
        include_after_body=_paths(opts.get("include-after-body"), f"format.{name}.include-after-body", project_dir),
        css=_paths(opts.get("css"), f"format.{name}.css", project_dir),
        toc_depth=int(opts.get("toc-depth", 3)),
    )


def _chapters(entries: Any, appendix: bool, project_dir: Path) -> list[Chapter]:
    """Flatten `book.chapters`/`book.appendices`, which may group chapters under `- part: ... chapters: [...]`."""
    out: list[Chapter] = []
    for entry in _as_list(entries):
        if isinstance(entry, str):
            out.append(Chapter(Path(entry), appendix))
        elif isinstance(entry, dict) and "part" in entry:
            part = str(entry["part"])
            # A part may itself be a .qmd file (its page); Quarto then renders it as a part title page.
            for ch in _chapters(entry.get("chapters"), appendix, project_dir):
                out.append(Chapter(ch.source, appendix, part))
        elif isinstance(entry, dict) and "file" in entry:
            out.append(Chapter(Path(entry["file"]), appendix))
        else:
            raise RenderError(f"_quarto.yml: book.chapters: cannot read entry {entry!r}")
    for ch in out:
        if ch.source.suffix not in (".qmd", ".md"):
            raise RenderError(f"_quarto.yml: chapter '{ch.source}': the pandoc path renders only .qmd and .md files")
        if not (project_dir / ch.source).is_file():
            raise RenderError(f"_quarto.yml: chapter '{ch.source}' does not exist in {project_dir}")
    return out


def _date(value: Any) -> str:
    if value in ("today", "now", "last-modified"):
        return _dt.date.today().isoformat()
    return "" if value is None else str(value)


# Keys of _quarto.yml that configure the project rather than being document metadata.
_CONFIG_KEYS = {"project", "book", "format", "metadata-files"}


def _metadata_files(raw: dict, project_dir: Path, config_path: Path) -> list[dict[str, Any]]:
    out = []
    for path in _paths(raw.get("metadata-files"), "metadata-files", project_dir):
        try:
            extra = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RenderError(f"'{path}' (metadata-files of '{config_path}'): invalid YAML: {exc}") from None
        if not isinstance(extra, dict):
            raise RenderError(f"'{path}' (metadata-files of '{config_path}'): expected a mapping of keys to values")
        out.append(extra)
    return out


def _metadata(raw: dict, extras: list[dict[str, Any]]) -> dict[str, Any]:
    metadata = {k: v for k, v in raw.items() if k not in _CONFIG_KEYS}
    for extra in extras:
        metadata.update({k: v for k, v in extra.items() if k not in _CONFIG_KEYS})
    return metadata


def _format_metadata(extras: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The `format: <name>:` keys of the metadata files, merged (Quarto reads them for that format only)."""
    merged: dict[str, Any] = {}
    for extra in extras:
        options = (extra.get("format") or {}).get(name)
        if isinstance(options, dict):
            merged.update(options)
    return merged


def _book_config(raw: dict, extras: list[dict[str, Any]]) -> dict[str, Any]:
    """`book:` of _quarto.yml with that of each metadata file merged in, as Quarto merges project
    configuration: mappings key by key, lists appended (a generated file can add chapters or appendices)."""
    book = dict(raw.get("book") or {})
    for extra in extras:
        for key, value in (extra.get("book") or {}).items():
            if isinstance(value, list) and isinstance(book.get(key), list):
                book[key] = book[key] + [v for v in value if v not in book[key]]
            else:
                book[key] = value
    return book


def _website_pages(project: dict, chapters: list[Chapter], project_dir: Path) -> list[Chapter]:
    """Files `project.render` lists that are not chapters, in path order (Quarto leaves out `_` files)."""
    listed = {ch.source for ch in chapters}
    pages = []
    for pattern in _as_list(project.get("render")):
        for path in sorted(project_dir.glob(str(pattern))):
            relative = path.relative_to(project_dir)
            if path.suffix in (".qmd", ".md") and not path.name.startswith("_") and relative not in listed:
                listed.add(relative)
                pages.append(Chapter(relative, appendix=True, website_only=True))
    return pages


def _read_config(project_dir: Path) -> tuple[Path, dict]:
    config_path = Path(project_dir) / "_quarto.yml"
    try:
        return config_path, yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RenderError(f"'{config_path}': no _quarto.yml, so this is not a Quarto project") from None
    except yaml.YAMLError as exc:
        raise RenderError(f"'{config_path}': invalid YAML: {exc}") from None


def book_chapters(project_dir: Path) -> list[Chapter]:
    """The book's chapters and appendices in order, read from _quarto.yml alone.

    Unlike `load_book`, this needs none of the files the build generates (the data notice, the
    availability metadata), so checks of the sources can run before the analysis does.
    """
    project_dir = Path(project_dir).resolve()
    book = _read_config(project_dir)[1].get("book") or {}
    return _chapters(book.get("chapters"), False, project_dir) + _chapters(book.get("appendices"), True, project_dir)


def load_book(project_dir: Path) -> Book:
    project_dir = Path(project_dir).resolve()
    config_path, raw = _read_config(project_dir)
    project = raw.get("project") or {}
    if project.get("type") != "book":
        raise RenderError(f"'{config_path}': project.type must be 'book' (got {project.get('type')!r})")
    extras = _metadata_files(raw, project_dir, config_path)
    book = _book_config(raw, extras)
    if not book.get("chapters"):
        raise RenderError(f"'{config_path}': book.chapters is empty")
    chapters = _chapters(book.get("chapters"), False, project_dir)
    chapters += _chapters(book.get("appendices"), True, project_dir)
    chapters += _website_pages(project, chapters, project_dir)
    fmt = raw.get("format") or {}
    csl = raw.get("csl") or book.get("csl")
    authors = [a.get("name", "") if isinstance(a, dict) else str(a) for a in _as_list(book.get("author"))]
    return Book(
        project_dir=project_dir,
        title=str(book.get("title", "")),
        subtitle=str(book.get("subtitle", "") or ""),
        author=tuple(authors),
        date=_date(book.get("date")),
        lang=str(raw.get("lang", "en")),
        chapters=tuple(chapters),
        bibliography=_paths(raw.get("bibliography") or book.get("bibliography"), "bibliography", project_dir),
        csl=_paths(csl, "csl", project_dir)[0] if csl else None,
        resources=tuple(str(r) for r in _as_list(project.get("resources"))),
        output_file=str(book.get("output-file") or book.get("title") or "index"),
        html=_format_options(fmt, "html", project_dir),
        typst=_format_options(fmt, "typst", project_dir),
        raw=raw,
        metadata=_metadata(raw, extras),
        typst_metadata=_format_metadata(extras, "typst"),
    )
