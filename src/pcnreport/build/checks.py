"""Checks on the book's sources and on the built site, each reporting every problem with file and line.

The build calls them around rendering (see the README, "How it works"):
- `check_supported_features(project_dir)`: before anything else, since it reads only the sources: a
  chapter must stay within the Quarto subset both renderers draw (listed in `pcnreport.render`'s
  docstring), or the book would render under Quarto and break without it;
- `check_no_typed_numbers(project_dir, variables)`: once `_variables.yml`'s content is known: a number
  the analysis computes, typed into the prose, goes stale silently when the data change;
- `check_site_links(site_dir)`: on the rendered site: every internal link and `#anchor` resolves.

Each raises `RenderError` listing all the problems it found, not just the first (a writer fixes a
chapter in one pass).
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pcnreport.core.errors import RenderError
from pcnreport.render.book import book_chapters
from pcnreport.render.shortcodes import SUPPORTED_SHORTCODES

# Folders the build writes: a fragment included from there is generated output, not prose.
GENERATED_DIRS = ("figures", "_generated", "_build", "_book")
# The class that marks a number in the prose as deliberately typed (a date, a policy threshold that
# happens to equal a computed value): `[30]{.fixed-number}`.
FIXED_NUMBER_CLASS = "fixed-number"

_INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+?)\s*>\}\}")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*)$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"'{self.file}', line {self.line}: {self.message}"


def _raise(problems: list[Problem], summary: str) -> None:
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise RenderError(f"{summary} ({len(problems)} problem(s)):\n{lines}")


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


# --- the chapters and what they include ------------------------------------------------------------

def _source_files(project_dir: Path) -> Iterator[tuple[Path, str]]:
    """Each chapter of the book, then each hand-written file it includes: (path, text)."""
    project_dir = Path(project_dir).resolve()
    seen: set[Path] = set()
    queue = [project_dir / ch.source for ch in book_chapters(project_dir)]
    while queue:
        path = queue.pop(0).resolve()
        if path in seen or not path.is_file():
            continue  # a missing include is the renderer's to report, with its line
        seen.add(path)
        rel = path.relative_to(project_dir) if project_dir in path.parents else path
        if rel.parts and rel.parts[0] in GENERATED_DIRS:
            continue
        text = path.read_text(encoding="utf-8")
        yield path, text
        for m in _INCLUDE.finditer(text):
            arg = m.group(1).strip("\"'")
            queue.append(project_dir / arg.lstrip("/") if arg.startswith("/") else path.parent / arg)


def _rel(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(Path(project_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def _blank(match: re.Match) -> str:
    """Replace matched text by spaces, keeping its newlines so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _fenced_blocks(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line number, line, state) for each line: state is "open", "body" or "close" in a fenced block,
    else None."""
    fence = None
    for lineno, line in enumerate(text.split("\n"), 1):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            yield lineno, line, "open"
        elif fence is not None:
            if m and m.group(1).startswith(fence) and not m.group(2).strip():
                fence = None
                yield lineno, line, "close"
            else:
                yield lineno, line, "body"
        else:
            yield lineno, line, None


def _mask_blocks(text: str) -> str:
    """Blank YAML front matter, fenced blocks (code and raw) and HTML comments."""
    text = re.sub(r"\A---\n.*?\n(?:---|\.\.\.)\n", _blank, text, flags=re.S)
    text = "\n".join(" " * len(line) if state else line for _, line, state in _fenced_blocks(text))
    return re.sub(r"<!--.*?-->", _blank, text, flags=re.S)


def _mask_code(text: str) -> str:
    """`_mask_blocks`, and inline code too."""
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", _blank, _mask_blocks(text), flags=re.S)


# --- (a) numbers typed into the prose ------------------------------------------------------------

_LABELLED = re.compile(
    r"\b(?:Figures?|Tables?|Sections?|Chapters?|Appendix|Appendices|Box(?:es)?|pp?\.|pages?|paragraph|"
    r"version|RQ|WP|ID|[Ii]nterviewee|[Rr]espondent|[Pp]articipant|[Qq]uestion)\s*\d[\d.,]*"
    r"(?:\s*(?:-|–|to|and)\s*\d[\d.,]*)?",
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b")
_NON_PROSE = [
    re.compile(r"\{\{\{?<.*?>\}\}\}?", re.S),               # shortcodes, escaped ones too
    re.compile(r"\[[^\[\]]*\]\{[^{}]*\." + FIXED_NUMBER_CLASS + r"\b[^{}]*\}"),  # marked as typed on purpose
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),        # link and image targets
    re.compile(r"<?https?://[^\s>)]+>?"),                   # bare URLs
    re.compile(r"\{[^{}\n]*[#.=][^{}\n]*\}"),               # attribute blocks {#id .class key=value}
    re.compile(r"-?@[\w][\w:.#$%&+?<>~/-]*"),                # citations and cross-references
    _LABELLED,                                              # "Table 6.4" names a table, not a value
    _DATE,                                                  # "29 May 2020", "May 29"
    re.compile(r"<[^>\n]+>"),                               # inline HTML tags and their attributes
]
# A fiscal year ("2017/18", "2019-20") is one token; otherwise a number, with its % sign; an ordinal
# ("90th") or a number with a unit letter ("£40m") is not a value the analysis prints.
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{4}[/-]\d{2}(?!\d)|\d(?:[\d,.]*\d)?%?)(?![A-Za-z])")
_YEAR = re.compile(r"(?:19|20)\d\d")
_VALUE = re.compile(r"[£$€]?-?\d[\d,]*(?:\.\d+)?%?")

# What a number is, so that a typed number is compared only with computed numbers of its kind: "70% to
# 100%" in a sentence about reimbursement is not the count of 70 single-practice PCNs.
# - a percentage: typed with "%" or "per cent"/"percent" after it, or opening a range that ends with one
#   ("70 to 100%", "70-100%"; not "5.4 and 17.2%", which lists two values); computed as a value formatted with "%", or held by a key that says it is one (`within_pct`,
#   `pct_rural`, `share`), which chapters print as `{{< var ... >}}%`;
# - an amount of money: typed or formatted with a currency sign before it ("£1,250");
# - any other number. Counts and decimals need no kinds of their own: they are compared as text, and
#   "12" never equals "12.0", so a decimal can only match a decimal printed to the same places.
# Years need no kind either: a typed year is a date and never compared (`typed_numbers` skips it).
PERCENTAGE, MONEY, NUMBER = "percentage", "amount of money", "number"
_PERCENT_WORDS = r"(?:%|\s*per[\s-]?cent\b)"
_PERCENT_AFTER = re.compile(
    rf"{_PERCENT_WORDS}|\s*(?:-|–|to)\s*\d[\d.,]*{_PERCENT_WORDS}", re.I
)
_PERCENT_KEY = re.compile(r"(?:^|_)(?:pct|percent|percentage|share)(?:_|$)")
_CURRENCY = "£$€"


def _prose(text: str) -> str:
    text = _mask_code(text)
    for pattern in _NON_PROSE:
        text = pattern.sub(_blank, text)
    return text


def computed_values(variables: dict, skip: Iterable[str] = ("published", "data")) -> dict[str, list[str]]:
    """Each formatted number of 2+ digits in `variables` -> the dotted keys that hold it.

    `published` holds the interim report's printed values (typing them is quoting, not computing) and
    `data` the build's description; `releases` entries are dataset labels such as '2011', not results.
    """
    out: dict[str, list[str]] = {}

    def walk(node: Any, keys: list[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if str(k) != "releases" and not (not keys and str(k) in skip):
                    walk(v, keys + [str(k)])
            return
        if isinstance(node, (list, tuple)) or isinstance(node, bool) or node is None:
            return
        value = str(node).strip()
        if _VALUE.fullmatch(value) and sum(c.isdigit() for c in value) >= 2:
            out.setdefault(value, []).append(".".join(keys))

    walk(variables or {}, [])
    return out


def computed_kind(text: str, key: str) -> tuple[str, str]:
    """(kind, the bare number) of a computed value: `text` as formatted, `key` its dotted key."""
    if text.endswith("%"):
        return PERCENTAGE, text[:-1]
    if text[0] in _CURRENCY:
        return MONEY, text[1:]
    if _PERCENT_KEY.search(key.rsplit(".", 1)[-1]):
        return PERCENTAGE, text
    return NUMBER, text


def typed_numbers(text: str) -> Iterator[tuple[int, str]]:
    """(line, number) for each number of 2+ digits in the prose, outside shortcodes, code and labels."""
    for line, token, _kind, _bare in typed_values(text):
        yield line, token


def typed_values(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(line, number as typed, kind, the bare number) for each number `typed_numbers` finds."""
    prose = _prose(text)
    for m in _NUMBER.finditer(prose):
        token = m.group(0)
        if sum(c.isdigit() for c in token) < 2 or _YEAR.fullmatch(token):
            continue  # a lone digit is too common in prose; a year is a date, not a result
        bare = token.rstrip("%")
        if token.endswith("%") or _PERCENT_AFTER.match(prose, m.end()):
            kind = PERCENTAGE
        elif m.start() > 0 and prose[m.start() - 1] in _CURRENCY:
            kind = MONEY
        else:
            kind = NUMBER
        yield _line_of(prose, m.start()), token, kind, bare


_VAR_SECTION = re.compile(r"\{\{<\s*var\s+([\w-]+)")


def _distinctive(bare: str) -> bool:
    """A number unlikely to equal a computed one of its kind by chance: 3+ digits, a separator or a decimal.

    A two-digit percentage is not: the build computes dozens of percentages, so "98% of practices"
    quoted from a policy paper would often equal one of them on some release.
    """
    return sum(c.isdigit() for c in bare) >= 3 or any(c in bare for c in ",./")


def computed_index(variables: dict) -> dict[tuple[str, str], list[str]]:
    """(kind, bare number) -> the dotted keys that compute it (see `computed_kind`)."""
    index: dict[tuple[str, str], list[str]] = {}
    for text, keys in computed_values(variables).items():
        for key in keys:
            index.setdefault(computed_kind(text, key), []).append(key)
    return index


def check_no_typed_numbers(project_dir: Path, variables: dict) -> None:
    """Fail when a chapter types a number that `variables` (the content of _variables.yml) computes.

    A typed number is compared only with computed numbers of its kind (a percentage with percentages, an
    amount with amounts, any other number with other numbers; see `PERCENTAGE`). A distinctive number
    (`1,250`, `5.4`, `17.2%`, `135`) is compared with every computed value of its kind. A two-digit
    number (`16`, `58%`) is compared only with the sections of `variables` the file itself uses through
    `{{< var >}}`: "16 interviews" in a qualitative chapter must not fail the build because some count
    in another analysis happens to be 16 on this release of the data.
    """
    values = computed_index(variables)
    problems = []
    for path, text in _source_files(project_dir):
        used = set(_VAR_SECTION.findall(text))
        for line, token, kind, bare in typed_values(text):
            keys = values.get((kind, bare))
            if keys and not _distinctive(bare):
                keys = [k for k in keys if k.split(".", 1)[0] in used]
            if not keys:
                continue
            shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
            problems.append(Problem(
                _rel(path, project_dir), line,
                f"'{token}' is typed, but the analysis computes it ({shown}): write "
                f"{{{{< var {keys[0]} >}}}} so it follows the data, or, if the number only happens to "
                f"equal a computed one, mark it [{token}]{{.{FIXED_NUMBER_CLASS}}}",
            ))
    _raise(problems, "chapters type numbers the analysis computes")


# --- (b) Quarto features the pandoc path does not render --------------------------------------------

_XREF_UNSUPPORTED = "eq|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|alg"
_FEATURES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?<![\w@])-?@(?:" + _XREF_UNSUPPORTED + r")-[\w-]+"),
     "cross-reference to an equation, listing or theorem: only @fig-, @tbl- and @sec- are supported"),
    (re.compile(r"\{[^{}\n]*#(?:" + _XREF_UNSUPPORTED + r")-[^{}\n]*\}"),
     "equation, listing or theorem label: only fig-, tbl- and sec- labels are numbered"),
    (re.compile(r"\{[^{}\n]*\.panel-[\w-]+[^{}\n]*\}"),
     "tabsets and panels (.panel-tabset, .panel-*): write the content one part after another"),
    (re.compile(r"\{[^{}\n]*\.(?:column-[\w-]+|aside)\b[^{}\n]*\}"),
     "page layout classes (.column-*, .aside): the site has one text column"),
    (re.compile(r"\{[^{}\n]*\blayout(?:-ncol|-nrow|-valign|-align)?\s*=[^{}\n]*\}"),
     "figure layouts and subfigures (layout, layout-ncol, layout-nrow): use one figure each"),
    (re.compile(r"\{[^{}\n]*\.callout-[^{}\n]*\bcollapse\s*=[^{}\n]*\}"),
     "collapsible callouts (collapse=): callouts are always open"),
    (re.compile(r"\{[^{}\n]*\.content-(?:visible|hidden)[^{}\n]*\b(?:when|unless)-profile\s*=[^{}\n]*\}"),
     "conditional content on profiles (when-profile, unless-profile): use when-format or when-meta"),
]
_INLINE_CELL = re.compile(r"`\{(?:python|r|julia|ojs)\}[^`\n]*`|`r [^`\n]+`")
_CELL = re.compile(r"^\s*(?:`{3,}|~{3,})\s*\{\s*([A-Za-z][\w-]*)")
_SHORTCODE_NAME = re.compile(r"(?<!\{)\{\{<\s*([\w-]+)")


def unsupported_features(text: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each use of a Quarto feature the pandoc path cannot render."""
    for lineno, line, state in _fenced_blocks(text):
        m = _CELL.match(line) if state == "open" else None
        if m:
            lang = m.group(1)
            kind = "diagram" if lang in ("mermaid", "dot") else "executable code cell"
            yield lineno, (f"{kind} ```{{{lang}}}: chapters run no code; the analysis notebooks write "
                           "figures, tables and _variables.yml, which chapters include")
    blocks = _mask_blocks(text)
    for m in _INLINE_CELL.finditer(blocks):
        yield _line_of(blocks, m.start()), ("inline executable code: chapters run no code; put the number "
                                            "in _variables.yml and use {{< var >}}")
    masked = _mask_code(text)
    for m in _SHORTCODE_NAME.finditer(masked):
        if m.group(1) not in SUPPORTED_SHORTCODES:
            yield (_line_of(masked, m.start()),
                   f"shortcode '{m.group(1)}' (supported: {', '.join(SUPPORTED_SHORTCODES)})")
    for pattern, what in _FEATURES:
        for m in pattern.finditer(masked):
            yield _line_of(masked, m.start()), what


def check_supported_features(project_dir: Path) -> None:
    """Fail when a chapter (or a file it includes) uses a Quarto feature outside the supported subset."""
    problems = []
    for path, text in _source_files(project_dir):
        for line, what in sorted(set(unsupported_features(text))):
            problems.append(Problem(_rel(path, project_dir), line, f"the pandoc path does not support {what}"))
    _raise(problems, "chapters use Quarto features the pandoc + Typst renderer does not support "
                     "(see 'Rendering' in the README)")


# --- links of the built site --------------------------------------------------------------------------

class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        attr = {"a": "href", "link": "href", "area": "href", "script": "src", "img": "src",
                "source": "src", "iframe": "src"}.get(tag)
        if attr and a.get(attr) is not None:
            self.links.append((self.getpos()[0], a[attr]))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def site_link_problems(site_dir: Path) -> list[Problem]:
    site_dir = Path(site_dir).resolve()
    pages = {p.resolve(): _parse(p) for p in sorted(site_dir.rglob("*.html"))}
    problems = []
    for page, parsed in pages.items():
        rel = page.relative_to(site_dir).as_posix()
        for line, href in parsed.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("data:", "javascript:")) or href == "#":
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if site_dir != target and site_dir not in target.parents:
                problems.append(Problem(rel, line, f"link '{href}' leaves the site folder"))
            elif not target.is_file():
                problems.append(Problem(rel, line, f"link '{href}': no such file"))
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(Problem(rel, line, f"link '{href}': no element with id "
                                                       f"'{parts.fragment}' on that page"))
    return problems


def check_site_links(site_dir: Path) -> None:
    """Fail when a page of the built site links to a missing file or to an id its target lacks."""
    _raise(site_link_problems(site_dir), f"broken links in the site '{site_dir}'")
