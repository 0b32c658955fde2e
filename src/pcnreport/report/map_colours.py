"""Figure 4.2's colours and letters: telling every PCN apart on a commissioner's map, and labels that can be read.

A commissioner can have 40 PCNs against a palette of nine colours that stay distinct with colour-blindness,
so colour alone never names a PCN. PCNs whose territories touch get different colours (`pcn_colours`,
a DSatur graph colouring over `touching_pcns`), and each PCN carries a letter keyed to the legend
(`pcn_keys`) drawn on its largest territory (`pcn_label_hosts`). The count printed on each area is white
or near-black, whichever stands out against the fill under it by WCAG 2's contrast ratio (`label_ink`).
`maps.ccg_service_chart` draws the map with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
from shapely.ops import polylabel

# Paul Tol's "muted" scheme: nine colours told apart with the common colour-vision deficiencies.
# Each PCN is also lettered on the map and named in the legend and tooltip (see the module's notes).
PCN_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
# The opacity scale of Figure 4.2's areas: a PCN's share 0..1 drawn at opacity 0.2..1.
SHARE_OPACITY = (0.2, 1.0)
# Count labels: white on dark fills, near-black on light ones (`label_ink`).
LIGHT_INK, DARK_INK, BLACK = "#FFFFFF", "#111111", "#000000"
MIN_CONTRAST = 4.5  # WCAG 2's level AA for text of normal size
# Two areas closer than this (degrees, about a metre) touch: boundaries digitised separately can leave
# hairline gaps or overlaps along a border they share.
TOUCH_TOLERANCE = 1e-5

def touching_pairs(shapes: Sequence, tolerance: float = TOUCH_TOLERANCE) -> list[tuple[int, int]]:
    """Index pairs (i < j) of the shapes that touch: share a border or a corner, or lie within
    `tolerance` of each other."""
    array = np.asarray(shapes, dtype=object)
    if len(array) == 0:
        return []
    left, right = shapely.STRtree(array).query(array, predicate="dwithin", distance=tolerance)
    return sorted({(int(a), int(b)) for a, b in zip(left, right) if a < b})


def touching_pcns(pcns: Sequence, pairs: Sequence[tuple[int, int]]) -> set[frozenset]:
    """Pairs of PCNs whose territories touch, from the touching areas (`touching_pairs`) and each
    area's PCN (None: an area no PCN serves)."""
    return {frozenset((pcns[a], pcns[b])) for a, b in pairs
            if pcns[a] is not None and pcns[b] is not None and pcns[a] != pcns[b]}


def pcn_colours(pcn_codes: Sequence[str], adjacent: set[frozenset], palette: Sequence[str] = PCN_COLOURS) -> dict[str, str]:
    """A colour a PCN: all different while the palette has enough; beyond that, PCNs whose territories
    touch (`adjacent`) never share one while the palette allows.

    The colouring is DSatur's: the next PCN coloured is the one whose neighbours already show the most
    colours (then the one with most neighbours, then the lowest code), so the hardest-pressed are served
    while colours are free. Of the colours its neighbours leave free, a PCN gets the least used, so
    repeats spread over the palette. Deterministic: same PCNs, same colours."""
    codes = sorted(set(pcn_codes))
    if len(codes) <= len(palette):
        return dict(zip(codes, palette))
    neighbours = {code: set() for code in codes}
    for pair in adjacent:
        if len(pair) == 2 and pair <= neighbours.keys():
            a, b = sorted(pair)
            neighbours[a].add(b)
            neighbours[b].add(a)
    colours: dict[str, str] = {}
    used = dict.fromkeys(palette, 0)
    while len(colours) < len(codes):
        def pressure(code: str) -> tuple:
            seen = {colours[other] for other in neighbours[code] if other in colours}
            return -len(seen), -len(neighbours[code]), code

        code = min((c for c in codes if c not in colours), key=pressure)
        taken = {colours[other] for other in neighbours[code] if other in colours}
        # A PCN touching neighbours of every colour (not met in practice) takes the least used one:
        # its letter on the map still tells it apart.
        free = [colour for colour in palette if colour not in taken] or list(palette)
        colours[code] = min(free, key=lambda colour: (used[colour], palette.index(colour)))
        used[colours[code]] += 1
    return colours


def key_letters(n: int) -> str:
    """The n-th key (from 0) as spreadsheet columns run: A..Z, AA, AB, ..."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def pcn_keys(pcn_codes: Sequence[str]) -> dict[str, str]:
    """A short key a PCN, in code order (A for the lowest): the map's labels, matched in the legend.
    Letters, not numbers, so they cannot be read as the areas' counts."""
    return {code: key_letters(i) for i, code in enumerate(sorted(set(pcn_codes)))}


def label_point(shape) -> shapely.Point:
    """The point of a (multi)polygon's largest part farthest inside it (its pole of inaccessibility),
    where a label sits most clearly within the area. Found with longitude shrunk by the cosine of the
    latitude, so "farthest" is measured as the map shows it rather than in degrees."""
    parts = [part for part in shapely.get_parts(shape) if part.area > 0]
    if not parts:
        return shapely.point_on_surface(shape)
    largest = max(parts, key=lambda part: part.area)
    squeeze = math.cos(math.radians(largest.centroid.y))
    flat = shapely.transform(largest, lambda xy: xy * np.array([squeeze, 1.0]))
    size = math.sqrt(flat.area)
    point = polylabel(flat, tolerance=max(size / 100, 1e-7))
    return shapely.Point(point.x / squeeze, point.y)


def pcn_label_hosts(msoa_codes: Sequence[str], pcns: Sequence, shapes: Sequence,
                    pairs: Sequence[tuple[int, int]], points: Sequence | None = None) -> dict[str, str]:
    """The area a PCN's letter is drawn on: a PCN -> an MSOA code.

    A PCN's territory can be in pieces (its areas touching one another, `pairs`); its letter goes on the
    largest piece, on the area whose label point (`points`, else `label_point`) lies nearest the point
    farthest inside that piece."""
    codes = list(msoa_codes)
    points = list(points) if points is not None else [label_point(shape) for shape in shapes]
    area = [shape.area for shape in shapes]
    # Pieces: groups of one PCN's areas joined through touching areas of the same PCN (union-find).
    parent = list(range(len(codes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        if pcns[a] is not None and pcns[a] == pcns[b]:
            parent[root(a)] = root(b)
    pieces: dict[int, list[int]] = {}
    for i, pcn in enumerate(pcns):
        if pcn is not None:
            pieces.setdefault(root(i), []).append(i)
    # Each PCN's largest piece by area; a tie goes to the piece holding the lowest MSOA code, so the
    # choice does not hang on the order of the input.
    ranked = sorted(pieces.values(), key=lambda members: (-sum(area[i] for i in members), min(codes[i] for i in members)))
    largest: dict[str, list[int]] = {}
    for members in ranked:
        largest.setdefault(pcns[members[0]], members)
    hosts = {}
    for pcn, members in largest.items():
        centre = label_point(shapely.union_all([shapes[i] for i in members]))
        hosts[pcn] = codes[min(members, key=lambda i: (round(points[i].distance(centre), 9), codes[i]))]
    return hosts


def _linear(channel: float) -> float:
    channel /= 255
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #RRGGBB colour: 0 for black, 1 for white."""
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over_white(colour: str, opacity: float) -> str:
    """The colour a fill of `colour` drawn at `opacity` shows on the white page."""
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    mixed = (round(opacity * channel + (1 - opacity) * 255) for channel in (r, g, b))
    return "#" + "".join(f"{channel:02X}" for channel in mixed)


def share_opacity(share: float | None) -> float:
    """The opacity Figure 4.2 draws an area at for its PCN's share (the chart's opacity scale)."""
    low, high = SHARE_OPACITY
    if share is None or pd.isna(share):
        return high
    return low + (high - low) * min(max(float(share), 0.0), 1.0)


def label_ink(fill: str, opacity: float = 1.0) -> str:
    """The colour of a label on a fill of `fill` at `opacity` (over white): white or near-black,
    whichever contrasts more; black where near-black falls short of WCAG's 4.5 and white does too
    (mid-tones, where black still reaches about 4.6)."""
    under = over_white(fill, opacity)
    best = max((LIGHT_INK, DARK_INK), key=lambda ink: contrast_ratio(ink, under))
    if contrast_ratio(best, under) < MIN_CONTRAST and contrast_ratio(BLACK, under) > contrast_ratio(best, under):
        return BLACK
    return best
