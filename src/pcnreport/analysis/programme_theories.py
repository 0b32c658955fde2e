"""Chapter 3, Figure 3.1, the computation: each WP1 interviewee's emphasis on the three policy themes.

The weights are the research team's coding of the interviews (`readers.read_interview_emphasis`), not
public data. From them: how many interviewees follow each pattern the chapter describes (`patterns`),
and what the chart draws, each interviewee's weights as proportions (`long_shares`) and the
interviewees ordered by the weight on theme 1 (`interviewee_order`).

The chart, the numbers as the chapter prints them and the notice when the data are missing are in
`report.sections.programme_theories`.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers.interviews import THEME_LABELS, THEMES, emphasis_shares

# Weights this close in proportion count as "alike" (the coding is by hand: 0.34/0.33/0.33 is alike).
ALIKE_TOLERANCE = 0.02


def patterns(emphasis: pd.DataFrame) -> dict[str, int]:
    """How many interviewees follow each pattern the chapter describes (on proportions)."""
    shares = emphasis_shares(emphasis)
    t1, t2, t3 = (shares[t] for t in THEMES)
    alike = ((shares[list(THEMES)].max(axis=1) - shares[list(THEMES)].min(axis=1)) <= ALIKE_TOLERANCE)
    one_and_three = ~alike & ((t1 - t3).abs() <= ALIKE_TOLERANCE) & (t2 < t1 - ALIKE_TOLERANCE)
    return {
        "interviewees": len(shares),
        "first_second_third": int(((t1 > t2) & (t2 > t3) & ~alike).sum()),
        "theme_1_highest": int(((t1 > t2 + ALIKE_TOLERANCE) & (t1 > t3 + ALIKE_TOLERANCE)).sum()),
        "one_and_three": int(one_and_three.sum()),
        "all_alike": int(alike.sum()),
    }


def long_shares(emphasis: pd.DataFrame) -> pd.DataFrame:
    """One row an interviewee and theme: interviewee_id, theme, theme_label, weight, share, order."""
    shares = emphasis_shares(emphasis)
    long = shares.melt(id_vars="interviewee_id", value_vars=list(THEMES), var_name="theme", value_name="share")
    weights = emphasis.melt(id_vars="interviewee_id", value_vars=list(THEMES), var_name="theme", value_name="weight")
    long = long.merge(weights, on=["interviewee_id", "theme"])
    return long.assign(theme_label=long["theme"].map(THEME_LABELS), order=long["theme"].map(THEMES.index))


def interviewee_order(emphasis: pd.DataFrame) -> list[str]:
    """Interviewees by the share of their emphasis on theme 1, then on theme 2, largest first."""
    shares = emphasis_shares(emphasis)
    ordered = shares.sort_values(["theme_1", "theme_2", "interviewee_id"], ascending=[False, False, True], kind="stable")
    return ordered["interviewee_id"].tolist()
