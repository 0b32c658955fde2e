"""A national-sized series of quarterly registrations-by-LSOA files, for measuring analyses over time.

The synthetic sample (`synth.write_sample`) holds one LSOA release of a calibrated made-up England. This
module writes many releases of national size instead, each quarter of a period: by default 20 quarters
from January 2020 (five years), each about 800,000 rows (6,500 practices, each with patients in about
123 LSOAs), as `<folder>/registrations-lsoa/<YYYY-MM>/gp-reg-pat-prac-lsoa-all.csv`. It exists for the
columnar store's benchmark (benchmarks/lsoa_benchmark.py) and tests: its people are not calibrated to
the report's figures, only its sizes and formats are realistic.

Formats: each quarter's file is written as the sample writes its LSOA file for that month's era
(`vintages.get_vintage`): the header of `registrations.LSOA_HEADER`, the extract date as that era writes
it (`registrations.extract_date`: 01JAN2020, ISO in the latest era), CRLF line ends, rows ordered by
practice then LSOA code, SEX 'ALL' rows only (as the publisher's `-all` file). Codes follow the sample's
rules, clear of real ones: practices Z + 5 digits, LSOAs E019xxxxx, PCNs U9xxxx.

Small areas: quarters to 2022 are coded by 2011 LSOAs (with NO2011 for patients whose postcode has no
LSOA), quarters from 2023 by 2021 LSOAs (with CLOSED, EMPTY and L99999), as NHS Digital's releases are.
The sample's own redrawing (`lsoa2021.redraw`) needs the sample's whole geography (MSOAs, deprivation,
rurality), which this series does not have, so the 2021 codes here come from a simpler redrawing with the
same share of splits (`lsoa2021.SPLIT_SHARE`) and the same code block: a split LSOA's patients go to its
two parts by a fair coin each; merges and irregular changes are not drawn.

Everything is drawn from the seed: the same seed writes the same bytes. Files are written one at a time
and in blocks of practices, so memory stays at one block's rows whatever the number of releases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

# The one write-beside-then-rename helper (`atomic` keeps it private): a release is streamed to a file by
# name, which write_bytes_atomic (bytes in memory) does not allow.
from pcnreport.core.atomic import _replace_with as replace_with
from pcnreport.data.synth.lsoa2021 import SPLIT_SHARE
from pcnreport.data.synth.registrations import LSOA_HEADER, extract_date
from pcnreport.data.synth.vintages import get_vintage

FILE_NAME = "gp-reg-pat-prac-lsoa-all.csv"
DEFAULT_SEED = 20200101
FIRST_QUARTER = "2020-01"
RELEASES = 20  # five years of quarters
N_PRACTICES = 6_500  # England had about 6,500-6,800 practices over 2020-2024
LSOAS_PER_PRACTICE = 123  # mean rows a practice: 6,500 x 123 = about 800,000 rows a release
N_LSOAS_2011 = 32_844  # England's 2011 LSOAs
FIRST_2021_CODES = "2023-01"  # NHS Digital's LSOA releases are coded by 2021 LSOAs from 2023
MEAN_LIST = 9_300  # about 60 million patients over 6,500 practices
PCN_SIZES = (3, 8)  # practices a PCN, drawn uniformly between these (most PCNs have 3 to 8)
NO_AREA_2011 = ("NO2011",)
NO_AREA_2021 = ("CLOSED", "EMPTY", "L99999")
NO_AREA_SHARE = 0.15  # practices with a row of patients without an area in a release (40 of 254 in the real cut)
GROWTH_A_QUARTER = 0.002  # lists grow by about 0.8% a year
CLOSED_SHARE = 0.03  # practices that close (merge away) during the series, at a random quarter
MOVED_SHARE = 0.02  # practices that move to the neighbouring PCN, once, at a random quarter
BLOCK = 500  # practices written at a time: about 60,000 rows, a few MB of text


@dataclass(frozen=True)
class _Practices:
    """The series' fixed structure: practices along a one-dimensional map of LSOAs, and their PCNs."""

    codes: np.ndarray  # Z00001 ...
    names: np.ndarray
    home: np.ndarray  # index of the LSOA the practice sits in (sorted: practice order is map order)
    areas: np.ndarray  # LSOAs with its patients (a window around home)
    lists: np.ndarray  # list size at the first release
    pcn: np.ndarray  # index of its PCN at the first release
    closes: np.ndarray  # index of the first release without it (RELEASES + 1: never)
    moves: np.ndarray  # index of the release from which it is in the next PCN (never: see closes)


def quarters(first: str = FIRST_QUARTER, count: int = RELEASES) -> list[str]:
    """`count` quarter months from `first` (YYYY-MM): 2020-01, 2020-04, ..."""
    start = dt.datetime.strptime(first, "%Y-%m")
    months = [start.year * 12 + start.month - 1 + 3 * k for k in range(count)]
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]


def _practices(seed: int, n_practices: int, lsoas_per_practice: int, releases: int) -> _Practices:
    rng = np.random.default_rng([seed, 0])
    index = np.arange(n_practices)
    home = np.sort(rng.integers(0, N_LSOAS_2011, n_practices))
    # Windows from half to one and a half times the mean, so the mean is `lsoas_per_practice`.
    low = max(1, lsoas_per_practice // 2)
    areas = rng.integers(low, 2 * lsoas_per_practice - low + 1, n_practices)
    lists = np.clip(np.rint(rng.lognormal(np.log(MEAN_LIST) - 0.18, 0.6, n_practices)), 1_000, 60_000)
    lists = np.maximum(lists, areas + 50).astype(np.int64)  # at least one patient in every LSOA of its window
    # PCNs: runs of neighbouring practices (practices are in map order), 3 to 8 each.
    sizes = rng.integers(PCN_SIZES[0], PCN_SIZES[1] + 1, n_practices)
    pcn = np.repeat(np.arange(n_practices), sizes)[:n_practices]
    never = releases + 1
    closes = np.where(rng.random(n_practices) < CLOSED_SHARE, rng.integers(1, max(releases, 2), n_practices), never)
    moves = np.where(rng.random(n_practices) < MOVED_SHARE, rng.integers(1, max(releases, 2), n_practices), never)
    return _Practices(
        codes=np.array([f"Z{i + 1:05d}" for i in index]),
        names=np.array([f"SYNTHETIC PRACTICE {i + 1:04d}" for i in index]),
        home=home, areas=areas, lists=lists, pcn=pcn, closes=closes, moves=moves,
    )  # fmt: skip


def _codes_2011() -> np.ndarray:
    return np.array([f"E01{900_001 + i}" for i in range(N_LSOAS_2011)])


def _redrawn_2021(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """For each 2011 LSOA, its first and second 2021 code (the same code twice when it was not split): a
    SPLIT_SHARE of them split in two, the new codes continuing after the 2011 block as ONS's did."""
    rng = np.random.default_rng([seed, 2021])
    first, second = _codes_2011(), _codes_2011()
    split = np.sort(rng.permutation(N_LSOAS_2011)[: int(SPLIT_SHARE * N_LSOAS_2011)])  # in map order
    new = np.array([f"E01{900_001 + N_LSOAS_2011 + k}" for k in range(2 * len(split))])
    first[split], second[split] = new[0::2], new[1::2]
    return first, second


def memberships(
    releases: list[str] | None = None, seed: int = DEFAULT_SEED, n_practices: int = N_PRACTICES
) -> dict[str, pd.DataFrame]:
    """The series' practice-to-PCN membership of each release: practice_code, pcn_code (open practices
    only; a few practices move to the neighbouring PCN during the series)."""
    releases = quarters() if releases is None else releases
    practices = _practices(seed, n_practices, LSOAS_PER_PRACTICE, len(releases))
    out = {}
    for k, release in enumerate(releases):
        open_ = practices.closes > k
        pcn = practices.pcn + (practices.moves <= k)  # the next PCN along the map
        out[release] = pd.DataFrame(
            {"practice_code": practices.codes[open_], "pcn_code": [f"U{90_001 + p}" for p in pcn[open_]]}, dtype="str"
        )
    return out


def write_lsoa_series(
    folder: Path,
    releases: int = RELEASES,
    seed: int = DEFAULT_SEED,
    *,
    first: str = FIRST_QUARTER,
    n_practices: int = N_PRACTICES,
    lsoas_per_practice: int = LSOAS_PER_PRACTICE,
) -> dict[str, Path]:
    """Write `releases` quarterly files from `first` under `folder`/registrations-lsoa/<YYYY-MM>/; return
    release -> path. `memberships` gives the PCNs of the same practices (pass the same seed and
    n_practices)."""
    months = quarters(first, releases)
    practices = _practices(seed, n_practices, lsoas_per_practice, releases)
    written = {}
    for k, month in enumerate(months):
        path = Path(folder) / "registrations-lsoa" / month / FILE_NAME
        _write_release(path, practices, k, month, seed)
        written[month] = path
    return written


def _write_release(path: Path, practices: _Practices, k: int, month: str, seed: int) -> None:
    """Release `k` (`month`), in blocks of practices, to a temporary file renamed over `path` at the end:
    never half a file under the real name, and never the whole release in memory."""
    # The era's formats (`get_vintage`), dated the release's own month: its extract is taken that month.
    vintage = replace(get_vintage(month), extract_day=dt.datetime.strptime(month, "%Y-%m").date())
    coded_2021 = month >= FIRST_2021_CODES
    rng = np.random.default_rng([seed, 1, k])
    first, second = _redrawn_2021(seed) if coded_2021 else (_codes_2011(), _codes_2011())
    no_area = NO_AREA_2021 if coded_2021 else NO_AREA_2011
    # Every column before the LSOA's is the practice's: written once a practice, not once a row.
    prefix = np.array(
        [f"GP_PRAC_PAT_LIST,{extract_date(vintage)},{code},{name}," for code, name in zip(practices.codes, practices.names)],
        dtype=object,
    )
    open_ = np.flatnonzero(practices.closes > k)
    growth = (1 + GROWTH_A_QUARTER) ** k * rng.lognormal(0, 0.01, len(practices.lists))
    lists = np.maximum(np.rint(practices.lists * growth).astype(np.int64), practices.areas + 50)

    def fill(tmp: str) -> None:
        with open(tmp, "wb") as file:
            file.write((",".join(LSOA_HEADER) + "\r\n").encode("utf-8"))
            for start in range(0, len(open_), BLOCK):
                file.write(_block(practices, open_[start : start + BLOCK], lists, first, second, no_area, prefix, rng))

    path.parent.mkdir(parents=True, exist_ok=True)
    replace_with(path, fill)


def _block(practices: _Practices, rows_of: np.ndarray, lists: np.ndarray, first: np.ndarray, second: np.ndarray,
           no_area: tuple[str, ...], prefix: np.ndarray, rng) -> bytes:  # fmt: skip
    """The text of one block of practices' rows, in the publisher's order (practice, then LSOA code)."""
    width = int(practices.areas[rows_of].max())
    areas = practices.areas[rows_of]
    offset = np.arange(width)
    valid = offset < areas[:, None]
    # A window of `areas` LSOAs centred on home, kept inside the map; patients fall off with distance.
    start = np.clip(practices.home[rows_of] - areas // 2, 0, N_LSOAS_2011 - areas)
    lsoa = np.where(valid, start[:, None] + offset, 0)
    distance = np.abs(lsoa - practices.home[rows_of][:, None])
    weight = np.where(valid, np.exp(-distance / np.maximum(areas[:, None] / 4, 1)), 0.0)
    # One patient in every LSOA of the window, the rest spread by weight: a practice's rows sum to its list.
    spread = rng.multinomial(lists[rows_of] - areas, weight / weight.sum(axis=1, keepdims=True))
    counts = np.where(valid, spread + 1, 0)
    practice = np.repeat(rows_of, areas)
    lsoa, counts = lsoa[valid], counts[valid]
    # 2021 codes: a split LSOA's patients go to its two parts, a fair coin each (a part left empty has no row).
    to_first = np.where(first[lsoa] != second[lsoa], rng.binomial(counts, 0.5), counts)
    code = np.concatenate([first[lsoa], second[lsoa]])
    practice = np.concatenate([practice, practice])
    counts = np.concatenate([to_first, counts - to_first])
    # Patients without an area: a few from some practices' largest row, under the era's words in turn.
    has_no_area = np.flatnonzero(rng.random(len(rows_of)) < NO_AREA_SHARE)
    words = np.array(no_area)[np.arange(len(has_no_area)) % len(no_area)]
    moved = rng.integers(1, 6, len(has_no_area))
    code = np.concatenate([code, words])
    practice = np.concatenate([practice, rows_of[has_no_area]])
    counts = np.concatenate([counts, moved])
    keep = counts > 0
    code, practice, counts = code[keep], practice[keep], counts[keep]
    order = np.lexsort((code, practice))  # practice codes are in practice order: Z00001, Z00002, ...
    code, practice, counts = code[order], practice[order], counts[order]
    lines = prefix[practice] + code.astype(object) + ",ALL," + counts.astype(str).astype(object) + "\r\n"
    return "".join(lines.tolist()).encode("utf-8")
