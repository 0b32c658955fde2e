"""Synthetic WP1 interview emphasis (Figure 3.1): made-up weights with the pattern the report describes.

The real weights are the team's coding of sixteen interviews and are not published; the interim report
only describes them (chapter 3): most interviewees put theme 1 (supporting general practice) first,
theme 2 (place-based collaboration) second and theme 3 (a voice for primary care) last; one weighted
themes 1 and 3 alike but not theme 2; four weighted all three alike. The synthetic file has exactly
that pattern, in the project's format (`readers.interviews`), with scores from 0 to 10:

- `N_FIRST_SECOND_THIRD` interviewees: theme 1 > theme 2 > theme 3 > 0;
- one interviewee: theme 1 = theme 3, theme 2 at least 3 points lower;
- `N_ALIKE` interviewees: the three themes equal.

Identifiers say SYNTHETIC, so the file can never pass for the team's. The seed decides the scores and
the order of the rows (a sample's files all change with its seed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_INTERVIEWEES = 16
N_ALIKE = 4
N_ONE_AND_THREE = 1
N_FIRST_SECOND_THIRD = N_INTERVIEWEES - N_ALIKE - N_ONE_AND_THREE
# A stream of its own (not one of draws.STREAMS), so adding it reshuffles no other file of the sample.
STREAM = 303


def make_emphasis(seed: int) -> pd.DataFrame:
    """interviewee_id, theme_1, theme_2, theme_3 (whole-number scores), one row an interviewee."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM]))
    rows = []
    for _ in range(N_FIRST_SECOND_THIRD):
        first = int(rng.integers(6, 11))
        second = int(rng.integers(2, first))
        rows.append((first, second, int(rng.integers(1, second))))
    for _ in range(N_ONE_AND_THREE):
        both = int(rng.integers(5, 9))
        rows.append((both, int(rng.integers(0, both - 2)), both))
    for _ in range(N_ALIKE):
        alike = int(rng.integers(3, 8))
        rows.append((alike, alike, alike))
    order = rng.permutation(len(rows))
    table = pd.DataFrame([rows[i] for i in order], columns=["theme_1", "theme_2", "theme_3"])
    table.insert(0, "interviewee_id", [f"SYNTHETIC-{n:02d}" for n in range(1, len(table) + 1)])
    return table


def emphasis_csv(seed: int) -> bytes:
    return make_emphasis(seed).to_csv(index=False, lineterminator="\n").encode("utf-8")
