"""Layout checks of a rendered PDF: every table row printed, in order; no text off the page or in the
footer's place; no line of text drawn over another.

Issue 16: long tables were one unbreakable block, so a table longer than a page printed its rows on top of
each other or ran them under the footer and off the page. Its text was still in the PDF's content stream,
so a check of the extracted text alone saw nothing wrong; these checks look at where each glyph is drawn.

Glyph positions come from PDFium (the pypdfium2 wheel): for each character its tight box (the ink of the
glyph), its baseline origin, size and angle. Coordinates here are points from the page's top-left corner,
y growing downwards, as a reader measures a page.

Plain functions, shared by tests/functional/test_pdf_layout.py (the pandoc + Typst PDF), the Quarto test
(tests/functional/test_quarto.py) and tests/unit/test_pdf_layout_checks.py (small PDFs that must fail).
"""

from __future__ import annotations

import html.parser
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

POINTS_PER_CM = 72 / 2.54

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True)
class Glyph:
    char: str
    box: Box  # the glyph's ink, as PDFium bounds it
    size: float  # the font size, in points


@dataclass(frozen=True)
class Run:
    """Glyphs drawn one after another along one baseline: a line of text, or a piece of one (a table cell,
    a chart label). Its text keeps the spaces the PDF holds; its glyphs leave them out (they have no ink)."""

    page: int  # 1-based
    text: str
    glyphs: tuple[Glyph, ...]

    @property
    def box(self) -> Box:
        return (min(g.box[0] for g in self.glyphs), min(g.box[1] for g in self.glyphs),
                max(g.box[2] for g in self.glyphs), max(g.box[3] for g in self.glyphs))

    def __str__(self) -> str:
        x0, top, x1, bottom = self.box
        return f"page {self.page}, ({x0:.0f}, {top:.0f})-({x1:.0f}, {bottom:.0f}) pt: {self.text.strip()!r}"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    runs: tuple[Run, ...]


# --- reading the PDF ---------------------------------------------------------------------------------


def read_pdf(path: Path | str) -> list[Page]:
    """Every page of the PDF at `path` with its runs of text, in the order the content stream draws them
    (for a Typst PDF, reading order: a table's cells row by row)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                chars = _chars(textpage, height)
            finally:
                textpage.close()
                page.close()
            pages.append(Page(index + 1, width, height, tuple(_runs(index + 1, chars))))
        return pages
    finally:
        document.close()


def _chars(textpage, height: float) -> list[_Char]:
    """The characters of one page through PDFium's C interface: the ~170,000 glyphs of the book cost a
    few calls each, so the calls are the raw ones, with their output variables made once."""
    import ctypes

    import pypdfium2.raw as raw

    handle = textpage.raw
    count = max(0, raw.FPDFText_CountChars(handle))  # -1 when PDFium cannot read the page
    # All the page's text at once, one UTF-16 unit for each character index, unless a character lies outside
    # the Basic Multilingual Plane (two units): then each character is asked for on its own.
    units = (ctypes.c_ushort * (count + 1))()
    raw.FPDFText_GetText(handle, 0, count, units)
    if any(0xD800 <= unit <= 0xDFFF for unit in units[:count]):
        codes = [raw.FPDFText_GetUnicode(handle, i) for i in range(count)]
    else:
        codes = list(units[:count])
    left, right, bottom, top, x, y = (ctypes.c_double() for _ in range(6))
    chars = []
    for i, code in enumerate(codes):
        # A hyphen Typst drew where it broke a word PDFium reports as a mark of its own (U+0002 one way,
        # U+FFFE the other): it is the "-" a reader sees.
        char = "-" if code in (0x02, 0xFFFE) else chr(code)
        if char.isspace():
            # PDFium adds characters of its own (line breaks, spaces between words it guesses): not drawn.
            if raw.FPDFText_IsGenerated(handle, i) != 0:
                continue
            chars.append(_Char(char, (0.0, 0.0, 0.0, 0.0), None, None, 0.0, 0.0))
            continue
        raw.FPDFText_GetCharBox(handle, i, left, right, bottom, top)
        raw.FPDFText_GetCharOrigin(handle, i, x, y)
        chars.append(_Char(char, (left.value, height - top.value, right.value, height - bottom.value),
                           x.value, height - y.value, raw.FPDFText_GetFontSize(handle, i),
                           raw.FPDFText_GetCharAngle(handle, i)))
    return chars


@dataclass(frozen=True)
class _Char:
    char: str
    box: Box
    x: float | None  # the baseline origin, top-left coordinates; None for a space (no ink, no position asked)
    y: float | None
    size: float
    angle: float  # radians, counter-clockwise as PDFium reports it


def _runs(page: int, chars: Sequence[_Char]) -> Iterable[Run]:
    """Split the page's characters into runs: a new run starts where the next glyph leaves the baseline,
    changes size or direction, steps backwards, or jumps ahead by more than a few spaces (the next cell)."""
    current: list[_Char] = []
    last: _Char | None = None  # the run's last glyph: spaces between words neither start nor end a run
    for char in chars:
        if char.x is None:
            if current:
                current.append(char)
            continue
        if last is not None and not _continues(last, char):
            yield _run(page, current)
            current = []
        current.append(char)
        last = char
    if current:
        yield _run(page, current)


def _continues(before: _Char, after: _Char) -> bool:
    size = max(before.size, after.size, 1.0)
    if abs(before.size - after.size) > 0.1 * size or abs(before.angle - after.angle) > 0.01:
        return False
    # Along the baseline (advance) and across it, in the text's own direction (a rotated axis title too).
    cos, sin = math.cos(after.angle), math.sin(after.angle)
    dx, dy = after.x - before.x, before.y - after.y  # y up, as the angle is measured
    advance, across = dx * cos + dy * sin, -dx * sin + dy * cos
    return abs(across) <= 0.2 * size and -0.1 * size <= advance <= 3 * size


def _run(page: int, chars: Sequence[_Char]) -> Run:
    glyphs = tuple(Glyph(c.char, c.box, c.size) for c in chars if not c.char.isspace() and _area(c.box) > 0)
    return Run(page, "".join(c.char for c in chars), glyphs)


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def ink_runs(pages: Iterable[Page]) -> list[Run]:
    """The runs that draw something (a run of spaces alone has no glyphs)."""
    return [run for page in pages for run in page.runs if run.glyphs]


# --- where text may be drawn ---------------------------------------------------------------------------


def template_margins(template: str) -> tuple[float, float]:
    """The page margins (x, y) in points that a Typst template sets with `margin: (x: ..cm, y: ..cm)`."""
    found = re.search(r"margin:\s*\(x:\s*([\d.]+)cm,\s*y:\s*([\d.]+)cm\)", template)
    if not found:
        raise ValueError("the template sets no `margin: (x: ..cm, y: ..cm)` on its pages")
    return float(found.group(1)) * POINTS_PER_CM, float(found.group(2)) * POINTS_PER_CM


def inset(page: Page, x: float, y: float) -> Box:
    """The page's box less `x` points at the left and right and `y` points at the top and bottom."""
    return (x, y, page.width - x, page.height - y)


def glyphs_outside(run: Run, area: Box, tolerance: float = 0.0) -> list[Glyph]:
    """The glyphs of `run` whose ink reaches more than `tolerance` points beyond `area`."""
    x0, top, x1, bottom = area
    return [g for g in run.glyphs if g.box[0] < x0 - tolerance or g.box[1] < top - tolerance
            or g.box[2] > x1 + tolerance or g.box[3] > bottom + tolerance]


def runs_off_the_printable_area(pages: Iterable[Page], margin: float) -> list[Run]:
    """Runs with ink closer than `margin` points to a page's edge, or past it (text cut off by the paper or
    by a printer's unprintable border). The running header and the page number sit well inside it."""
    return [run for page in pages for run in page.runs if glyphs_outside(run, inset(page, margin, margin))]


def page_furniture(notice: str) -> Callable[[Page, Run, Box], bool]:
    """Whether a run is the page's furniture, allowed in its margins: in the top margin, a piece of the
    running header (the data notice `notice`; none when empty); in the bottom margin, the page number."""
    wanted = squeeze(notice)

    def allowed(page: Page, run: Run, body: Box) -> bool:
        text = squeeze(run.text)
        _, top, _, bottom = run.box
        if bottom <= body[1]:
            return bool(wanted) and bool(text) and text in wanted
        if top >= body[3]:
            return re.fullmatch(r"\d+|[ivxlcdm]+", text) is not None
        return False

    return allowed


def runs_outside_the_body(pages: Iterable[Page], margins: tuple[float, float],
                          allowed: Callable[[Page, Run, Box], bool], tolerance: float = 0.35) -> list[Run]:
    """Runs drawn outside the body area (the page less its `margins` (x, y)) that are not page furniture
    (`allowed`, see `page_furniture`): body text run into the footer or header, or past the text's width.

    `tolerance` is in ems of the run's size: a last line's descenders hang below the body area's bottom
    (its baseline sits on it), a first line's accents above its top.
    """
    out = []
    for page in pages:
        body = inset(page, *margins)
        for run in page.runs:
            slack = tolerance * max(g.size for g in run.glyphs) if run.glyphs else 0.0
            if run.glyphs and glyphs_outside(run, body, slack) and not allowed(page, run, body):
                out.append(run)
    return out


# --- text drawn over text -----------------------------------------------------------------------------


def overlapping_runs(pages: Iterable[Page], share: float = 0.2) -> list[tuple[Run, Run]]:
    """Pairs of runs on one page whose glyphs are drawn over each other: a glyph of one run covering more
    than `share` of a glyph of the other (the smaller one). Glyphs of one run never count (kerned letters
    touch); two lines that merely touch (a descender over the next line's accent) share far less."""
    found: list[tuple[Run, Run]] = []
    cell = 12.0  # points: a grid of the page, so each glyph is compared with its neighbours only
    for page in pages:
        grid: dict[tuple[int, int], list[tuple[int, Glyph]]] = defaultdict(list)
        pairs: set[tuple[int, int]] = set()
        for index, run in enumerate(page.runs):
            for glyph in run.glyphs:
                for key in _cells(glyph.box, cell):
                    for other, seen in grid[key]:
                        if other != index and (other, index) not in pairs and _covers(glyph.box, seen.box, share):
                            pairs.add((other, index))
                    grid[key].append((index, glyph))
        found += [(page.runs[a], page.runs[b]) for a, b in sorted(pairs)]
    return found


def _cells(box: Box, cell: float) -> list[tuple[int, int]]:
    return [(i, j) for i in range(math.floor(box[0] / cell), math.floor(box[2] / cell) + 1)
            for j in range(math.floor(box[1] / cell), math.floor(box[3] / cell) + 1)]


def _covers(a: Box, b: Box, share: float) -> bool:
    common = (min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1]))
    if common[0] <= 0 or common[1] <= 0:
        return False
    return common[0] * common[1] > share * min(_area(a), _area(b))


# --- table rows -----------------------------------------------------------------------------------------


def squeeze(text: str) -> str:
    """Text reduced to what survives any line breaking: compatibility forms unfolded (ligatures, non-breaking
    spaces), all whitespace and hyphens (a word broken at a line's end) dropped."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u00ad\-\u2010\u2011]+", "", text)


class _Tables(html.parser.HTMLParser):
    """The tables of an HTML page as rows of cell texts (header rows included), in the page's order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.open: list[list[list[str]] | None] = []  # a stack: None for a table left out, nested tables too
        self.cell: list[str] | None = None
        self.hidden = 0  # depth inside an element a reader never sees

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.hidden:
            self.hidden += tag not in _VOID
            return
        if tag in _VOID:
            return
        if tag in ("script", "style", "template") or "hidden" in attrs:
            self.hidden = 1
        elif tag == "table":
            # A table written as raw HTML (the profiles' filterable list, marked so that Quarto leaves it
            # alone) belongs to the website only: raw HTML never reaches Typst.
            website_only = "data-quarto-disable-processing" in attrs
            self.open.append(None if website_only or (self.open and self.open[-1] is None) else [])
        elif tag == "tr" and self.open and self.open[-1] is not None:
            self.open[-1].append([])
        elif tag in ("td", "th") and self.open and self.open[-1] is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if self.hidden:
            self.hidden -= tag not in _VOID
            return
        if tag in ("td", "th") and self.cell is not None and self.open and self.open[-1]:
            self.open[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.open:
            rows = self.open.pop()
            if rows:
                self.tables.append([row for row in rows if any(row)])

    def handle_data(self, data):
        if self.cell is not None and not self.hidden:
            self.cell.append(data)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def html_tables(markup: str) -> list[list[list[str]]]:
    """The printable tables of an HTML page: each a list of rows, each row its cells' texts."""
    parser = _Tables()
    parser.feed(markup)
    return parser.tables


def printed_tables(book: Path, pages: Iterable[str]) -> list[tuple[str, list[list[str]]]]:
    """(page, rows) for every table of the HTML `pages` (relative to the built site `book`), in order."""
    return [(page, rows) for page in pages for rows in html_tables((book / page).read_text(encoding="utf-8"))]


def reading_text(pages: Iterable[Page], illegible: Iterable[Run] = ()) -> str:
    """The PDF's text as a reader can see it, squeezed (see `squeeze`): only ink inside each page's paper,
    in drawing order, less the runs `illegible` (those drawn over others, see `overlapping_runs`). Text run
    off the paper or piled on other text is in the PDF's content all the same; left out here, a row lost
    that way counts as missing."""
    unreadable = {id(run) for run in illegible}
    parts = []
    for page in pages:
        paper = inset(page, 0, 0)
        parts += [run.text for run in page.runs
                  if run.glyphs and id(run) not in unreadable and not glyphs_outside(run, paper)]
    return squeeze("".join(parts))


def missing_rows(tables: Iterable[tuple[str, list[list[str]]]], text: str, slack: int = 400) -> list[str]:
    """The rows of `tables` (see `printed_tables`) not found in `text` (see `reading_text`) in order.

    Each row's cells are looked for one after another from where the previous row ended, and must all lie
    within the row's own length plus `slack` characters of its first cell (room for a repeated header row,
    a page's footer and header, a caption's continuation between two rows). The first row that cannot be
    found stops the search of its table (what follows would be reported for the same cause); the next
    table is looked for from where the lost one began.
    """
    problems = []
    cursor = 0
    for page, rows in tables:
        start = cursor
        for number, row in enumerate(rows, 1):
            cells = [squeeze(cell) for cell in row if squeeze(cell)]
            end = _find_row(cells, text, cursor, slack)
            if end is None:
                problems.append(f"{page}: table of {len(rows)} rows starting {rows[0][:3]}: "
                                f"row {number} {row} not found in order")
                cursor = start
                break
            cursor = end
    return problems


def _find_row(cells: list[str], text: str, cursor: int, slack: int) -> int | None:
    """Where in `text` the row whose squeezed `cells` first appears in order from `cursor` ends; None when
    it does not (within the window)."""
    if not cells:
        return cursor
    length = sum(len(cell) for cell in cells)
    begin = text.find(cells[0], cursor)
    while begin != -1:
        position, ok = begin + len(cells[0]), True
        for cell in cells[1:]:
            found = text.find(cell, position)
            if found == -1 or found + len(cell) - begin > length + slack:
                ok = False
                break
            position = found + len(cell)
        if ok:
            return position
        begin = text.find(cells[0], begin + 1)
    return None


# --- the report's PDF as a whole ------------------------------------------------------------------------


def data_notice(project: Path) -> str:
    """The data notice a build printed as the PDF's running header (empty for a build on real data)."""
    notice = Path(project) / "_generated" / "data-notice.typ"
    text = notice.read_text(encoding="utf-8") if notice.is_file() else ""
    found = re.search(r'"((?:[^"\\]|\\.)*)"\)\)\)\s*$', text)
    return re.sub(r"\\(.)", r"\1", found.group(1)) if found else ""


def book_tables(project: Path, book: Path) -> list[tuple[str, list[list[str]]]]:
    """The tables of the book's chapters in print, from its built HTML pages (see `printed_tables`).

    The built HTML is the source of truth for the tables: both renderers make it from the same sources as
    the PDF, and it keeps each table's rows and cells as structure. The Typst source would have to be
    parsed as a language, and the pandoc path never writes it to a file. The website-only pages (the CCG
    profiles) are left out, as the PDF leaves them out.
    """
    from pcnreport.render.book import load_book

    in_print = [chapter.page.as_posix() for chapter in load_book(project).chapters if not chapter.website_only]
    return printed_tables(book, in_print)


def book_layout_problems(project: Path, book: Path, pdf: Path, template: Path,
                         printable_margin: float = 0.5 * POINTS_PER_CM) -> dict[str, list[str]]:
    """Every layout check of the book's PDF, each with its findings (all empty for a good PDF).

    `book` is the built site holding the HTML pages (see `book_tables`); `template` the Typst template
    whose page margins the body must keep within. `printable_margin` is the border of the paper no text
    may reach: 5 mm, which the running header and the page number (about 12 mm from the edges) keep clear of.
    """
    pages = read_pdf(pdf)
    overlapping = overlapping_runs(pages)
    illegible = [run for pair in overlapping for run in pair]
    margins = template_margins(Path(template).read_text(encoding="utf-8"))
    return {
        "rows missing or out of order": missing_rows(book_tables(project, book), reading_text(pages, illegible)),
        "text off the printable area": [str(run) for run in runs_off_the_printable_area(pages, printable_margin)],
        "body text in the margins": [str(run) for run in runs_outside_the_body(
            pages, margins, page_furniture(data_notice(project)))],
        "text drawn over text": [f"{a} over {b}" for a, b in overlapping],
    }
