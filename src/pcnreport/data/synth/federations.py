"""Federations and super-practices (Forbes et al. 2019, research data): the project's own CSV format.

Calibrated to Table 6.4 as the analysis computes it (`pcnreport.analysis.ventures.federation_overlap`): for each
PCN core-member practice, its *share* is its PCN partners (the practice itself excluded) in the same
federation / its partners; super-practices are not federations. Published shares of practices: All 16%,
50-99% 27%, 30-50% 10%, below 30% 7%, in no federation 40%.

Each PCN draws a mode, which fixes its practices' categories:

- "all": the whole PCN in one federation (All; a single-practice PCN is its own category);
- "majority": k of n practices in one federation with (k - 1) / (n - 1) at least 1/2 and k < n (50-99%),
  the others in none (a PCN of two has no such k: it is "all");
- "minority": k of n in one federation with (k - 1) / (n - 1) in [3/10, 1/2) (30-50%), the others in
  none. PCNs of 2, 3 and 5 practices have no such k: they take the largest k below 3/10 (below 30%);
- "scattered": the practices spread over several federations, in groups small enough that every share
  is below 3/10 (below 30%), as in a PCN formed across federation lines;
- "none": no practice in a federation.

A PCN's groups then join federations CCG by CCG, first fit, never two groups of one PCN in the same
federation (which would change their shares), each federation filling up to a drawn size (median
`FEDERATION_SIZE_MEDIAN`, 1 to 60; a CCG's last partly filled federation carries on into the next CCG).
Realised: about 210-225 federations, median 15-17 practices. Practices in no PCN: half join a federation. Super-practices (166)
are made from practices in no federation only, so Table 6.4 is untouched: 16 whole small "none" PCNs
(the report's 16 PCNs formed by a stand-alone super-practice), the rest one or two of a PCN's practices
outside federations. About 62-64% of practices end in a venture (the report: about 62%).

MODE_P was solved from the targets. Forcing every PCN into one mode gives its practices' categories
(majority: 71% 50-99%, 26% none, 2% All from PCNs of two; minority: 34% 30-50%, 10% below 30% from the
PCNs of 2, 3 and 5, 55% none; the others all in one category), so with the PCN size distribution fixed
the five shares are linear in MODE_P: All 0.995 P(all) + 0.02 P(majority) = 16%, 50-99% 0.71 P(majority)
= 27%, 30-50% 0.34 P(minority) = 10%, and so on; then rounded and nudged on the realised sample. Modes
are balanced over PCN sizes (`_balanced_modes`), so the shares hold within ~0.6 points for any seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Mode probabilities, a PCN each (see the module docstring).
MODES = ("all", "majority", "minority", "scattered", "none")
MODE_P = (0.152, 0.385, 0.291, 0.040, 0.132)
N_SUPER_PRACTICES = 166
N_STAND_ALONE_SUPER_PRACTICES = 16
FEDERATION_SIZE_MEDIAN = 18
MAX_FEDERATION = 60


def _main_group_size(mode: str, n: int, rng) -> int:
    """How many of a PCN's n practices share its main federation (0: none)."""
    if mode == "none":
        return 0
    if mode == "all" or (mode == "majority" and n <= 2) or n == 1:
        return n
    ks = np.arange(1, n + 1)
    share = (ks - 1) / (n - 1)  # a member's partners in its federation, out of its partners
    if mode == "majority":
        options = ks[(2 * (ks - 1) >= n - 1) & (ks < n)]
    else:  # minority
        options = ks[(10 * (ks - 1) >= 3 * (n - 1)) & (2 * (ks - 1) < n - 1)]
        if len(options) == 0:
            options = ks[share < 0.3][-1:]
    return int(rng.choice(options))


def _balanced_modes(sizes: np.ndarray, rng) -> list[str]:
    """A mode for each PCN, in MODE_P's proportions at every PCN size.

    Drawn independently, the modes of a few large PCNs would move the shares of practices by 2-3 points
    from seed to seed. Instead the PCNs are ordered by size (ties at random) and walk a golden-ratio
    sequence through MODE_P's cumulative probabilities: each mode gets its share of PCNs, spread evenly
    over the sizes, while the seed still decides which PCN gets which.
    """
    order = np.lexsort((rng.random(len(sizes)), sizes))
    u = (rng.random() + np.arange(len(sizes)) * (np.sqrt(5) - 1) / 2) % 1.0
    picked = np.empty(len(sizes), dtype=int)
    picked[order] = np.minimum(np.searchsorted(np.cumsum(MODE_P), u, side="right"), len(MODES) - 1)
    return [MODES[i] for i in picked]


def make_ventures(practices: pd.DataFrame, rng) -> pd.DataFrame:
    """practice (row of `practices`), venture (number), type: one row a practice in a venture."""
    pcn = practices["pcn"].to_numpy()
    ccg = practices["pcn_ccg"].to_numpy()
    members = pd.Series(np.flatnonzero(pcn >= 0)).groupby(pcn[pcn >= 0]).apply(np.asarray)
    groups: list[tuple[np.ndarray, int, int]] = []  # (practices, ccg, pcn or -1-row): federation groups
    stand_alone: list[np.ndarray] = []  # whole small PCNs in no federation
    outside: list[np.ndarray] = []  # one a PCN: its practices in no federation
    modes = _balanced_modes(members.map(len).to_numpy(), rng)
    for number, rows, mode in zip(members.index, members, modes):
        rows = rng.permutation(rows)
        n = len(rows)
        if mode == "scattered" and n > 1:
            # Chunks as large as keeps each member's share below 3/10: as few federations as possible.
            size = 1 + (3 * (n - 1) - 1) // 10
            groups.extend((rows[i : i + size], ccg[rows[0]], number) for i in range(0, n, size))
            continue
        k = _main_group_size(mode, n, rng)
        if k:
            groups.append((rows[:k], ccg[rows[0]], number))
        if k == 0 and n <= 3:
            stand_alone.append(rows)
        elif k < n:
            outside.append(rows[k:])
    # Practices in no PCN: half in a federation.
    for row in np.flatnonzero(pcn < 0):
        if rng.random() < 0.5:
            groups.append((np.array([row]), practices["ccg"].iat[row], -1 - row))

    # Super-practices, from practices in no federation: whole small PCNs, then one or two of a PCN's.
    order = rng.permutation(len(stand_alone))[:N_STAND_ALONE_SUPER_PRACTICES]
    supers = [stand_alone[i] for i in sorted(order)]
    for i in rng.permutation(len(outside))[: N_SUPER_PRACTICES - len(supers)]:
        rows = outside[i]
        supers.append(rows[: min(len(rows), 1 + int(rng.random() < 0.3))])

    rows_out, venture_out, type_out = [], [], []
    for venture, rows in enumerate(supers):
        rows_out.append(rows)
        venture_out.append(np.full(len(rows), venture))
        type_out += ["super-practice"] * len(rows)

    # Federations: CCG by CCG, each group into the first open federation with room and none of its PCN.
    # A CCG's last unfilled federation carries on into the next CCG (federations are not bound to CCGs).
    venture = len(supers)
    by_ccg: dict[int, list[int]] = {}
    for i, (_, group_ccg, _) in enumerate(groups):
        by_ccg.setdefault(int(group_ccg), []).append(i)
    open_: list[list] = []  # [venture, target, size, set of PCNs]
    for group_ccg in sorted(by_ccg):
        open_ = [f for f in open_ if f[2] < f[1]][-1:]
        for i in rng.permutation(by_ccg[group_ccg]):
            rows, _, number = groups[i]
            # The first open venture with room for this group that holds none of its PCN's practices yet.
            home = next((f for f in open_ if f[2] < f[1] and f[2] + len(rows) <= MAX_FEDERATION and number not in f[3]),
                        None)
            if home is None:
                home = [venture, _federation_size(rng), 0, set()]
                open_.append(home)
                venture += 1
            home[2] += len(rows)
            home[3].add(number)
            rows_out.append(rows)
            venture_out.append(np.full(len(rows), home[0]))
            type_out += ["federation"] * len(rows)
    return pd.DataFrame({"practice": np.concatenate(rows_out), "venture": np.concatenate(venture_out), "type": type_out})


def _federation_size(rng) -> int:
    return int(np.clip(np.rint(rng.lognormal(np.log(FEDERATION_SIZE_MEDIAN), 0.7)), 1, MAX_FEDERATION))


def federations_csv(practices: pd.DataFrame, ventures: pd.DataFrame) -> bytes:
    # Ventures numbered in order of their first practice code, so ids read naturally.
    codes = practices["code"].to_numpy()[ventures["practice"]]
    table = pd.DataFrame({"practice_code": codes, "venture": ventures["venture"], "venture_type": ventures["type"]})
    first = table.groupby("venture")["practice_code"].min().sort_values()
    number = pd.Series(np.arange(1, len(first) + 1), index=first.index)
    table["n"] = table["venture"].map(number)
    table["venture_id"] = [f"V{n:04d}" for n in table["n"]]
    table["venture_name"] = [
        f"SYNTHETIC {'FEDERATION' if t == 'federation' else 'SUPER-PRACTICE'} {n:04d}"
        for t, n in zip(table["venture_type"], table["n"])
    ]
    table = table.sort_values("practice_code")[["practice_code", "venture_id", "venture_name", "venture_type"]]
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")
