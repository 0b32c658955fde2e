"""The emphasis each WP1 interviewee placed on the three policy themes: research data the team supplies.

The evaluation's first work package interviewed national policy makers and stakeholders (July to
October 2019) about what PCNs were for; the analysis grouped the objectives into three themes and judged
how much weight each interviewee put on each (Figure 3.1). The judgements are the team's coding of the
transcripts, not public data, and no publisher defines a format, so it is the project's own
(data/catalogue.yaml, dataset `interview-emphasis`): `interviews/<YYYY>/emphasis.csv`, a UTF-8 CSV with a
header row and one row an interviewee:

    interviewee_id  the team's participant code (as quoted in the report, e.g. N710cg), once each
    theme_1         emphasis on theme 1, supporting general practice
    theme_2         emphasis on theme 2, place-based inter-organisational collaboration
    theme_3         emphasis on theme 3, a voice for primary care

Weights are numbers >= 0 on any scale the team chooses (scores 0-5, percentages, ...): only their
proportions within a row are shown, so a row must not be all zeros.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import NOT_BLANK, matches, raise_if_any, text_schema
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._tables import tidy

THEMES = ("theme_1", "theme_2", "theme_3")
THEME_LABELS = {
    "theme_1": "1. Supporting general practice",
    "theme_2": "2. Place-based collaboration",
    "theme_3": "3. A voice for primary care",
}
# The project's own format: one spelling a column (see `_headers.SPELLINGS` for publishers' variants).
COLUMNS = {"interviewee_id": ("interviewee_id",), **{theme: (theme,) for theme in THEMES}}
WEIGHT = matches(r"\d+(?:\.\d+)?|\.\d+", "a weight: a number >= 0, like 2 or 0.5")
SCHEMA = text_schema({"interviewee_id": NOT_BLANK, **dict.fromkeys(THEMES, WEIGHT)})


def read_interview_emphasis(path) -> pd.DataFrame:
    """Read the team's emphasis file. Returns one row an interviewee, in file order: interviewee_id and
    theme_1, theme_2, theme_3 (float64, as given; `emphasis_shares` turns them into proportions)."""
    rows = open_table(path).select(COLUMNS)
    raise_if_any(
        rows.path,
        rows.schema_problems(SCHEMA) + rows.duplicate_problems("interviewee_id", "interviewee"),
    )
    weights = {theme: rows[theme].astype("float64") for theme in THEMES}
    all_zero = pd.concat(weights, axis=1).sum(axis=1) == 0
    raise_if_any(
        rows.path,
        [
            f"row {row}: interviewee '{rows['interviewee_id'][row]}' has every theme weighted 0; "
            "expected at least one weight above 0 (the chart shows each interviewee's proportions)"
            for row in all_zero[all_zero].index
        ],
    )
    return tidy(rows.frame, ["interviewee_id"], **weights)


def emphasis_shares(emphasis: pd.DataFrame) -> pd.DataFrame:
    """Each interviewee's weights as proportions of their total (each row sums to 1)."""
    totals = emphasis[list(THEMES)].sum(axis=1)
    return emphasis.assign(**{theme: emphasis[theme] / totals for theme in THEMES})
