"""The bibliography is what a reader checks a claim against: every entry real and complete, every
citation resolvable, nothing listed that the book does not cite (issue 16).

`references.bib` is read by a small parser of its own (no dependency): BibTeX entries as pandoc's
citeproc reads them, fields in braces, quotes or bare (`month = jan`). The keys the book cites are
read from its sources: the chapters `_quarto.yml` lists, the hand-written files they include, and the
facts tables of `data/facts/`, whose captions and `cite:` fields the build turns into table captions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from pcnreport.render.book import book_chapters
from pcnreport.render.crossref import PREFIXES

ROOT = Path(__file__).resolve().parents[2]
BIB = ROOT / "references.bib"
FACTS = ROOT / "data" / "facts"
GENERATED_DIRS = ("figures", "_generated", "_build", "_book")

# The fields each entry type needs. A tuple is "any one of these" (a work has an author or an editor;
# an institutional author may be given as the organisation). Types not listed are refused, so a new
# type arrives with its rule.
REQUIRED: dict[str, list[str | tuple[str, ...]]] = {
    "article": ["author", "title", "journal", "year"],
    "book": [("author", "editor"), "title", "publisher", "year"],
    "techreport": ["author", "title", "institution", "year"],
    "report": [("author", "institution"), "title", "institution", "year"],
    "misc": [("author", "organization"), "title", "year", ("howpublished", "url", "publisher")],
    "online": [("author", "organization"), "title", "year", ("howpublished", "url", "publisher")],
    "incollection": ["author", "title", "booktitle", "publisher", "year"],
    "inproceedings": ["author", "title", "booktitle", "year"],
}
# "[Research on primary care co-commissioning]": a stand-in for a title nobody looked up.
PLACEHOLDER_TITLE = re.compile(r"^\s*\[.*\]\s*$|^\s*$|\b(?:TODO|TBC|TBD|FIXME)\b")

# A pandoc citation key (`@key`, `[@key, p. 4]`, `-@key`), not an e-mail address; trailing
# punctuation ends the key, as pandoc reads it.
_CITATION = re.compile(r"(?<![\w@])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
_INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+?)\s*>\}\}")


@dataclass
class Entry:
    type: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


class BibSyntaxError(ValueError):
    pass


def parse_bib(text: str) -> list[Entry]:
    """Every entry of a BibTeX file; @comment, @string and @preamble are skipped."""
    entries: list[Entry] = []
    pos = 0
    while (at := text.find("@", pos)) != -1:
        m = re.compile(r"@(\w+)\s*([{(])").match(text, at)
        if not m:
            pos = at + 1  # an @ in text between entries is a comment to BibTeX
            continue
        kind, opener = m.group(1).lower(), m.group(2)
        end = _matching(text, m.end() - 1, opener)
        body = text[m.end():end]
        pos = end + 1
        if kind in ("comment", "string", "preamble"):
            continue
        line = text.count("\n", 0, at) + 1
        key, _, rest = body.partition(",")
        if not key.strip() or re.search(r"[\s={}]", key.strip()):
            raise BibSyntaxError(f"line {line}: @{kind} entry without a key")
        entries.append(Entry(kind, key.strip(), line, _fields(rest, line)))
    return entries


def _matching(text: str, start: int, opener: str) -> int:
    closer = "}" if opener == "{" else ")"
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\":  # \{ and \} are literal braces
            i += 2
            continue
        if c == opener or (opener == "(" and c == "{"):
            depth += 1
        elif c == closer or (opener == "(" and c == "}"):
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise BibSyntaxError(f"line {text.count(chr(10), 0, start) + 1}: unbalanced {opener}")


def _fields(body: str, line: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    name_re = re.compile(r"\s*([\w-]+)\s*=\s*")
    while i < len(body):
        if not body[i:].strip(" \t\r\n,"):
            break
        m = name_re.match(body, i)
        if not m:
            raise BibSyntaxError(f"entry at line {line}: cannot read a field at {body[i:i + 30]!r}")
        name, i = m.group(1).lower(), m.end()
        parts = []
        while True:  # a value may be a concatenation: "a" # {b} # month
            if body[i] == "{":
                j = _matching(body, i, "{")
                parts.append(body[i + 1:j])
                i = j + 1
            elif body[i] == '"':
                j = i + 1
                depth = 0
                while j < len(body) and not (body[j] == '"' and depth == 0):
                    depth += {"{": 1, "}": -1}.get(body[j], 0)
                    j += 1
                parts.append(body[i + 1:j])
                i = j + 1
            else:
                m2 = re.compile(r"[\w.:/-]+").match(body, i)
                if not m2:
                    raise BibSyntaxError(f"entry at line {line}: field {name!r} has no value")
                parts.append(m2.group(0))
                i = m2.end()
            m3 = re.compile(r"\s*#\s*").match(body, i)
            if not m3:
                break
            i = m3.end()
        if name in fields:
            raise BibSyntaxError(f"entry at line {line}: field {name!r} given twice")
        fields[name] = "".join(parts)
        m4 = re.compile(r"\s*(,|$)").match(body, i)
        if not m4:
            raise BibSyntaxError(f"entry at line {line}: expected ',' after field {name!r}")
        i = m4.end()
    return fields


def plain(value: str) -> str:
    """A field's text without BibTeX's protecting braces and with whitespace collapsed."""
    return " ".join(value.replace("{", "").replace("}", "").split())


def entry_problems(entries: list[Entry]) -> list[str]:
    """Each placeholder title, missing required field, unknown type and duplicate key."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for e in entries:
        where = f"references.bib, line {e.line}, @{e.type}{{{e.key}}}"
        if e.key in seen:
            problems.append(f"{where}: key already used by the entry at line {seen[e.key]}")
        seen.setdefault(e.key, e.line)
        if e.type not in REQUIRED:
            problems.append(f"{where}: entry type {e.type!r} has no rule here; use one of {sorted(REQUIRED)}")
            continue
        title = plain(e.fields.get("title", ""))
        if "title" in e.fields and PLACEHOLDER_TITLE.search(title):
            problems.append(f"{where}: placeholder title {title!r}; give the publication's real title")
        for need in REQUIRED[e.type]:
            names = need if isinstance(need, tuple) else (need,)
            if not any(plain(e.fields.get(n, "")) for n in names):
                problems.append(f"{where}: needs {' or '.join(names)}")
    return problems


def _book_sources(root: Path) -> list[Path]:
    """The book's chapters in order and the hand-written files they include."""
    queue = [root / ch.source for ch in book_chapters(root)]
    seen: list[Path] = []
    while queue:
        path = queue.pop(0).resolve()
        if path in seen or not path.is_file():
            continue
        rel = path.relative_to(root.resolve())
        if rel.parts[0] in GENERATED_DIRS:
            continue
        seen.append(path)
        for m in _INCLUDE.finditer(path.read_text(encoding="utf-8")):
            arg = m.group(1).strip("\"'")
            queue.append(root / arg.lstrip("/") if arg.startswith("/") else path.parent / arg)
    return seen


def citations(text: str) -> set[str]:
    keys = set()
    for m in _CITATION.finditer(text):
        key = m.group(1).rstrip(".:#$%&+?<>~/-")
        prefix, dash, _ = key.partition("-")
        if not (dash and prefix in PREFIXES):  # @fig-x, @tbl-x, @sec-x are cross-references
            keys.add(key)
    return keys


def cited_keys(root: Path) -> dict[str, list[str]]:
    """Each key the book cites -> the files that cite it."""
    out: dict[str, list[str]] = {}
    for path in _book_sources(root):
        for key in citations(path.read_text(encoding="utf-8")):
            out.setdefault(key, []).append(path.relative_to(root.resolve()).as_posix())
    for path in sorted((root / "data" / "facts").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        keys = citations(text)
        cite = ((yaml.safe_load(text) or {}).get("source") or {}).get("cite")
        keys.update([cite] if isinstance(cite, str) else cite or [])
        for key in keys:
            out.setdefault(key, []).append(path.relative_to(root).as_posix())
    return out


def prints_every_entry(root: Path) -> bool:
    """True when the book lists the whole bibliography (`nocite: '@*'`), cited or not."""
    config = (root / "_quarto.yml").read_text(encoding="utf-8")
    front = [(root / ch.source).read_text(encoding="utf-8") for ch in book_chapters(root)]
    return any(re.search(r"nocite:[^\n]*@\*", t) or re.search(r"nocite:\s*\|\s*\n\s*@\*", t) for t in [config, *front])


# --- the checker itself, on small cases --------------------------------------------------------------

def test_parser_reads_braced_quoted_bare_and_concatenated_values():
    entries = parse_bib(
        '@comment{ignored}\n'
        '@misc{a2019,\n  author = {{NHS} England},\n  title = "A {B}ook, with a comma",\n'
        '  year = 2019, month = jan,\n  note = "x" # {y}\n}\n'
        '@ARTICLE(b2020, title={Nested {braces {deep}}}, year={2020})\n'
    )
    assert [(e.type, e.key, e.line) for e in entries] == [("misc", "a2019", 2), ("article", "b2020", 8)]
    assert entries[0].fields == {
        "author": "{NHS} England", "title": "A {B}ook, with a comma", "year": "2019", "month": "jan", "note": "xy",
    }
    assert plain(entries[1].fields["title"]) == "Nested braces deep"


def test_parser_refuses_an_unbalanced_entry():
    with pytest.raises(BibSyntaxError, match="unbalanced"):
        parse_bib("@misc{a,\n  title = {Open\n}\n")


def test_checker_refuses_placeholders_missing_fields_unknown_types_and_duplicates():
    entries = parse_bib(
        "@misc{checkland2018,\n  author = {Checkland, Kath and others},\n"
        "  title = {[Research on primary care co-commissioning]},\n  year = {2018}\n}\n"
        "@article{x2019,\n  author = {Serle},\n  title = {A title},\n  year = {2019}\n}\n"
        "@book{y2000,\n  editor = {Ed, A.},\n  title = {B},\n  publisher = {P},\n  year = {2000}\n}\n"
        "@thesis{z2001,\n  author = {A},\n  title = {T},\n  year = {2001}\n}\n"
        "@book{y2000,\n  author = {A},\n  title = {B},\n  publisher = {P},\n  year = {2000}\n}\n"
    )
    problems = "\n".join(entry_problems(entries))
    assert "checkland2018}: placeholder title '[Research on primary care co-commissioning]'" in problems
    assert "checkland2018}: needs howpublished or url or publisher" in problems  # a misc needs a source
    assert "x2019}: needs journal" in problems
    assert "y2000}: needs" not in problems  # an editor stands for an author
    assert "z2001}: entry type 'thesis' has no rule" in problems
    assert "line 22, @book{y2000}: key already used by the entry at line 11" in problems


def test_citations_are_keys_not_cross_references_or_addresses():
    text = (
        "As shown [@forbes2019, p. 3; @nhs2019a]. @coleman2009 says so, as does -@pickin2004.\n"
        "See @fig-pcn-population and @sec-pcn-size; write to england.gpcontracts@nhs.net."
    )
    assert citations(text) == {"forbes2019", "nhs2019a", "coleman2009", "pickin2004"}


# --- the project's bibliography ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_bib(BIB.read_text(encoding="utf-8"))


def test_every_entry_in_the_file_is_read(entries):
    declared = re.findall(r"^@(?!comment|string|preamble)\w+\s*[{(]", BIB.read_text(encoding="utf-8"), re.M | re.I)
    assert len(entries) == len(declared)


def test_entries_are_real_and_complete(entries):
    problems = entry_problems(entries)
    assert not problems, "\n".join(problems)


def test_every_cited_key_is_in_the_bibliography(entries):
    keys = {e.key for e in entries}
    missing = {k: files for k, files in cited_keys(ROOT).items() if k not in keys}
    assert not missing, "cited but not in references.bib:\n" + "\n".join(
        f"  @{k} in {', '.join(files)}" for k, files in sorted(missing.items())
    )


def test_every_entry_is_cited(entries):
    # The book lists only the works it cites (citeproc without `nocite: '@*'`), so an entry nobody
    # cites is dead weight, often a key a chapter misspells. If the book ever lists everything,
    # an uncited entry is printed on purpose and this check no longer applies.
    if prints_every_entry(ROOT):
        pytest.skip("the book prints every entry (nocite: '@*')")
    cited = cited_keys(ROOT)
    uncited = [f"  {e.key} (line {e.line})" for e in entries if e.key not in cited]
    assert not uncited, "in references.bib but cited nowhere in the book:\n" + "\n".join(uncited)
