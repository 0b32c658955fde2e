"""Chapters 3 to 5: Tables 4.1, 4.3 and 5.1 with their captions, the numbers cited, and Figure 4.1.

The facts files `analysis.facts` reads and checks become what the chapters include:

- `figures/<table>.md` and `.csv` (through `tables.save_table`) and `figures/<table>-caption.md`, the
  caption paragraph of the chapter's `::: {#tbl-...}` div (the caption lives in the data file with its
  source, not in the chapter);
- `_generated/numbers/report_facts.json`, so a chapter writes `{{< var report_facts.survey.respondents >}}`
  instead of typing a number that could drift from the table;
- Figure 4.1, a schematic of the nested levels of Table 4.3 (`nested_levels_chart`).

The notebook 00-report-facts calls `write_section`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from pcnreport.analysis.facts import FORMATS, Column, FactFile, Number, load_facts, raw_numbers
from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import DataFormatError
from pcnreport.report.figures import FONT, save_figure
from pcnreport.report.numbers import write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.tables import save_table
from pcnreport.report.wording import capitalise, number_words

SECTION = "report_facts"  # the numbers' file, and so their `{{< var >}}` prefix
NOT_STATED = "not stated"  # what a null cell shows: the source left the amount open
LIST_SEPARATOR = "; "  # a pipe table cell holds no list: a list cell's items are joined


# --- Outputs ------------------------------------------------------------------------------------------------


def _cell(column: Column, value: Any, numbers: dict[str, Number]) -> str:
    if value is None:
        return NOT_STATED
    if column.type == "count":
        return FORMATS["count"](value)
    if column.type == "list":
        return LIST_SEPARATOR.join(value)
    return str(value).format_map({key: n.text for key, n in numbers.items()})


def display_table(fact: FactFile) -> pd.DataFrame:
    """The table as printed: placeholders filled in, lists joined, then the total and footer rows."""
    table = fact.table
    if table is None:
        raise ValueError(f"'{fact.path}' holds no table")
    rows = [[_cell(c, row.get(c.key), fact.numbers) for c in table.columns] for row in table.rows]
    for label, key in ([table.total] if table.total else []) + list(table.footer):
        # The label goes in the first column, the number in the last; anything between stays blank.
        rows.append([label] + [""] * (len(table.columns) - 2) + [fact.numbers[key].text])
    return pd.DataFrame(rows, columns=[c.title for c in table.columns])


def caption(fact: FactFile) -> str:
    """The caption paragraph: the file's caption, then where the table comes from."""
    return f"{fact.table.caption} Source: {fact.source['report']}.\n"


def _align(fact: FactFile) -> dict[str, str]:
    return {c.title: "r" if c.type == "count" else "l" for c in fact.table.columns}


def text_numbers(facts: list[FactFile]) -> dict:
    """Each file's numbers as printed, and under "wording" the small counts in words, for a sentence that
    opens with one ({{< var report_facts.wording.survey.mixed_models >}} CCGs said ...: 'Eleven')."""
    text: dict = {fact.key: fact.text() for fact in facts}
    text["wording"] = {fact.key: sentence_starts(fact.numbers) for fact in facts}
    return text


# Counts up to this are spelt out at a sentence's start; a larger one belongs mid-sentence.
_WORDS_BELOW = 1000


def sentence_starts(numbers: dict[str, Number]) -> dict[str, str]:
    """The capitalised words of each whole count printed as a count ('11' -> 'Eleven')."""
    return {
        key: capitalise(number_words(int(n.value)))
        for key, n in numbers.items()
        if float(n.value).is_integer() and 0 <= n.value < _WORDS_BELOW and n.text == FORMATS["count"](n.value)
    }


def write_facts(facts_dir: Path, output_dir: Path) -> list[FactFile]:
    """Check every facts file, then write each table, its caption and all the numbers.

    Everything is read and checked before anything is written, so a bad file leaves no half-updated set.
    """
    facts = load_facts(facts_dir)
    out = figures_dir(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for fact in facts:
        if fact.table is None:
            continue
        table = display_table(fact)
        save_table(table, fact.table.name, out, align=_align(fact))
        write_text_atomic(out / f"{fact.table.name}-caption.md", caption(fact))
    write_numbers(numbers_path(output_dir, SECTION), raw_numbers(facts), text_numbers(facts))
    return facts


# --- Figure 4.1: the idealised nesting of Table 4.3's levels -----------------------------------------------

# An illustration, not data: a system of 2 x 2 places, each of 2 x 4 neighbourhoods, so that the tiles
# cover the whole like a jigsaw. With Table 4.3's populations (30,000-50,000 a neighbourhood) eight
# neighbourhoods make a place of 240,000-400,000 and four places a system of about one to two million.
PLACES = (2, 2)  # columns, rows of places in the system
NEIGHBOURHOODS = (4, 2)  # columns, rows of neighbourhoods in a place
LEVEL_COLOURS = {"System": "#0072B2", "Place": "#E69F00", "Neighbourhood": "#F0E442"}


def schematic_tiles(populations: dict[str, str]) -> pd.DataFrame:
    """The rectangles of the schematic: level, name, x, x2, y, y2 (unit square) and population text."""
    tiles = [{"level": "System", "name": "System", "x": 0.0, "x2": 1.0, "y": 0.0, "y2": 1.0}]
    pw, ph = 1 / PLACES[0], 1 / PLACES[1]
    nw, nh = pw / NEIGHBOURHOODS[0], ph / NEIGHBOURHOODS[1]
    for p in range(PLACES[0] * PLACES[1]):
        px, py = (p % PLACES[0]) * pw, (p // PLACES[0]) * ph
        tiles.append({"level": "Place", "name": f"Place {p + 1}", "x": px, "x2": px + pw, "y": py, "y2": py + ph})
        for n in range(NEIGHBOURHOODS[0] * NEIGHBOURHOODS[1]):
            nx, ny = px + (n % NEIGHBOURHOODS[0]) * nw, py + (n // NEIGHBOURHOODS[0]) * nh
            tiles.append(
                {"level": "Neighbourhood", "name": f"Neighbourhood {p + 1}.{n + 1}", "x": nx, "x2": nx + nw, "y": ny, "y2": ny + nh}
            )
    frame = pd.DataFrame(tiles)
    return frame.assign(population=frame["level"].map(populations))


def level_populations(levels: FactFile) -> dict[str, str]:
    """Level -> its population as Table 4.3 prints it ("30,000 to 50,000"), from the levels file."""
    table = levels.table
    if table is None or [c.key for c in table.columns][:2] != ["level", "population"]:
        raise DataFormatError(levels.path, "expected a table whose first columns are 'level' and 'population'")
    shown = display_table(levels)
    return dict(zip(shown.iloc[: len(table.rows), 0], shown.iloc[: len(table.rows), 1]))


def nested_levels_chart(populations: dict[str, str], width: int = 520, height: int = 300) -> alt.LayerChart:
    """Figure 4.1: neighbourhoods tiling places tiling a system, the idealised picture of the Long Term Plan."""
    missing = [level for level in LEVEL_COLOURS if level not in populations]
    if missing:
        raise ValueError(f"no population for level(s) {', '.join(missing)} (Table 4.3's rows)")
    tiles = schematic_tiles(populations)
    # The legend names each level with its population, so the schematic carries Table 4.3's numbers.
    names = {level: f"{level}: {populations[level]} people" for level in LEVEL_COLOURS}
    tiles = tiles.assign(label=tiles["level"].map(names))
    order = list(names.values())
    tooltip = [alt.Tooltip("name:N", title="Area"), alt.Tooltip("level:N", title="Level"), alt.Tooltip("population:N", title="People (about)")]
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[0, 1], reverse=True))
    base = alt.Chart(tiles).encode(x=x, x2="x2:Q", y=y, y2="y2:Q", tooltip=tooltip)
    colour = alt.Color(
        "label:N", title="Level", sort=order,
        scale=alt.Scale(domain=order, range=list(LEVEL_COLOURS.values())),
        legend=alt.Legend(orient="bottom", direction="vertical", symbolType="square", labelLimit=0),
    )  # fmt: skip
    neighbourhoods = base.transform_filter(alt.datum.level == "Neighbourhood").mark_rect(
        stroke="white", strokeWidth=1.5, opacity=0.85
    ).encode(color=colour)
    places = base.transform_filter(alt.datum.level == "Place").mark_rect(
        fillOpacity=0, stroke=LEVEL_COLOURS["Place"], strokeWidth=5
    )
    system = base.transform_filter(alt.datum.level == "System").mark_rect(
        fillOpacity=0, stroke=LEVEL_COLOURS["System"], strokeWidth=8
    )
    labels = (
        alt.Chart(tiles[tiles["level"] == "Place"].assign(cx=lambda d: (d["x"] + d["x2"]) / 2, cy=lambda d: (d["y"] + d["y2"]) / 2))
        .mark_text(fontSize=13, fontWeight="bold", color="#222")
        .encode(x=alt.X("cx:Q", axis=None, scale=alt.Scale(domain=[0, 1])), y=alt.Y("cy:Q", axis=None, scale=alt.Scale(domain=[0, 1], reverse=True)), text="name:N")
    )
    chart = alt.layer(neighbourhoods, places, system, labels).properties(width=width, height=height)
    return chart.configure(font=FONT).configure_view(stroke=None)


NESTED_LEVELS_ALT = (
    "Schematic: one large rectangle, the system, divided into four places, each divided into eight "
    "neighbourhoods, the tiles covering the whole without gaps or overlaps."
)


def write_section(output_dir: Path, facts_dir: Path | None = None) -> list[FactFile]:
    """The notebook's one call: every fact table and number, and Figure 4.1 from the levels table."""
    facts_dir = Path(output_dir) / "data" / "facts" if facts_dir is None else Path(facts_dir)
    facts = write_facts(facts_dir, output_dir)
    levels = next((f for f in facts if f.table is not None and f.table.name == "tbl-levels"), None)
    if levels is None:
        raise DataFormatError(facts_dir, "no facts file holds the table 'tbl-levels' (Table 4.3), which Figure 4.1 draws")
    save_figure(nested_levels_chart(level_populations(levels)), "fig-nested-levels", figures_dir(output_dir), NESTED_LEVELS_ALT)
    return facts
