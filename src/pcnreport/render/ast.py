"""Small builders for pandoc JSON AST nodes (pandoc-api-version 1.23)."""

from __future__ import annotations

import re


def text_inlines(text: str) -> list[dict]:
    out: list[dict] = []
    for i, word in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def span(classes: list[str], inlines: list[dict]) -> dict:
    return {"t": "Span", "c": [["", classes, []], inlines]}


def header(level: int, ident: str, classes: list[str], inlines: list[dict]) -> dict:
    return {"t": "Header", "c": [level, [ident, classes, []], inlines]}


def div(ident: str, classes: list[str], blocks: list[dict]) -> dict:
    return {"t": "Div", "c": [[ident, classes, []], blocks]}


def raw_block(fmt: str, text: str) -> dict:
    return {"t": "RawBlock", "c": [fmt, text]}


def meta_string(value: str) -> dict:
    return {"t": "MetaString", "c": value}


def meta_bool(value: bool) -> dict:
    return {"t": "MetaBool", "c": value}


def nocite(keys: list[str]) -> dict:
    """`nocite` metadata listing `keys`, so citeproc lists works cited on other pages."""
    citations = [
        {"citationId": k, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
         "citationNoteNum": 0, "citationHash": 0}
        for k in keys
    ]
    return {"t": "MetaInlines", "c": [{"t": "Cite", "c": [citations, [{"t": "Str", "c": "@nocite"}]]}]}


def typst_string(text: str) -> str:
    """A Typst string literal (for titles passed into the template)."""
    return '"' + re.sub(r'(["\\])', r"\\\1", text).replace("\n", " ") + '"'
