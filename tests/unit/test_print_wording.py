"""The PDF's words: no instructions a printed page cannot follow (hover, click, zoom...), and no pointer
to the website without its address.

What the PDF prints is a chapter's source less its website-only parts: divs and spans marked
`.content-visible when-format="html"` (or `.content-hidden unless-format="html"`) and raw HTML blocks.
The chapters are checked as written; the generated appendix pages (the profiles' index and the
regional profiles) as the profile code writes them for a small hand-made England.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pcnreport.analysis import profiles
from pcnreport.report import profile_pages

PROJECT = Path(__file__).parents[2]
ADDRESS = "{{< var edition.site_url >}}"

# Words that ask a reader to act on a screen.
INTERACTION = re.compile(r"\b(hover\w*|mouse\w*|click\w*|tap|tapping|zoom\w*|scroll\w*|drag\w*|pan to)\b", re.IGNORECASE)
# Sending the reader to the website: the sentence must then say where it is.
REFERRAL = re.compile(r"\b(?:on|at|see|visit|via|from) the (?:report['’]s )?(?:web ?site|interactive version)\b",
                      re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")

_FENCE = re.compile(r"^(:{3,})\s*(.*)$")
_HTML_ONLY_SPAN = re.compile(
    r"\[[^\[\]]*\]\{\.content-(?:visible when-format|hidden unless-format)=\"html\"\}", re.DOTALL)
_RAW_HTML = re.compile(r"^```\{=html\}\n.*?^```\s*$", re.DOTALL | re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _html_only(attributes: str) -> bool:
    return bool(re.search(r'\.content-visible\b[^}]*when-format="html"', attributes)
                or re.search(r'\.content-hidden\b[^}]*unless-format="html"', attributes))


def print_text(source: str) -> str:
    """The part of a Quarto source the PDF prints: website-only divs, spans, raw HTML and comments gone."""
    source = _COMMENT.sub("", _RAW_HTML.sub("", source))
    kept, hidden = [], []  # hidden: for each open div, whether it (or a div around it) is website-only
    for line in source.splitlines():
        fence = _FENCE.match(line)
        if fence and fence.group(2).strip():  # an opening fence: colons and the div's attributes
            hidden.append((bool(hidden) and hidden[-1]) or _html_only(fence.group(2)))
            continue
        if fence:  # a closing fence
            if hidden:
                hidden.pop()
            continue
        if not (hidden and hidden[-1]):
            kept.append(line)
    text = "\n".join(kept)
    # A span alone on its lines goes with its line ends: pandoc drops it from within the paragraph,
    # which an empty line left behind would split in two.
    text = re.sub(r"(?m)^[ \t]*" + _HTML_ONLY_SPAN.pattern + r"[ \t]*\n", "", text)
    return _HTML_ONLY_SPAN.sub("", text)


def wording_problems(text: str) -> list[str]:
    """Each interaction word, and each referral to the website whose sentence lacks the address."""
    flat = re.sub(r"\s+", " ", text)
    problems = [f"interaction word {m.group(0)!r}: ...{flat[max(0, m.start() - 60):m.end() + 40]}..."
                for m in INTERACTION.finditer(flat)]
    for m in REFERRAL.finditer(flat):
        end = SENTENCE_END.search(flat, m.end())
        sentence = flat[m.start():end.end() if end else len(flat)]
        if ADDRESS not in sentence and "http" not in sentence:
            problems.append(f"website without its address: ...{flat[max(0, m.start() - 60):m.end() + 40]}...")
    return problems


def test_print_text_drops_website_only_parts_and_keeps_the_rest():
    source = "\n".join([
        "Shared words.",
        '::: {.content-visible when-format="html"}',
        "Hover over a map.",
        "::: {.callout-note}",
        "Click inside.",
        ":::",
        ":::",
        '::: {.content-visible unless-format="html"}',
        "Printed words.",
        ":::",
        '::: {.content-hidden unless-format="html"}',
        "Zoom in.",
        ":::",
        '[Hover here.]{.content-visible when-format="html"}[Printed here.]{.content-visible unless-format="html"}',
        "```{=html}",
        "<button>click</button>",
        "```",
        "<!-- a note about zooming -->",
    ])
    text = print_text(source)
    assert "Shared words." in text and "Printed words." in text and "Printed here." in text
    assert not INTERACTION.search(text)
    assert wording_problems("Hover over an area.") and wording_problems("The map is on the report's website.")
    assert not wording_problems(f"The map is on the report's website, {ADDRESS}/chapters/x.html.")


def _pdf_chapters() -> list[Path]:
    """The book's pages in the PDF: every chapter, the index and the references (the profiles are
    generated, and checked below)."""
    config = yaml.safe_load((PROJECT / "_quarto.yml").read_text(encoding="utf-8"))
    book = config["book"]
    listed = []
    for entry in [*book.get("chapters", []), *book.get("appendices", [])]:
        items = entry.get("chapters", []) if isinstance(entry, dict) else [entry]
        listed += [item for item in items if isinstance(item, str) and item.endswith(".qmd")]
    return [PROJECT / item for item in listed if not item.startswith("profiles/")]


@pytest.mark.parametrize("chapter", _pdf_chapters(), ids=lambda path: path.name)
def test_no_chapter_asks_a_reader_of_the_pdf_to_interact_or_to_find_the_site_unaided(chapter):
    text = print_text(chapter.read_text(encoding="utf-8"))
    assert wording_problems(text) == [], chapter.name


def test_print_captions_of_the_interactive_maps_give_the_address():
    for chapter, page in (("04-commissioning-contracting", "fig-ccg-service-map"),
                          ("06-pcn-characteristics", "fig-pcn-footprints-map")):
        text = print_text((PROJECT / "chapters" / f"{chapter}.qmd").read_text(encoding="utf-8"))
        # The figure's caption: the paragraph after the figure's include (the div's fences are gone).
        after = text[text.index(f"figures/{page}.md"):]
        caption = after[:after.index("\n\n", after.index("\n\n") + 2)]
        assert f"{ADDRESS}/chapters/{chapter}.html" in caption, chapter
    # The address the shortcode prints: a build writes edition.site_url from book.site-url.
    config = yaml.safe_load((PROJECT / "_quarto.yml").read_text(encoding="utf-8"))
    assert str(config["book"]["site-url"]).startswith("https://")


def _small_england() -> profiles.National:
    practices = ["A00001", "A00002", "A00003", "A00004"]
    mapping = pd.DataFrame({
        "practice_code": practices, "ccg_code": ["00L", "00L", "00M", "00M"],
        "ccg_name": ["NHS EAST CCG", "NHS EAST CCG", "NHS WEST CCG", "NHS WEST CCG"],
        "region_code": ["Y56"] * 4, "region_name": ["LONDON"] * 4,
    })
    members = pd.DataFrame({"practice_code": practices, "pcn_code": ["U00001", "U00001", "U00002", "U00002"]})
    sizes = pd.DataFrame({"practice_code": practices, "list_size": [12_000, 20_000, 18_000, 25_000]})
    ages = sizes.assign(aged_65_plus=[1_500, 2_500, 3_000, 4_000])
    names = pd.DataFrame({"pcn_code": ["U00001", "U00002"], "pcn_name": ["EAST PCN", "WEST PCN"]})
    return profiles.national(members, sizes, mapping, names, ages=ages)


def test_the_generated_appendix_pages_ask_nothing_of_a_reader_of_the_pdf(tmp_path):
    national = _small_england()
    for area in national.area_list:
        profile = profiles.area_profile(national, area.type, area.code)
        profile_pages.write_profile(tmp_path, profile, national.pcns, profiles.region_of(national, area),
                                    {"practice-ccg": "2019-20"}, "registrations", f"{area.slug}.ipynb")
    index = profile_pages.write_index(tmp_path, list(national.area_list))[0].read_text(encoding="utf-8")
    # The index sends readers of the PDF to the CCGs' profiles on the website: with its address.
    assert f"{ADDRESS}/profiles/index.html" in print_text(index)
    pages = {"index": index, **{path.name: path.read_text(encoding="utf-8")
                                for path in (tmp_path / "profiles").glob("region-*.qmd")}}
    assert len(pages) == 2  # the index and the one region: the appendices of the PDF
    for name, source in pages.items():
        assert wording_problems(print_text(source)) == [], name
