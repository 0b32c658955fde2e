"""Federations and super-practices (Forbes et al. 2019, research data): the project's own CSV format.

Each PCN draws how its practices relate to existing ventures, with probabilities set so that Table 6.4's
shares of PCN member practices come out: all of the PCN's practices in one venture (16%), 50-99% of them
in the practice's venture (27%), 30-50% (10%), below 30% (7%), in no venture (40%).

- "all": the whole PCN in one venture;
- "majority": more than half (and not all) of the PCN in one venture, the others in none;
- "minority": 30-50% in one venture; each other practice in a small venture of its own or none;
- "none": no practice in a venture.

The PCNs' main groups then merge, CCG by CCG, into federations of about 20 practices (1 to 60); 166
small groups (the minorities' odd practices and some whole small PCNs) are super-practices instead. 386
ventures in all, 62% of practices in one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Mode probabilities (a PCN each; see the module docstring for the derivation from Table 6.4).
MODES = ("all", "majority", "minority", "none")
MODE_P = (0.20, 0.27, 0.26, 0.27)
N_SUPER_PRACTICES = 166
FEDERATION_SIZE_MEDIAN = 22


def make_ventures(practices: pd.DataFrame, rng) -> pd.DataFrame:
    """practice (row of `practices`), venture (number), type: one row a practice in a venture."""
    pcn = practices["pcn"].to_numpy()
    members = pd.Series(np.flatnonzero(pcn >= 0)).groupby(pcn[pcn >= 0]).apply(np.asarray)
    groups: list[tuple[np.ndarray, int, bool]] = []  # (practices, ccg, main group of a PCN?)
    ccg = practices["pcn_ccg"].to_numpy()
    for rows in members:
        rows = rng.permutation(rows)
        n = len(rows)
        mode = MODES[rng.choice(len(MODES), p=MODE_P)]
        if mode == "all" or (n == 1 and mode != "none"):
            groups.append((rows, ccg[rows[0]], True))
        elif mode == "majority" and n >= 2:
            k = min(n - 1, max(int(np.ceil(n / 2)), int(np.rint(n * rng.uniform(0.5, 1.0)))))
            groups.append((rows[:k], ccg[rows[0]], True))
        elif mode == "minority" and n >= 3:
            k = max(1, int(np.ceil(n * rng.uniform(0.3, 0.5))))
            while k / n > 0.5:
                k -= 1
            groups.append((rows[:k], ccg[rows[0]], True))
            for row in rows[k:]:
                if rng.random() < 0.45:
                    groups.append((np.array([row]), ccg[row], False))
        elif mode == "minority" or mode == "majority":
            groups.append((rows, ccg[rows[0]], True))
    # Practices in no PCN: half in a venture of their own kind.
    for row in np.flatnonzero(pcn < 0):
        if rng.random() < 0.5:
            groups.append((np.array([row]), practices["ccg"].iat[row], False))

    # Super-practices: the odd practices' groups first, then whole small PCNs, 166 in all.
    small = [i for i, (rows, _, main) in enumerate(groups) if not main]
    whole = [i for i, (rows, _, main) in enumerate(groups) if main and 2 <= len(rows) <= 4]
    chosen = list(rng.permutation(small))[: N_SUPER_PRACTICES]
    chosen += list(rng.permutation(whole))[: max(0, N_SUPER_PRACTICES - len(chosen))]
    super_set = set(int(i) for i in chosen)

    # Federations: the other groups, CCG by CCG, merged until each reaches its drawn size.
    rows_out, venture_out, type_out = [], [], []
    venture = 0
    for i in sorted(super_set):
        rows_out.append(groups[i][0])
        venture_out.append(np.full(len(groups[i][0]), venture))
        type_out += ["super-practice"] * len(groups[i][0])
        venture += 1
    rest = [i for i in range(len(groups)) if i not in super_set]
    rest.sort(key=lambda i: groups[i][1])
    target, current = _federation_size(rng), 0
    for position, i in enumerate(rest):
        rows = groups[i][0]
        if current and (current + len(rows) > target or groups[i][1] != groups[rest[position - 1]][1]):
            venture += 1
            target, current = _federation_size(rng), 0
        rows_out.append(rows)
        venture_out.append(np.full(len(rows), venture))
        type_out += ["federation"] * len(rows)
        current += len(rows)
    return pd.DataFrame({"practice": np.concatenate(rows_out), "venture": np.concatenate(venture_out), "type": type_out})


def _federation_size(rng) -> int:
    return int(np.clip(np.rint(rng.lognormal(np.log(FEDERATION_SIZE_MEDIAN), 0.7)), 1, 60))


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
