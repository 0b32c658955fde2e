"""Walk pandoc JSON ASTs in Python: conditional content, chapter numbers and the cross-reference table.

Every chapter must be read before any is written, because `@fig-x` in chapter 7 may point at a figure in
chapter 6. So the pandoc path parses all chapters to JSON first, this module numbers what it finds, and the
Lua filter (`filters/crossref.lua`) only formats captions and links from the table it is handed.
Numbers are per output format: a figure shown only in HTML must not shift the numbers in the PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import RenderError

PREFIXES = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
# Quarto's format aliases, reduced to the two outputs this path writes.
FORMAT_NAMES = {"html": {"html", "html4", "html5"}, "typst": {"typst", "pdf"}}


def _attr(node: dict) -> tuple[str, list[str], dict[str, str]] | None:
    """The (id, classes, attributes) of Div/Span/Header/Figure/Table/Image/CodeBlock nodes, else None."""
    t, c = node.get("t"), node.get("c")
    if t in ("Div", "Span", "Figure", "Table", "CodeBlock"):
        a = c[0]
    elif t in ("Header",):
        a = c[1]
    elif t in ("Image", "Link"):
        a = c[0]
    else:
        return None
    return a[0], a[1], dict(a[2])


def meta_truthy(meta: dict, key: str) -> bool:
    """Quarto's `when-meta` test: the value at a dotted key path is present and truthy."""
    value: Any = meta
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return bool(value)


def visible(node: dict, fmt: str, meta: dict | None = None) -> bool | None:
    """True/False for Quarto conditional content; None if the node is not conditional.

    Supports `when-format`/`unless-format` and `when-meta`/`unless-meta` (metadata from
    `_quarto.yml` and its `metadata-files`); all conditions given must hold.
    """
    a = _attr(node)
    if a is None:
        return None
    _, classes, kv = a
    if "content-visible" in classes:
        show = True
    elif "content-hidden" in classes:
        show = False
    else:
        return None
    names = FORMAT_NAMES[fmt]
    conds = []
    if "when-format" in kv:
        conds.append(kv["when-format"] in names)
    if "unless-format" in kv:
        conds.append(kv["unless-format"] not in names)
    if "when-meta" in kv:
        conds.append(meta_truthy(meta or {}, kv["when-meta"]))
    if "unless-meta" in kv:
        conds.append(not meta_truthy(meta or {}, kv["unless-meta"]))
    matches = all(conds) if conds else True
    return matches if show else not matches


def apply_conditionals(tree: Any, fmt: str, meta: dict | None = None) -> Any:
    """Drop conditional Divs/Spans/CodeBlocks that do not apply to `fmt`; unwrap Divs/Spans that do.

    Works in place (callers pass a fresh copy of the AST for each format).
    """
    if isinstance(tree, list):
        i = 0
        while i < len(tree):
            item = tree[i]
            show = visible(item, fmt, meta) if isinstance(item, dict) else None
            if show is None:
                apply_conditionals(item, fmt, meta)
                i += 1
            elif show and item["t"] in ("Div", "Span"):
                tree[i : i + 1] = item["c"][1]  # unwrap; the unwrapped items are visited next
            elif show:
                i += 1
            else:
                del tree[i]
    elif isinstance(tree, dict):
        c = tree.get("c")
        if isinstance(c, (list, dict)):
            apply_conditionals(c, fmt, meta)
        elif "t" not in tree:
            for v in tree.values():
                apply_conditionals(v, fmt, meta)
    return tree


def walk(tree: Any) -> Iterator[dict]:
    """Every AST node, in document order (parents before children).

    Iterative and skipping leaf strings: a chapter has tens of thousands of Str nodes, and a recursive
    generator made this walk the slowest step of the render.
    """
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                yield item
                c = item.get("c")
                if isinstance(c, (list, dict)):
                    stack.append(c)
            else:  # Citation records and metadata maps
                stack.extend(v for v in reversed(list(item.values())) if isinstance(v, (list, dict)))


def stringify(tree: Any) -> str:
    parts = []
    for node in walk(tree):
        if node["t"] == "Str":
            parts.append(node["c"])
        elif node["t"] in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif node["t"] == "Code":
            parts.append(node["c"][1])
    return "".join(parts)


@dataclass
class Target:
    id: str
    kind: str  # fig, tbl, sec
    label: str  # "Figure 6.1"
    number: str  # "6.1"
    chapter: int  # index into the book's chapter list


@dataclass
class ChapterInfo:
    title: str
    number: str | None  # "6", "A", or None when unnumbered
    heading_id: str
    targets: list[Target] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)  # every citation key in document order (incl. fig-/tbl-)
    images: list[str] = field(default_factory=list)  # image targets as written
    has_refs: bool = False  # holds the `::: {#refs}` div where the reference list goes


def first_heading(blocks: list) -> dict | None:
    for b in blocks:
        if b.get("t") == "Header" and b["c"][0] == 1:
            return b
    return None


def number_chapters(docs: list[dict], appendix_flags: list[bool], is_index: list[bool]) -> list[str | None]:
    """Quarto's book numbering: in order, skipping index.qmd and chapters whose title is `.unnumbered`."""
    numbers: list[str | None] = []
    n = a = 0
    for doc, appendix, index in zip(docs, appendix_flags, is_index):
        h = first_heading(doc["blocks"])
        unnumbered = index or (h is not None and ("unnumbered" in h["c"][1][1] or "-" in h["c"][1][1]))
        if unnumbered:
            numbers.append(None)
        elif appendix:
            numbers.append(chr(ord("A") + a))
            a += 1
        else:
            n += 1
            numbers.append(str(n))
    return numbers


def _target_id(node: dict) -> str | None:
    a = _attr(node)
    if a is None or not a[0]:
        return None
    prefix = a[0].split("-", 1)[0]
    if node["t"] == "Header":
        return a[0] if prefix == "sec" else None
    if node["t"] in ("Div", "Figure") and prefix in ("fig", "tbl"):
        return a[0]
    if node["t"] == "Table" and prefix == "tbl":
        return a[0]
    if node["t"] == "Image" and prefix == "fig":
        return a[0]
    return None


def section_numbers(blocks: list, chapter_number: str | None) -> dict[int, str]:
    """Numbers of the chapter's own headings, keyed by id(node): "6" for the title, "6.2.1" below it.

    Only top-level headings count: a `## Title` inside a callout is the callout's title, not a section.
    """
    if chapter_number is None:
        return {}
    out: dict[int, str] = {}
    counters: list[int] = []
    for b in blocks:
        if b.get("t") != "Header":
            continue
        level, (_, classes, _), _ = b["c"]
        if level == 1:
            out[id(b)] = chapter_number
            counters = []
            continue
        if "unnumbered" in classes or "-" in classes:
            continue
        counters = (counters + [0] * level)[: level - 1]
        counters[level - 2] += 1
        out[id(b)] = ".".join([chapter_number] + [str(n) for n in counters])
    return out


def collect(doc: dict, index: int, number: str | None) -> ChapterInfo:
    h = first_heading(doc["blocks"])
    info = ChapterInfo(
        title=stringify(h["c"][2]) if h else "",
        number=number,
        heading_id=h["c"][1][0] if h else "",
    )
    counts = {"fig": 0, "tbl": 0}
    sections = section_numbers(doc["blocks"], number)
    for node in walk(doc["blocks"]):
        t = node["t"]
        if t == "Cite":
            info.cites.extend(c["citationId"] for c in node["c"][0])
        elif t == "Image":
            info.images.append(node["c"][2][0])
        elif t == "Div" and node["c"][0][0] == "refs":
            info.has_refs = True
        tid = _target_id(node)
        if tid is None:
            continue
        kind = tid.split("-", 1)[0]
        if kind == "sec":
            num = sections.get(id(node))
            if num is None:
                raise RenderError(f"section '{tid}' has no number (unnumbered chapter or heading), so @{tid} cannot refer to it")
            # Appendices are lettered ("A"), and a reference to one reads "Appendix A", as in Quarto.
            top = "Appendix" if num[0].isalpha() else "Chapter"
            label = f"{top} {num}" if node["c"][0] == 1 else f"Section {num}"
            info.targets.append(Target(tid, kind, label, num, index))
            continue
        counts[kind] += 1
        num = f"{number}.{counts[kind]}" if number else str(counts[kind])
        info.targets.append(Target(tid, kind, f"{PREFIXES[kind]} {num}", num, index))
    return info


def number_headings(doc: dict, number: str | None) -> None:
    """Write Quarto's chapter and section numbers into the headings (both outputs show the same numbers)."""
    numbers = section_numbers(doc["blocks"], number)
    for b in doc["blocks"]:
        num = numbers.get(id(b))
        if num is None:
            continue
        cls = "chapter-number" if b["c"][0] == 1 else "header-section-number"
        b["c"][2] = [{"t": "Span", "c": [["", [cls], []], [{"t": "Str", "c": num}]]}, {"t": "Space"}] + b["c"][2]


def map_nodes(tree: Any, fn: Callable[[dict], dict | None]) -> Any:
    """Rebuild the tree, replacing each node for which `fn` returns a new node."""
    if isinstance(tree, list):
        return [map_nodes(item, fn) for item in tree]
    if isinstance(tree, dict):
        if "t" in tree:
            new = fn(tree)
            if new is not None:
                return new
        return {k: map_nodes(v, fn) for k, v in tree.items()}
    return tree
