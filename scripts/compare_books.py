"""Compare two built books: the same numbers and the same text on every page, whatever the markup.

    .venv/bin/python scripts/compare_books.py OLD/_book NEW/_book

Made for changes that must not change what a reader gets (a refactoring, a dependency update): it
compares `numbers.json` value by value, the visible text of every HTML page (scripts, styles and markup
left out) and the text of every PDF page, and lists each difference. Exit 0 when they agree, 1 when
not. Pass `--ignore KEY` (repeatable) for numbers that are expected to differ between any two builds,
such as the build's own timestamp.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import sys
from pathlib import Path

SKIPPED_ELEMENTS = {"script", "style", "template", "noscript"}


class _VisibleText(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def flatten(value, prefix: str = "") -> dict[str, object]:
    """{"a": {"b": 1}} -> {"a.b": 1}: one entry a number, so a difference names its key."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}


def number_differences(old: Path, new: Path, ignore: set[str]) -> list[str]:
    a = flatten(json.loads(old.read_text(encoding="utf-8")))
    b = flatten(json.loads(new.read_text(encoding="utf-8")))
    keys = sorted(k for k in a.keys() | b.keys() if not any(k == i or k.startswith(i + ".") for i in ignore))
    return [f"numbers.json {k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}" for k in keys if a.get(k) != b.get(k)]


def _first_difference(a: str, b: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at character {at}: ...{a[max(0, at - 60):at + 60]!r} -> ...{b[max(0, at - 60):at + 60]!r}"


def page_differences(old: Path, new: Path) -> list[str]:
    a = {p.relative_to(old).as_posix() for p in old.rglob("*.html")}
    b = {p.relative_to(new).as_posix() for p in new.rglob("*.html")}
    found = [f"page only in the old book: {p}" for p in sorted(a - b)]
    found += [f"page only in the new book: {p}" for p in sorted(b - a)]
    for page in sorted(a & b):
        before, after = page_text(old / page), page_text(new / page)
        if before != after:
            found.append(f"{page}: text differs {_first_difference(before, after)}")
    return found


def pdf_differences(old: Path, new: Path) -> list[str]:
    from pypdf import PdfReader  # a test dependency: only this script and the tests read PDFs

    pdfs = sorted(p.name for p in old.glob("*.pdf"))
    if pdfs != sorted(p.name for p in new.glob("*.pdf")):
        return [f"PDFs differ: {pdfs} -> {sorted(p.name for p in new.glob('*.pdf'))}"]
    found = []
    for name in pdfs:
        a = [re.sub(r"\s+", " ", page.extract_text()).strip() for page in PdfReader(old / name).pages]
        b = [re.sub(r"\s+", " ", page.extract_text()).strip() for page in PdfReader(new / name).pages]
        if len(a) != len(b):
            found.append(f"{name}: {len(a)} pages -> {len(b)} pages")
        found += [f"{name} page {i + 1}: {_first_difference(x, y)}" for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the reference book folder (a _book/)")
    parser.add_argument("new", type=Path, help="the book folder to compare with it")
    parser.add_argument("--ignore", action="append", default=[], help="a numbers.json key (dotted) to leave out")
    args = parser.parse_args(argv)
    differences = number_differences(args.old / "numbers.json", args.new / "numbers.json", set(args.ignore))
    differences += page_differences(args.old, args.new) + pdf_differences(args.old, args.new)
    for line in differences:
        print(line)
    pages = len(list(args.new.rglob("*.html")))
    print(f"{len(differences)} differences; {pages} pages, numbers.json and the PDF compared")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
