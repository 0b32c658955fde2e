"""Chapter 3, Figure 3.1: the relative emphasis each WP1 interviewee placed on the three policy themes.

From `analysis.programme_theories`' patterns and proportions. The chart shows each interviewee's
weights as proportions, one bar an interviewee, ordered by the weight on theme 1, so the pattern the
text describes (theme 1 first for most, a few weighting all three alike) reads from top to bottom. The
weights are research data, not public: without them the figure's place in the chapter says so
(`outputs.write_unavailable`), as for the federation data of chapter 6. A synthetic sample's file holds
made-up weights with that pattern (`synth.interviews`): the chart's title and the caption's note then
say the weights are synthetic. The notebook 03-programme-theories calls `write_section`.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from pcnreport.analysis.programme_theories import interviewee_order, long_shares, patterns
from pcnreport.data.readers.interviews import THEME_LABELS, THEMES
from pcnreport.report.figures import FONT, save_figure
from pcnreport.report.numbers import count, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path, write_unavailable
from pcnreport.report.wording import count_or_none, counted, verb

SECTION = "programme_theories"
FIGURE = "fig-theme-emphasis"
FRAGMENTS = (FIGURE,)
# Okabe-Ito, as the other charts; the legend names each theme, so colour is not the only carrier.
THEME_COLOURS = {"theme_1": "#0072B2", "theme_2": "#009E73", "theme_3": "#CC79A7"}
NOT_SUPPLIED = (
    "Figure 3.1 needs the research team's coding of the emphasis each interviewee placed on the three "
    "themes: research data, not a public release. This build had none; the data catalogue "
    "(data/catalogue.yaml, dataset 'interview-emphasis') describes the file to place in the data folder."
)
SYNTHETIC_NOTE = (
    "The weights drawn here are synthetic: made up to follow the pattern the text describes, they are "
    "not the interviewees' own."
)
REAL_NOTE = "Weights are the research team's coding of the interview transcripts, shown as proportions."


def emphasis_chart(emphasis: pd.DataFrame, synthetic: bool = False, width: int = 520) -> alt.Chart:
    """Figure 3.1: a 100% stacked bar an interviewee, themes 1, 2, 3 from left to right."""
    data = long_shares(emphasis)
    labels = [THEME_LABELS[t] for t in THEMES]
    title = (
        alt.TitleParams("SYNTHETIC DATA: illustrative weights, not the interviewees' own", color="#8a4b00", fontSize=12)
        if synthetic
        else alt.Undefined
    )
    chart = (
        alt.Chart(data, title=title)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("share:Q", stack="normalize", title="Share of the interviewee's emphasis", axis=alt.Axis(format="%")),
            y=alt.Y("interviewee_id:N", sort=interviewee_order(emphasis), title="Interviewee"),
            color=alt.Color(
                "theme_label:N",
                title="Theme",
                sort=labels,
                scale=alt.Scale(domain=labels, range=[THEME_COLOURS[t] for t in THEMES]),
                legend=alt.Legend(orient="top", columns=3),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("interviewee_id:N", title="Interviewee"),
                alt.Tooltip("theme_label:N", title="Theme"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
                alt.Tooltip("weight:Q", title="Weight as coded"),
            ],
        )
        .properties(width=width, height=18 * len(emphasis))
    )
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=12, grid=False)


def alt_text(found: dict[str, int], synthetic: bool) -> str:
    kind = "Synthetic illustration: " if synthetic else ""
    # A count opens the second sentence, so it is spelt out; 'none' takes a singular verb here.
    highest, alike = found["theme_1_highest"], found["all_alike"]
    return (
        f"{kind}Horizontal stacked bars, one for each of {counted(found['interviewees'], 'interviewee')}, each "
        f"split into the shares of emphasis on theme 1 (supporting general practice), theme 2 (place-based "
        f"collaboration) and theme 3 (a voice for primary care). {counted(highest, 'interviewee', start=True)} "
        f"{verb(highest, 'puts', 'put')} most weight on theme 1; {count_or_none(alike)} "
        f"{verb(alike or 1, 'weights', 'weight')} the three themes alike."
    )


def write_section(
    output_dir: Path, emphasis: pd.DataFrame | None, releases: dict[str, str], synthetic: bool = False
) -> dict | None:
    """Figure 3.1 and its numbers; a notice instead when the research data were not supplied."""
    if emphasis is None:
        write_unavailable(output_dir, SECTION, FRAGMENTS, NOT_SUPPLIED, releases)
        return None
    found = patterns(emphasis)
    note = SYNTHETIC_NOTE if synthetic else REAL_NOTE
    raw = {**found, "available": True, "synthetic": synthetic, "releases": releases}
    text = {
        **{key: count(n) for key, n in found.items()},
        "data_note": note,
        "available": True,
        "unavailable_reason": "",
        "releases": releases,
    }
    write_numbers(numbers_path(output_dir, SECTION), raw, text)
    save_figure(emphasis_chart(emphasis, synthetic), FIGURE, figures_dir(output_dir), alt_text(found, synthetic))
    return found
