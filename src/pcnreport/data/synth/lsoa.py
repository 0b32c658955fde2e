"""Where each practice's patients live: registrations by LSOA.

Most of a practice's patients live near it: they are spread over the cells around its home cell with
weights falling off as exp(-distance / scale), the scale wider in towns (more practices in reach, so more
PCNs overlap an MSOA) than in the country. A small tail lives far away (people who moved but stayed
registered): a few patients each scattered with a wide normal offset. Within a cell, patients go to its
LSOAs in proportion to their residents. Counts are multinomial, so a practice's rows sum exactly to its
list size.

Calibration (chapter 6.3, Figure 6.4): the mean number of PCNs with at least 1% of an MSOA's registered
residents is about 3.5 (SD 1.8), and about 19 counting every PCN with any patient there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pcnreport.data.synth.geography import Geography
from pcnreport.data.synth.spec import SyntheticSpec


def spread_patients(spec: SyntheticSpec, geography: Geography, practices: pd.DataFrame, rng) -> pd.DataFrame:
    """One row a practice and LSOA with patients: practice (row of `practices`), lsoa (row), patients."""
    cells = _spread_over_cells(spec, geography, practices, rng)
    return _split_over_lsoas(geography, cells, rng)


def _spread_over_cells(spec: SyntheticSpec, geography: Geography, practices: pd.DataFrame, rng) -> pd.DataFrame:
    grid, home, msoas = geography.grid, geography.home, geography.msoas
    n_cells = len(msoas)
    lists = practices["list_size"].to_numpy()
    urban = 1 - practices["trait_rural"].to_numpy()
    tail_share = np.exp(np.log(spec.tail_share_rural) + np.log(spec.tail_share_urban / spec.tail_share_rural) * urban)
    tail = rng.binomial(lists, np.minimum(tail_share * rng.lognormal(-0.5, 1.0, len(lists)), 0.2))

    # Where the local patients start: their PCN's run of cells, their own practice's cells weighted more
    # (so MSOAs hold about equal numbers of residents, and a PCN's practices overlap).
    base = _base_cells(spec, geography, practices)
    weights = base["weight"].to_numpy()
    starts = np.searchsorted(base["practice"].to_numpy(), np.arange(len(lists)))
    totals = np.add.reduceat(weights, starts)
    share = weights / np.repeat(totals, np.diff(np.append(starts, len(base))))
    local_by_base = _multinomial_groups(rng, lists - tail, share, starts)

    # Around each start cell, exp(-distance / scale): wider in towns.
    r = spec.local_radius
    dx, dy = (a.ravel() for a in np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij"))
    practice = base["practice"].to_numpy()
    bx, by = msoas["x"].to_numpy()[base["cell"]], msoas["y"].to_numpy()[base["cell"]]
    target = _cells_at(grid, bx[:, None] + dx, by[:, None] + dy)
    u = urban[practice]
    scale = spec.local_scale_rural + (spec.local_scale_urban - spec.local_scale_rural) * u
    kernel = np.where(target >= 0, np.exp(-np.hypot(dx, dy) / scale[:, None]), 0.0)
    local = rng.multinomial(local_by_base, kernel / kernel.sum(axis=1, keepdims=True))

    # The tail: one offset a patient; a patient who would land off the map stays at home.
    owner = np.repeat(np.arange(len(lists)), tail)
    hx, hy = msoas["x"].to_numpy()[home[owner]], msoas["y"].to_numpy()[home[owner]]
    sd = spec.tail_sd
    far = _cells_at(grid, hx + np.rint(rng.normal(0, sd, len(owner))).astype(int),
                    hy + np.rint(rng.normal(0, sd, len(owner))).astype(int))  # fmt: skip
    far = np.where(far >= 0, far, home[owner])

    keys = np.concatenate([(practice[:, None] * n_cells + target)[local > 0], owner * n_cells + far])
    counts = np.concatenate([local[local > 0], np.ones(len(owner), dtype=np.int64)])
    unique, inverse = np.unique(keys, return_inverse=True)
    total = np.bincount(inverse, weights=counts).astype(np.int64)
    return pd.DataFrame({"practice": unique // n_cells, "cell": unique % n_cells, "patients": total})


def _cells_at(grid: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    size = grid.shape[0]
    inside = (x >= 0) & (x < size) & (y >= 0) & (y < size)
    return np.where(inside, grid[np.clip(x, 0, size - 1), np.clip(y, 0, size - 1)], -1)


def _base_cells(spec: SyntheticSpec, geography: Geography, practices: pd.DataFrame) -> pd.DataFrame:
    """(practice, cell, weight), sorted by practice: every cell of the practice's PCN run (weight 1) and
    the practice's own cells, its home included (weight `own_cell_weight` more)."""
    msoas = geography.msoas
    pcn = practices["pcn"].to_numpy()
    cells_of_pcn = msoas[msoas["pcn"] >= 0].groupby("pcn").indices
    members = np.flatnonzero(pcn >= 0)
    run = [cells_of_pcn.get(p, np.empty(0, dtype=int)) for p in pcn[members]]
    lengths = np.array([len(c) for c in run])
    shared = pd.DataFrame({"practice": np.repeat(members, lengths),
                           "cell": np.concatenate(run) if len(run) else [], "weight": 1.0})  # fmt: skip
    own = pd.DataFrame({"practice": msoas["owner"].to_numpy(), "cell": np.arange(len(msoas)), "weight": spec.own_cell_weight})
    home = pd.DataFrame({"practice": np.arange(len(pcn)), "cell": geography.home, "weight": spec.own_cell_weight})
    base = pd.concat([shared, own, home], ignore_index=True)
    return base.groupby(["practice", "cell"], as_index=False)["weight"].sum()


def _multinomial_groups(rng, totals: np.ndarray, share: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Split each group's total over its rows by `share` (rows sorted by group; `starts` index them):
    sequential binomials, the conditional form of a multinomial, vectorised over groups."""
    n = len(share)
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    out = np.zeros(n, dtype=np.int64)
    remaining = totals.astype(np.int64).copy()
    left = np.ones(len(starts))
    position = np.arange(n) - starts[group]
    for k in range(int(position.max()) + 1):
        rows = np.flatnonzero(position == k)
        g = group[rows]
        p = np.clip(share[rows] / np.maximum(left[g], 1e-12), 0, 1)
        last = (rows == n - 1) | (np.append(group[1:], -1)[rows] != g)
        draw = np.where(last, remaining[g], rng.binomial(remaining[g], p))
        out[rows] = draw
        remaining[g] -= draw
        left[g] -= share[rows]
    return out


def _split_over_lsoas(geography: Geography, cells: pd.DataFrame, rng) -> pd.DataFrame:
    lsoas = geography.lsoas
    per_msoa = lsoas.groupby("msoa").size().to_numpy()
    first = np.cumsum(per_msoa) - per_msoa
    width = per_msoa.max()
    slot = first[:, None] + np.arange(width)
    valid = np.arange(width) < per_msoa[:, None]
    weights = np.where(valid, lsoas["weight"].to_numpy()[np.where(valid, slot, 0)], 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    cell = cells["cell"].to_numpy()
    split = rng.multinomial(cells["patients"].to_numpy(), weights[cell])
    rows, columns = np.nonzero(split)
    return pd.DataFrame(
        {
            "practice": cells["practice"].to_numpy()[rows],
            "lsoa": slot[cell[rows], columns],
            "patients": split[rows, columns],
        }
    )
