"""A synthetic England: LSOAs nested in MSOAs on a map, with rurality and deprivation.

The map is a 128 x 128 grid walked along a Hilbert curve; its first `n_msoas` cells are the MSOAs. A
Hilbert curve keeps consecutive cells close together, so cutting it into consecutive runs gives compact
areas: CCG by CCG, and within a CCG PCN by PCN, each PCN gets a run of cells in proportion to its
patients (about 8,900 a cell, the mean MSOA population). Each practice's home cell is where its patients
fall on that run. Neighbouring cells are neighbouring MSOAs: registrations by LSOA (lsoa.py) spread each
practice's patients over the cells around its home.

An LSOA takes its traits from the PCN whose run holds its MSOA: that PCN's rural share decides how many
of the run's LSOAs are rural, and its deprivation (plus LSOA noise) ranks the LSOAs for the IMD.

Codes stay clear of real ones: 2011 LSOAs run E01000001-E01033768 and MSOAs E02000001-E02006934 (the 2021
codes continue from there), so the sample uses E019xxxxx and E029xxxxx; local authorities E06900xxx and
constituencies E14900xxx (real: E06000xxx, E14000xxx-E14001xxx).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pcnreport.data.synth.draws import _discrete_inverse_cdf, _stratified_probabilities
from pcnreport.data.synth.spec import REGIONS, SyntheticSpec

GRID_ORDER = 7  # 2**7 = 128 cells a side: room for 16,384 MSOAs

# LSOAs per MSOA, England 2011 (lsoa_geog_lookup.csv): 1 to 10, mean 4.84, mostly 4 or 5.
LSOAS_PER_MSOA = (0.002, 0.008, 0.055, 0.245, 0.505, 0.14, 0.035, 0.007, 0.002, 0.001)

# RUC 2011 codes with their names; rural codes are D1-E2. Shares within rural LSOAs follow England's.
RUC_NAMES = {
    "A1": "Urban major conurbation",
    "B1": "Urban minor conurbation",
    "C1": "Urban city and town",
    "C2": "Urban city and town in a sparse setting",
    "D1": "Rural town and fringe",
    "D2": "Rural town and fringe in a sparse setting",
    "E1": "Rural village and dispersed",
    "E2": "Rural village and dispersed in a sparse setting",
}
RURAL_CODES, RURAL_WEIGHTS = ("D1", "D2", "E1", "E2"), (3189, 197, 2490, 328)


@dataclass(frozen=True)
class Geography:
    """msoas: one row a cell (code, x, y, pcn, ccg, region); lsoas: one row an LSOA (code, msoa, name,
    rural, ruc_code, imd_rank, imd_decile, ...); grid: cell index at (x, y), -1 off the map;
    home: each practice's home cell (rows of `practices`)."""

    msoas: pd.DataFrame
    lsoas: pd.DataFrame
    grid: np.ndarray
    home: np.ndarray


def hilbert_xy(order: int, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell (x, y) at distance d along the Hilbert curve filling a 2**order square (vectorised d2xy)."""
    x = np.zeros_like(d)
    y = np.zeros_like(d)
    t = d.copy()
    s = 1
    while s < 2**order:
        rx = 1 & (t // 2)
        ry = 1 & (t ^ rx)
        # Rotate the quadrant.
        flip = ry == 0
        swap_x = np.where(flip & (rx == 1), s - 1 - x, x)
        swap_y = np.where(flip & (rx == 1), s - 1 - y, y)
        x, y = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        x = x + s * rx
        y = y + s * ry
        t = t // 4
        s *= 2
    return x, y


def make_geography(spec: SyntheticSpec, ccgs: pd.DataFrame, practices: pd.DataFrame, rng) -> Geography:
    n = spec.n_msoas
    x, y = hilbert_xy(GRID_ORDER, np.arange(n))
    grid = np.full((2**GRID_ORDER, 2**GRID_ORDER), -1)
    grid[x, y] = np.arange(n)

    # Practices in map order: CCG by CCG (their PCN's CCG), PCN by PCN, practices in no PCN last.
    home_ccg = np.where(practices["pcn"] >= 0, practices["pcn_ccg"], practices["ccg"]).astype(int)
    pcn_key = np.where(practices["pcn"] >= 0, practices["pcn"], 10**6)
    order = np.lexsort((np.arange(len(practices)), pcn_key, home_ccg))
    lists = practices["list_size"].to_numpy()[order].astype(float)
    ends = np.cumsum(lists)
    scale = n / ends[-1]
    home = np.empty(len(practices), dtype=int)
    home[order] = np.minimum(((ends - lists / 2) * scale).astype(int), n - 1)
    # Each cell belongs to the practice (and so the PCN and CCG) whose run covers the cell's middle.
    owner = order[np.minimum(np.searchsorted(ends, (np.arange(n) + 0.5) / scale), len(order) - 1)]
    msoas = pd.DataFrame(
        {
            "code": [f"E02{900_001 + i}" for i in range(n)],
            "x": x,
            "y": y,
            "owner": owner,
            "pcn": practices["pcn"].to_numpy()[owner],
            "ccg": home_ccg[owner],
        }
    )
    msoas["region"] = ccgs["region_index"].to_numpy()[msoas["ccg"]]
    lsoas = _make_lsoas(spec, ccgs, practices, msoas, rng)
    return Geography(msoas=msoas, lsoas=lsoas, grid=grid, home=home)


def _make_lsoas(spec: SyntheticSpec, ccgs: pd.DataFrame, practices: pd.DataFrame, msoas: pd.DataFrame, rng) -> pd.DataFrame:
    counts = _discrete_inverse_cdf(LSOAS_PER_MSOA, _stratified_probabilities(rng.random(len(msoas))))
    # Stratified draws land within a few LSOAs of the target total: settle the rest on 4- and 5-LSOA MSOAs.
    gap = spec.n_lsoas - counts.sum()
    candidates = rng.permutation(np.flatnonzero(counts == (4 if gap > 0 else 5)))
    counts[candidates[: abs(gap)]] += np.sign(gap)
    msoa = np.repeat(np.arange(len(msoas)), counts)
    within = np.arange(len(msoa)) - np.repeat(np.cumsum(counts) - counts, counts)
    owner = msoas["owner"].to_numpy()[msoa]
    ccg = msoas["ccg"].to_numpy()[msoa]

    # The k-th MSOA of a district (its CCG) is numbered k, its LSOAs lettered A, B, ... as ONS names them.
    msoa_number = msoas.groupby("ccg").cumcount().to_numpy() + 1
    lsoas = pd.DataFrame(
        {
            "code": [f"E01{900_001 + i}" for i in range(len(msoa))],
            "msoa": msoa,
            "ccg": ccg,
            "name": [
                f"SYNTHETIC DISTRICT {c + 1:03d} {msoa_number[m]:03d}{chr(65 + w)}" for c, m, w in zip(ccg, msoa, within)
            ],
            # Residents weight: LSOAs hold 1,000-3,000 people; patients spread over a cell's LSOAs by it.
            "weight": rng.uniform(0.7, 1.3, len(msoa)),
        }
    )

    # Rural: in each PCN's run, the PCN's rural share of its LSOAs (a random choice of which).
    rural_share = practices["trait_rural"].to_numpy()[owner]
    group = practices["pcn"].to_numpy()[owner]
    group = np.where(group >= 0, group, -1 - owner)  # practices in no PCN: a group each
    rank = pd.Series(rng.random(len(msoa))).groupby(group).rank(method="first").to_numpy() - 1
    size = pd.Series(group).map(pd.Series(group).value_counts()).to_numpy()
    lsoas["rural"] = rank < np.rint(rural_share * size)
    lsoas["ruc_code"] = _ruc_codes(ccgs, ccg, lsoas["rural"].to_numpy(), rng)

    # IMD: a PCN-level deprivation (traits) plus LSOA noise, ranked (1 = most deprived), in deciles.
    score = practices["trait_deprivation"].to_numpy()[owner] + spec.imd_lsoa_noise * rng.standard_normal(len(msoa))
    rank = np.empty(len(msoa), dtype=int)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, len(msoa) + 1)
    lsoas["imd_score"] = score
    lsoas["imd_rank"] = rank
    lsoas["imd_decile"] = (rank - 1) * 10 // len(msoa) + 1
    return lsoas


def _ruc_codes(ccgs: pd.DataFrame, ccg: np.ndarray, rural: np.ndarray, rng) -> np.ndarray:
    # Urban LSOAs take their CCG's urban type: London is a major conurbation; elsewhere a CCG is a major
    # conurbation, a minor one, or cities and towns, in about England's proportions of urban LSOAs.
    london = ccgs["region_code"].to_numpy() == REGIONS[0][0]
    urban_type = np.where(london, "A1", rng.choice(["A1", "B1", "C1"], size=len(ccgs), p=[0.22, 0.05, 0.73]))
    urban = urban_type[ccg]
    urban = np.where((urban == "C1") & (rng.random(len(ccg)) < 0.006), "C2", urban)
    weights = np.array(RURAL_WEIGHTS) / sum(RURAL_WEIGHTS)
    rural_codes = rng.choice(RURAL_CODES, size=len(ccg), p=weights)
    return np.where(rural, rural_codes, urban)


# --- Files ------------------------------------------------------------------------------------------------

LOOKUP_HEADER = (
    "LSOA_CODE", "MSOA_CODE", "PCON_CODE", "PCON_NAME", "LAD_CODE", "LAD_NAME", "COUNTY_CONURBATION", "REGION",
    "IMD_INCOME", "IMD_OVERALL",
)  # fmt: skip
RUC_HEADER = ("lsoa", "LSOA11NM", "RUC11CD", "RUC11", "OBJECTID")
IMD_HEADER = (
    "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
    "Index of Multiple Deprivation (IMD) Decile",
)  # fmt: skip
IMD_WIDTHS = (13.1, 32.1, 13.1, 33.6, 16.0, 16.0)
CONSTITUENCY_MSOAS = 13  # England: 533 constituencies for 6,791 MSOAs


def lookup_csv(geography: Geography, ccgs: pd.DataFrame, rng) -> bytes:
    """The third-party LSOA lookup: LF line ends, no quoting, IMD quintiles (1 = most deprived)."""
    lsoas = geography.lsoas
    n = len(lsoas)
    quintile = (lsoas["imd_rank"].to_numpy() - 1) * 5 // n + 1
    # Income deprivation tracks overall deprivation closely (the income domain weighs 22.5% of the IMD).
    income_score = lsoas["imd_score"].to_numpy() + 0.35 * rng.standard_normal(n)
    income_rank = np.empty(n, dtype=int)
    income_rank[np.argsort(-income_score, kind="stable")] = np.arange(n)
    constituency = lsoas["msoa"].to_numpy() // CONSTITUENCY_MSOAS
    ccg = lsoas["ccg"].to_numpy()
    region = ccgs["region_index"].to_numpy()[ccg]
    table = pd.DataFrame(
        {
            "LSOA_CODE": lsoas["code"],
            "MSOA_CODE": geography.msoas["code"].to_numpy()[lsoas["msoa"]],
            "PCON_CODE": [f"E14{900_001 + c}" for c in constituency],
            "PCON_NAME": [f"SYNTHETIC CONSTITUENCY {c + 1:03d}" for c in constituency],
            "LAD_CODE": [f"E06{900_001 + c}" for c in ccg],
            "LAD_NAME": [f"SYNTHETIC DISTRICT {c + 1:03d}" for c in ccg],
            "COUNTY_CONURBATION": [f"SYNTHETIC COUNTY {c // 4 + 1:02d}" for c in ccg],
            "REGION": [f"SYNTHETIC {REGIONS[r][1].title()}" for r in region],
            "IMD_INCOME": income_rank * 5 // n + 1,
            "IMD_OVERALL": quintile,
        }
    )
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def ruc_csv(geography: Geography) -> bytes:
    """ONS's RUC 2011 by LSOA as republished (LSOA column `lsoa`, a 0-based OBJECTID), LF line ends."""
    lsoas = geography.lsoas
    table = pd.DataFrame(
        {
            "lsoa": lsoas["code"],
            "LSOA11NM": lsoas["name"],
            "RUC11CD": lsoas["ruc_code"],
            "RUC11": lsoas["ruc_code"].map(RUC_NAMES),
            "OBJECTID": np.arange(len(lsoas)),
        }
    )
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def imd_workbook(geography: Geography, when) -> bytes:
    """MHCLG's File 1 of 2019: a Notes sheet, then sheet IMD2019 (bold header, frozen first row)."""
    lsoas = geography.lsoas
    ccg = lsoas["ccg"].to_numpy()
    rows = zip(
        lsoas["code"].tolist(), lsoas["name"].tolist(), [f"E06{900_001 + c}" for c in ccg],
        [f"SYNTHETIC DISTRICT {c + 1:03d}" for c in ccg], lsoas["imd_rank"].tolist(), lsoas["imd_decile"].tolist(),
    )  # fmt: skip
    return imd_xlsx(rows, when)


def imd_xlsx(rows, when, *, edition: str = "2019", sheet_name: str = "IMD2019", header=IMD_HEADER) -> bytes:
    """File 1 of an edition (2019: sheet IMD2019; 2025: IMD25): a Notes sheet, then the data sheet (bold
    header, frozen first row), one row an LSOA from `rows`.

    Written in openpyxl's write-only mode: a normal workbook takes 6 s for 200,000 cells, this one 1 s.
    Its text cells are inline strings rather than Excel's shared strings; readers see the same values.
    """
    import io

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from pcnreport.data.synth.formats import reproducible_zip

    workbook = openpyxl.Workbook(write_only=True)
    notes = workbook.create_sheet("Notes")
    notes.append([f"SYNTHETIC sample: not the English Indices of Deprivation {edition}. Made up by pcnreport.synth."])
    sheet = workbook.create_sheet(sheet_name)
    for column, width in zip("ABCDEF", IMD_WIDTHS):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append(row)
    workbook.properties.creator = "pcnreport.synth"
    workbook.properties.title = f"SYNTHETIC IMD {edition} sample: not real data"
    workbook.properties.created = when
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue(), when)
