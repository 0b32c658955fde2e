"""The synthetic sample: a made-up national picture of England's PCNs, in the publishers' own formats.

Why it exists: the real inputs are large downloads, and some (the national January 2020 registrations)
are no longer published. The sample lets anyone build the whole report offline, and because it is written
in exactly the publishers' file formats, it goes through the same readers as real data: nothing
downstream has a "synthetic" code path except the label on every page.

    epcn/2020-01/ePCN.xlsx                         NHS Digital ePCN workbook (PCNs and core partners)
    registrations/2020-01/gp-reg-pat-prac-all.csv  Patients Registered at a GP Practice, all persons
    payments/2019-20/payments_19-20.csv            NHS Payments to General Practice
    SYNTHETIC.json                                 the marker: the report labels itself synthetic

Nothing in it is real, and every name says so (SYNTHETIC PRACTICE 0001, SYNTHETIC PCN 0001, NHS
SYNTHETIC CCG 001). Codes have the real shapes, so the readers' checks apply unchanged, but are chosen to
stay clear of real codes where the code space allows:

- practices `Z` + 5 digits: ODS GP practice codes use the letters A-P and Y only;
- CCGs `Z` + digit + letter (Z0A, Z0B, ...): real CCG codes start with a digit (00L, 99A, 15N);
- ONS CCG codes E38900001...: real ones are E380000xx-E380002xx;
- postcodes in the made-up districts ZZ1-ZZ7 (one a region; ZZ99 is the NHS's own pseudo-postcode);
- PCNs U90001...: ODS issues PCN codes at random over all of U00000-U99999, so no block is free of real
  codes. A synthetic PCN code may equal a real one; its name never does;
- regions keep their real codes (Y56, Y58-Y63), so regional breakdowns read naturally; their names say
  SYNTHETIC.

Calibration: the distributions follow what the interim report publishes about PCNs in January 2020
(chapter 6): see `SyntheticSpec`. Margins are drawn by *stratified* inverse-CDF sampling (the i-th
smallest of n draws sits at probability (i + 0.5) / n), so the published quantiles are reproduced almost
exactly for any seed; the seed decides which PCN gets which size, how they pair up and how a PCN's
patients split among its practices.

Determinism: one seed gives byte-identical files (the build keys cached steps on data hashes). Each stage
draws from its own child of the seed's `SeedSequence`, so changing one stage does not reshuffle the others.
The workbook's timestamps (document properties and zip entries) are fixed. Identical bytes assume the same
numpy, openpyxl and zlib versions: the project pins them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pcnreport.atomic import write_bytes_atomic, write_text_atomic
from pcnreport.errors import DataFormatError

__all__ = ["SyntheticSpec", "write_sample", "is_synthetic", "MARKER", "SAMPLE_PATHS"]

GENERATOR = "pcnreport.synth"
# Bump when the files a given seed produces change: the marker records it, so a cached build can tell.
GENERATOR_VERSION = 1
MARKER = "SYNTHETIC.json"

SAMPLE_PATHS = {
    "epcn": "epcn/2020-01/ePCN.xlsx",
    "registrations": "registrations/2020-01/gp-reg-pat-prac-all.csv",
    "payments": "payments/2019-20/payments_19-20.csv",
}

# NHS England's seven regions in 2019/20 with their share of practices (payments file 2019/20), which sets
# how many CCGs (and so PCNs) each region gets.
REGIONS = (
    ("Y56", "LONDON", 0.181),
    ("Y58", "SOUTH WEST", 0.086),
    ("Y59", "SOUTH EAST", 0.131),
    ("Y60", "MIDLANDS", 0.196),
    ("Y61", "EAST OF ENGLAND", 0.103),
    ("Y62", "NORTH WEST", 0.150),
    ("Y63", "NORTH EAST AND YORKSHIRE", 0.153),
)

EXTRACT_DAY = dt.date(2020, 1, 1)  # the registrations' extract date, and the workbook's timestamps
PCN_OPEN = 20191001  # PCNs and their memberships started on 1 October 2019 ...
LATE_OPEN = 20191201  # ... a handful two months later


@dataclass(frozen=True)
class SyntheticSpec:
    """What to generate. Defaults reproduce the interim report's published figures (chapter 6).

    Inverse-CDF knots are (cumulative share, value) pairs, interpolated monotonically (PCHIP).
    """

    seed: int = 20200101
    n_pcns: int = 1250
    n_ccgs: int = 135

    # PCN registered population. Published: 1% under 24,000, 7% under 30,000 (84 of 1,250 = 0.067), P10
    # 31,100, median 44,000, 35% over 50,000 (440 of 1,250: so 50,000 sits at 0.648), P90 69,200, 5% over
    # 80,000, mean 48,000. The ends (15,000 and 200,000) and the 0.99 knot are not published: the 0.99
    # knot is set so that the mean comes out at 48,000.
    pcn_population_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 15_000),
        (0.01, 24_000),
        (0.067, 30_000),
        (0.10, 31_100),
        (0.50, 44_000),
        (0.648, 50_000),
        (0.90, 69_200),
        (0.95, 80_000),
        (0.99, 105_000),
        (1.0, 200_000),
    )

    # Practices per PCN: weight of k = 1, 2, 3, ... practices (per 1,000 PCNs). Published: 34 PCNs of one
    # practice (27.2 per 1,000), P10 3, median 5, P90 8, mean 5.4, 77 PCNs of ten or more (61.6 per
    # 1,000). Between those points the shape follows the December 2019 ePCN, smoothed; the largest PCN has
    # 30 practices.
    practices_per_pcn: tuple[float, ...] = (
        27.2, 58, 142, 180, 179, 157, 91, 69, 35,  # 1-9
        18, 14, 11, 6, 3, 2, 1.6, 1.2, 1.2, 0.4,  # 10-19
        0.8, 0.4, 0.4, 0.4, 0.4, 0.4, 0, 0, 0, 0, 0.8,  # 20-30
    )

    # PCNs per CCG, April 2020's 135 CCGs: a few CCGs are a single PCN, the median is 7, the largest ~40.
    pcns_per_ccg_quantiles: tuple[tuple[float, float], ...] = (
        (0.0, 1),
        (0.012, 1),
        (0.04, 2.5),
        (0.10, 4),
        (0.25, 5),
        (0.50, 7),
        (0.75, 11),
        (0.90, 18),
        (0.98, 32),
        (1.0, 41),
    )

    # Gaussian-copula correlation between a PCN's population and its number of practices: 0.65 gives a
    # rank correlation near the real one (0.58): correlated, with wide spread.
    size_correlation: float = 0.65
    # "PCNs containing only two (super-)practices but covering nearly 100,000 people": this many PCNs of
    # 90,000-110,000 patients swap their practice count with a small two-practice PCN (both margins keep).
    super_practice_pcns: int = 2
    # A PCN's patients split among its practices with a symmetric Dirichlet of this concentration, on top
    # of a floor of `min_practice_list` patients a practice (real practices below ~500 are rare).
    practice_concentration: float = 2.5
    min_practice_list: int = 500

    # Practices in no PCN (in registrations and payments, not in ePCN), and member practices whose parent
    # CCG differs from their PCN's (the ePCN's last column is then FALSE; the real file has 30).
    unaffiliated_practices: int = 60
    cross_ccg_practices: int = 30

    # Practice rurality (payments 2019/20: 16% Rural, 1.5% MISSING). Rural practices cluster by CCG.
    rural_share: float = 0.16
    missing_rurality_share: float = 0.015
    # Weighted / registered patients (Carr-Hill formula): log-normal with these P10 and P90 over all
    # practices; rural practices are weighted ~9% higher, as in the real file.
    weighted_ratio_p10: float = 0.90
    weighted_ratio_p90: float = 1.11
    rural_weighting_uplift: float = 0.09

    def __post_init__(self) -> None:
        # The code schemes have room for 9,999 PCNs and practice names of 4 digits.
        if not 1 <= self.n_pcns <= 9_999:
            raise ValueError(f"n_pcns must be 1-9,999, not {self.n_pcns}")
        if not len(REGIONS) <= self.n_ccgs <= min(260, self.n_pcns):
            raise ValueError(f"n_ccgs must be {len(REGIONS)}-260 and at most n_pcns, not {self.n_ccgs}")


def write_sample(out_dir: Path, spec: SyntheticSpec = SyntheticSpec()) -> dict[str, Path]:
    """Write the synthetic sample under `out_dir`; return each dataset's name -> the file written.

    Each file is written atomically. The marker is written last, and an old marker is left in place until
    then, so the folder is never unmarked while it holds synthetic files.
    """
    out_dir = Path(out_dir)
    streams = _streams(spec.seed)
    ccgs = _make_ccgs(spec, streams["ccgs"])
    pcns = _make_pcns(spec, ccgs, streams["pcns"])
    practices = _make_practices(spec, ccgs, pcns, streams["practices"])

    contents = {
        "epcn": _epcn_workbook(pcns, practices),
        "registrations": _registrations_csv(practices),
        "payments": _payments_csv(practices, streams["payments"]),
    }
    written = {name: write_bytes_atomic(out_dir / SAMPLE_PATHS[name], data) for name, data in contents.items()}
    marker = {
        "synthetic": True,
        "seed": spec.seed,
        "generator": GENERATOR,
        "version": GENERATOR_VERSION,
        "spec": asdict(spec),
        "files": {SAMPLE_PATHS[name]: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    }
    write_text_atomic(out_dir / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n")
    return written


def is_synthetic(data_dir: Path) -> bool:
    """True when `data_dir` holds a SYNTHETIC.json marker saying `"synthetic": true`.

    An unreadable marker is an error rather than False: guessing "real" would publish a synthetic report
    without its label.
    """
    path = Path(data_dir) / MARKER
    if not path.is_file():
        return False
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFormatError(
            path, f"not valid JSON ({error}): regenerate the sample, or delete the file if the folder holds real data"
        ) from None
    return isinstance(marker, dict) and marker.get("synthetic") is True


# --- Random draws -----------------------------------------------------------------------------------------


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = ("ccgs", "pcns", "practices", "payments")
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children)}


def _stratified_probabilities(draws: np.ndarray) -> np.ndarray:
    """(rank + 0.5) / n in the order of `draws`: evenly spaced probabilities, paired up by the draws.

    Feeding these to an inverse CDF reproduces its quantiles almost exactly whatever the seed, while the
    draws (correlated normals, for the copula) still decide which unit gets which value.
    """
    ranks = np.argsort(np.argsort(draws, kind="stable"), kind="stable")
    return (ranks + 0.5) / len(draws)


def _inverse_cdf(knots: tuple[tuple[float, float], ...], probabilities: np.ndarray) -> np.ndarray:
    """Monotone cubic (PCHIP, Fritsch-Carlson) interpolation through the (probability, value) knots.

    Piecewise-linear interpolation would also pass through the published quantiles, but gives a histogram
    of flat steps with jumps at each knot; PCHIP keeps the density continuous without overshooting.
    """
    p, x = (np.asarray(column, dtype=float) for column in zip(*knots))
    h = np.diff(p)
    secant = np.diff(x) / h
    slope = np.empty_like(x)
    # Interior knots: the weighted harmonic mean of the neighbouring secants (zero at a flat stretch).
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = (w1 + w2) / (w1 / secant[:-1] + w2 / secant[1:])
    slope[1:-1] = np.where(secant[:-1] * secant[1:] > 0, interior, 0.0)
    slope[0] = _end_slope(h[0], h[1], secant[0], secant[1])
    slope[-1] = _end_slope(h[-1], h[-2], secant[-1], secant[-2])

    i = np.clip(np.searchsorted(p, probabilities, side="right") - 1, 0, len(h) - 1)
    t = (probabilities - p[i]) / h[i]
    return (
        (2 * t**3 - 3 * t**2 + 1) * x[i]
        + (t**3 - 2 * t**2 + t) * h[i] * slope[i]
        + (-2 * t**3 + 3 * t**2) * x[i + 1]
        + (t**3 - t**2) * h[i] * slope[i + 1]
    )


def _end_slope(h0: float, h1: float, s0: float, s1: float) -> float:
    # The three-point end condition, limited so the end segment stays monotone (as scipy's PCHIP does).
    d = ((2 * h0 + h1) * s0 - h0 * s1) / (h0 + h1)
    if np.sign(d) != np.sign(s0):
        return 0.0
    if np.sign(s0) != np.sign(s1) and abs(d) > 3 * abs(s0):
        return 3 * s0
    return d


def _discrete_inverse_cdf(weights: tuple[float, ...], probabilities: np.ndarray) -> np.ndarray:
    """The smallest k (1-based) whose cumulative weight share reaches each probability."""
    cumulative = np.cumsum(weights) / np.sum(weights)
    return np.searchsorted(cumulative, probabilities, side="left") + 1


# --- The synthetic organisations --------------------------------------------------------------------------


def _make_ccgs(spec: SyntheticSpec, rng: np.random.Generator) -> pd.DataFrame:
    """One row a CCG: code, name, ons_code, region_code, region_name, n_pcns, rural_propensity."""
    sizes = _pcns_per_ccg(spec, rng)
    # Fill the regions in turn with CCGs in random order until each has its share of PCNs.
    ends = np.cumsum(sizes) - sizes / 2
    shares = np.cumsum([share for _, _, share in REGIONS])
    region = np.minimum(np.searchsorted(shares / shares[-1] * sizes.sum(), ends), len(REGIONS) - 1)
    # Codes and names run region by region, so a CCG's number says roughly where it is.
    order = np.lexsort((np.arange(len(sizes)), region))
    sizes, region = sizes[order], region[order]

    index = np.arange(len(sizes))
    mean, spread = spec.rural_share, 0.8  # Beta(0.8, ...): most CCGs mainly urban, some mainly rural
    return pd.DataFrame(
        {
            "code": [f"Z{i // 26}{chr(ord('A') + i % 26)}" for i in index],
            "name": [f"NHS SYNTHETIC CCG {i + 1:03d}" for i in index],
            "ons_code": [f"E38{900_001 + i}" for i in index],
            "region_index": region,
            "region_code": [REGIONS[r][0] for r in region],
            "region_name": [f"SYNTHETIC {REGIONS[r][1]} COMMISSIONING REGION" for r in region],
            "n_pcns": sizes,
            "rural_propensity": rng.beta(spread, spread * (1 - mean) / mean, size=len(sizes)),
        }
    )


def _pcns_per_ccg(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    probabilities = (np.arange(spec.n_ccgs) + 0.5) / spec.n_ccgs
    sizes = np.maximum(np.rint(_inverse_cdf(spec.pcns_per_ccg_quantiles, probabilities)), 1).astype(int)
    # Make the sizes add up to n_pcns by moving mid-sized CCGs one PCN at a time: the smallest and largest
    # CCGs are calibration targets themselves. Sizes are sorted, so the middle half is mid-sized.
    middle = np.arange(spec.n_ccgs // 4, max(3 * spec.n_ccgs // 4, spec.n_ccgs // 4 + 1))
    gap = spec.n_pcns - sizes.sum()
    for step in range(abs(gap)):
        j = middle[step % len(middle)]
        if gap > 0 or sizes[j] > 1:
            sizes[j] += np.sign(gap)
    if sizes.sum() != spec.n_pcns:
        raise ValueError(f"cannot spread {spec.n_pcns} PCNs over {spec.n_ccgs} CCGs with these quantiles")
    return rng.permutation(sizes)


def _make_pcns(spec: SyntheticSpec, ccgs: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row a PCN: code, name, ccg (row of `ccgs`), population target, n_practices, open_date."""
    n = spec.n_pcns
    # Gaussian copula: correlated normals decide the pairing; stratified margins give the calibration.
    z_population = rng.standard_normal(n)
    z_practices = spec.size_correlation * z_population + np.sqrt(1 - spec.size_correlation**2) * rng.standard_normal(n)
    population = np.rint(_inverse_cdf(spec.pcn_population_quantiles, _stratified_probabilities(z_population)))
    practices = _discrete_inverse_cdf(spec.practices_per_pcn, _stratified_probabilities(z_practices))
    _add_super_practices(population, practices, spec.super_practice_pcns, rng)

    index = np.arange(n)
    open_date = np.where(rng.random(n) < 0.002, LATE_OPEN, PCN_OPEN)
    return pd.DataFrame(
        {
            "code": [f"U{90_001 + i}" for i in index],
            "name": [f"SYNTHETIC PCN {i + 1:04d}" for i in index],
            # PCNs in code order fill the CCGs in code order; sizes were drawn independently of CCGs.
            "ccg": np.repeat(ccgs.index.to_numpy(), ccgs["n_pcns"].to_numpy()),
            "population": population.astype(int),
            "n_practices": practices,
            "open_date": open_date,
        }
    )


def _add_super_practices(population: np.ndarray, practices: np.ndarray, count: int, rng) -> None:
    # Swapping practice counts between two PCNs keeps both margins (and the total) exactly.
    big = np.flatnonzero((population >= 90_000) & (population <= 110_000) & (practices > 2))
    small = np.flatnonzero((practices == 2) & (population < 50_000))
    count = min(count, len(big), len(small))
    for b, s in zip(rng.choice(big, count, replace=False), rng.choice(small, count, replace=False)):
        practices[b], practices[s] = practices[s], practices[b]


def _make_practices(spec: SyntheticSpec, ccgs: pd.DataFrame, pcns: pd.DataFrame, rng) -> pd.DataFrame:
    """One row a practice, members first (PCN by PCN, largest first), then the unaffiliated ones."""
    members = _member_lists(spec, pcns, rng)
    loners = pd.DataFrame(
        {
            "pcn": -1,
            # Practices outside PCNs are mostly small: a log-normal around 4,000 patients.
            "list_size": np.rint(np.maximum(rng.lognormal(np.log(4_000), 0.6, spec.unaffiliated_practices), 300)),
            "ccg": rng.choice(len(ccgs), spec.unaffiliated_practices),
        }
    )
    practices = pd.concat([members, loners], ignore_index=True)
    practices["list_size"] = practices["list_size"].astype(int)
    practices["pcn_ccg"] = practices["ccg"]
    _move_some_to_neighbouring_ccgs(practices, ccgs, spec.cross_ccg_practices, rng)

    n = len(practices)
    index = np.arange(n)
    region = ccgs["region_index"].to_numpy()[practices["ccg"]]
    practices["code"] = [f"Z{i + 1:05d}" for i in index]
    practices["name"] = [f"SYNTHETIC PRACTICE {i + 1:04d}" for i in index]
    practices["postcode_outward"] = [f"ZZ{r + 1}" for r in region]
    practices["postcode_inward"] = _inward_codes(region)
    practices["rurality"] = _rurality(spec, ccgs["rural_propensity"].to_numpy()[practices["ccg"]], rng)
    practices["weighting"] = _weighting(spec, practices["rurality"].to_numpy(), rng)
    return _label_practices(practices, ccgs, pcns)


def _label_practices(practices: pd.DataFrame, ccgs: pd.DataFrame, pcns: pd.DataFrame) -> pd.DataFrame:
    """Add the codes and names the files print, looked up once for all rows (row lookups are slow)."""
    own, parent = ccgs.take(practices["ccg"]), ccgs.take(practices["pcn_ccg"])
    member = practices["pcn"].to_numpy() >= 0
    pcn = pcns.take(np.where(member, practices["pcn"], 0))
    return practices.assign(
        ccg_code=own["code"].to_numpy(),
        ccg_name=own["name"].to_numpy(),
        ons_code=own["ons_code"].to_numpy(),
        region_code=own["region_code"].to_numpy(),
        region_name=own["region_name"].to_numpy(),
        pcn_code=np.where(member, pcn["code"], None),
        pcn_name=np.where(member, pcn["name"], None),
        pcn_open=pcn["open_date"].to_numpy(),
        pcn_ccg_code=parent["code"].to_numpy(),
        pcn_ccg_name=parent["name"].to_numpy(),
        postcode=practices["postcode_outward"] + " " + practices["postcode_inward"],
    )


def _member_lists(spec: SyntheticSpec, pcns: pd.DataFrame, rng) -> pd.DataFrame:
    """Split each PCN's population among its practices: a floor each, the rest by Dirichlet shares."""
    counts = pcns["n_practices"].to_numpy()
    pcn = np.repeat(np.arange(len(pcns)), counts)
    floor = np.minimum(spec.min_practice_list, pcns["population"].to_numpy() // (2 * counts))[pcn]
    # A Dirichlet vector is independent gammas divided by their sum: one call for all PCNs at once.
    gamma = rng.gamma(spec.practice_concentration, size=len(pcn))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    shares = gamma / np.repeat(np.add.reduceat(gamma, starts), counts)
    spare = np.repeat(pcns["population"].to_numpy(), counts) - np.repeat(np.add.reduceat(floor, starts), counts)
    members = pd.DataFrame({"pcn": pcn, "list_size": np.rint(floor + shares * spare)})
    members["ccg"] = pcns["ccg"].to_numpy()[pcn]
    # Largest first, so a PCN's first practice (its address in ePCN) is its lead practice.
    return members.sort_values(["pcn", "list_size"], ascending=[True, False], kind="stable")


def _move_some_to_neighbouring_ccgs(practices: pd.DataFrame, ccgs: pd.DataFrame, count: int, rng) -> None:
    # A practice's parent CCG can differ from its PCN's (a PCN straddling a CCG border): pick members and
    # give them another CCG of the same region.
    region = ccgs["region_index"].to_numpy()
    candidates = np.flatnonzero(practices["pcn"].to_numpy() >= 0)
    for row in rng.choice(candidates, min(count, len(candidates)), replace=False):
        own = practices.at[row, "ccg"]
        others = np.flatnonzero((region == region[own]) & (np.arange(len(ccgs)) != own))
        if len(others):
            practices.at[row, "ccg"] = rng.choice(others)


def _inward_codes(region: np.ndarray) -> list[str]:
    # Postcodes' inward codes are a digit and two letters (never C, I, K, M, O or V): numbered within each
    # district, so every practice's postcode is distinct. 4,000 a district is plenty.
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    seen: dict[int, int] = {}
    codes = []
    for r in region:
        k = seen.get(r, 0)
        seen[r] = k + 1
        codes.append(f"{k // 400 % 10}{letters[k // 20 % 20]}{letters[k % 20]}")
    return codes


def _rurality(spec: SyntheticSpec, propensity: np.ndarray, rng) -> np.ndarray:
    rural = rng.random(len(propensity)) < propensity
    missing = rng.random(len(propensity)) < spec.missing_rurality_share
    return np.where(missing, "MISSING", np.where(rural, "Rural", "Urban"))


def _weighting(spec: SyntheticSpec, rurality: np.ndarray, rng) -> np.ndarray:
    """Weighted / registered patients: log-normal, shifted up for rural practices.

    The rural shift adds variance, so the noise is narrowed to keep the overall P10 and P90 on target.
    """
    z90 = 1.2815515655446004  # standard normal P90
    low, high = np.log(spec.weighted_ratio_p10), np.log(spec.weighted_ratio_p90)
    total_sd = (high - low) / (2 * z90)
    rural = (rurality == "Rural").astype(float)
    shift = spec.rural_weighting_uplift * (rural - spec.rural_share)
    shift_variance = spec.rural_weighting_uplift**2 * spec.rural_share * (1 - spec.rural_share)
    noise_sd = np.sqrt(max(total_sd**2 - shift_variance, 1e-6))
    return np.exp((low + high) / 2 + shift + noise_sd * rng.standard_normal(len(rurality)))


# --- ePCN workbook ----------------------------------------------------------------------------------------

EPCN_PCN_HEADER = (
    "PCN Code", "PCN Name", "Current Clinical Commissioning Group Code", "Clinical Commissioning Group Name",
    "Open Date (YYYYMMDD)", "Close Date", "Address Line 1", "Address Line 2", "Address Line 3",
    "Address Line 4", "Address Line 5", "Postcode",
)  # fmt: skip
EPCN_MEMBER_HEADER = (
    "Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "Practice Parent CCG Name",
    "PCN Code", "PCN Name", "PCN Parent CCG Code", "PCN Parent CCG Name",
    "Practice to PCN Relationship Start Date", "Practice to PCN Relationship End Date",
    "Practice CCG and PCN CCG match?",
)  # fmt: skip
# Column widths of the December 2019 workbook, so the sample looks the same when opened.
EPCN_PCN_WIDTHS = (8.3, 36.1, 15.1, 58.7, 9.2, 5.6, 29.0, 28.3, 20.3, 13.1, 18.1, 9.2)
EPCN_MEMBER_WIDTHS = (11.7, 43.2, 9.6, 58.7, 8.9, 24.0, 9.6, 58.7, 14.0, 14.0, 12.1)


def _epcn_workbook(pcns: pd.DataFrame, practices: pd.DataFrame) -> bytes:
    # A normal (not write-only) workbook: it stores text as shared strings and records each sheet's
    # dimension, as Excel does; write-only mode would inline every string. Both take about a second.
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _write_sheet(workbook, "PCN Details", EPCN_PCN_HEADER, EPCN_PCN_WIDTHS, _pcn_rows(pcns, practices))
    _write_sheet(workbook, "PCN Core Partner Details", EPCN_MEMBER_HEADER, EPCN_MEMBER_WIDTHS, _member_rows(practices))
    fixed = dt.datetime.combine(EXTRACT_DAY, dt.time())
    workbook.properties.creator = GENERATOR
    workbook.properties.title = "SYNTHETIC ePCN sample: not real data"
    workbook.properties.created = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible_zip(buffer.getvalue(), fixed)


def _write_sheet(workbook, title: str, header: tuple[str, ...], widths, rows) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _pcn_rows(pcns: pd.DataFrame, practices: pd.DataFrame):
    # A PCN's address is its lead (largest) practice's, as in the real file; blank lines stay empty cells.
    lead = practices[practices["pcn"] >= 0].drop_duplicates("pcn").set_index("pcn").loc[pcns.index]
    for i, (code, name, ccg_code, ccg_name, opened, ccg, lead_name, postcode) in enumerate(
        zip(pcns["code"], pcns["name"], lead["pcn_ccg_code"], lead["pcn_ccg_name"], pcns["open_date"],
            pcns["ccg"], lead["name"], lead["postcode"])
    ):  # fmt: skip
        street, town = f"{i % 97 + 1} SYNTHETIC ROAD", f"SYNTHETIC TOWN {ccg + 1:03d}"
        yield (code, name, ccg_code, ccg_name, int(opened), None, lead_name, street, None, town, None, postcode)


def _member_rows(practices: pd.DataFrame):
    # Sorted by practice code, like the real sheet. The two formulas are written without a cached value,
    # as any program other than Excel saves them: readers must not rely on them.
    members = practices[practices["pcn"] >= 0].sort_values("code")
    columns = ["code", "name", "ccg_code", "ccg_name", "pcn_code", "pcn_ccg_code", "pcn_ccg_name", "pcn_open"]
    for k, (code, name, ccg_code, ccg_name, pcn_code, pcn_ccg_code, pcn_ccg_name, opened) in enumerate(
        zip(*(members[c].tolist() for c in columns)), start=2
    ):
        # One membership in 1,000 started late (a practice that joined after its PCN opened).
        start = LATE_OPEN if k % 1_000 == 500 else int(opened)
        yield (
            code, name, ccg_code, ccg_name, pcn_code, f"=VLOOKUP(E{k},'PCN Details'!A:B,2,FALSE)",
            pcn_ccg_code, pcn_ccg_name, start, None, f"=G{k}=C{k}",
        )  # fmt: skip


def _reproducible_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an xlsx so that its bytes depend on its contents only.

    openpyxl stamps the save time into docProps/core.xml (`dcterms:modified`) and every zip entry; the
    entries are also re-ordered by name so nothing depends on the writer's internal iteration order
    ([Content_Types].xml still sorts first, where Excel expects it).
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in sorted(source.namelist()):
            content = source.read(name)
            if name == "docProps/core.xml":
                modified = rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)"
                content = re.sub(modified, rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            # ZipInfo records the host OS (0 on Windows, 3 elsewhere) and permissions: fix both.
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=6)
    return out.getvalue()


# --- Registrations ----------------------------------------------------------------------------------------

REGISTRATIONS_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE",
    "NUMBER_OF_PATIENTS",
)  # fmt: skip


def _registrations_csv(practices: pd.DataFrame) -> bytes:
    extract = EXTRACT_DAY.strftime("%d%b%Y").upper()  # 01JAN2020
    table = practices.sort_values(["ccg_code", "code"])  # the publisher's order
    rows = (
        ("GP_PRAC_PAT_LIST", extract, "GP", ccg, ons, code, postcode, "ALL", "ALL", patients)
        for ccg, ons, code, postcode, patients in zip(
            *(table[c].tolist() for c in ("ccg_code", "ons_code", "code", "postcode", "list_size"))
        )
    )
    return _csv_bytes(REGISTRATIONS_HEADER, rows)


def _csv_bytes(header, rows) -> bytes:
    # The publishers' CSVs end lines with CRLF and quote only fields that need it.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


# --- Payments ---------------------------------------------------------------------------------------------

# The 2019/20 file's header, names and order exactly (note the trailing space in "Appraisal Costs ").
PAYMENTS_HEADER = (
    "NHS England (Region) code", "NHS England (Region) Name", "CCG Code", "CCG NAME", "PCN Code", "PCN Name",
    "Practice Code", "Practice Name", "Practice Address", "Practice Postcode", "Practice Open Date",
    "Practice Close Date", "Contract Type", "Dispensing Practice", "Practice Type", "Practice Rurality",
    "Atypical Characteristics", "Number of Registered Patients (Last Known Figure)",
    "Number of Weighted Patients (Last Known Figure)", "Average payments per registered patient",
    "Average payments per weighted patient", "Global Sum", "MPIG Correction factor",
    "Balance of PMS Expenditure", "Total QOF Payments", "Childhood Vaccination and Immunisation Scheme",
    "GP Extended Hours Access", "Influenza and Pneumococcal Immunisations", "Learning Disabilities",
    "Meningitis", "Minor Surgery", "Out Of Area in Hours Urgent Care", "Pertussis",
    "Rotavirus and Shingles Immunisation", "Services for Violent Patients", "Total Local Incentive Schemes",
    "Premises Payments", "Seniority", "Doctors Retainer Scheme Payments", "Total Locum Allowances",
    "Appraisal Costs ", "Prolonged Study Leave", "PCO Admin Other", "Information Management and Technology",
    "Non DES Item Pneumococcal Vaccine, Childhood Immunisation Main Programme",
    "General Practice Forward View", "PCN Participation", "Prescribing Fee Payments",
    "Dispensing Fee Payments", "Reimbursement of Drugs", "Other Payments",
    "Total NHS Payments to General Practice",
    "Deductions for Pensions, Levies and Prescription Charge Income",
    "Total NHS Payments to General Practice Minus Deductions",
)  # fmt: skip

# Payment lines: (median £ a registered patient when paid, log-scale spread, share of practices paid),
# rounded from the 2019/20 file. The contract-specific lines (Global Sum, MPIG, PMS) and dispensing fees
# are handled in `_payment_lines`. Every line sums into the total, as in the real file.
PAYMENT_RATES = {
    "Total QOF Payments": (12.2, 0.34, 0.99),
    "Childhood Vaccination and Immunisation Scheme": (1.43, 0.9, 0.99),
    "GP Extended Hours Access": (0.49, 1.0, 0.69),
    "Influenza and Pneumococcal Immunisations": (1.79, 0.8, 0.99),
    "Learning Disabilities": (0.34, 0.9, 0.88),
    "Meningitis": (0.31, 0.44, 0.99),
    "Minor Surgery": (0.91, 1.1, 0.76),
    "Out Of Area in Hours Urgent Care": (0.17, 1.7, 0.02),
    "Pertussis": (0.052, 0.86, 0.97),
    "Rotavirus and Shingles Immunisation": (0.19, 0.46, 0.99),
    "Services for Violent Patients": (1.5, 1.5, 0.02),
    "Total Local Incentive Schemes": (6.8, 1.2, 0.99),
    "Premises Payments": (11.2, 0.7, 0.97),
    "Seniority": (0.71, 0.74, 0.84),
    "Doctors Retainer Scheme Payments": (1.2, 0.9, 0.11),
    "Total Locum Allowances": (2.1, 1.2, 0.34),
    "Appraisal Costs ": (0.52, 0.96, 0.07),
    "Prolonged Study Leave": (0.0, 0.0, 0.0),
    "PCO Admin Other": (0.68, 0.82, 0.86),
    "Information Management and Technology": (0.14, 1.2, 0.05),
    "Non DES Item Pneumococcal Vaccine, Childhood Immunisation Main Programme": (0.14, 0.95, 0.98),
    "General Practice Forward View": (0.9, 1.5, 0.30),
    "PCN Participation": (1.72, 0.17, 0.92),
    "Prescribing Fee Payments": (0.63, 0.79, 0.82),
    "Reimbursement of Drugs": (3.98, 1.16, 0.99),
    "Other Payments": (3.5, 1.2, 0.86),
}
NO_PCN = "Unknown or no PCN"  # the payments file's PCN code and name for a practice in no PCN
GLOBAL_SUM_PER_WEIGHTED_PATIENT = 89.88  # 2019/20 GMS global sum payment per weighted patient
PMS_PER_WEIGHTED_PATIENT = 88.0


def _payments_csv(practices: pd.DataFrame, rng) -> bytes:
    n = len(practices)
    contract = rng.choice(["GMS", "PMS", "APMS"], size=n, p=[0.71, 0.26, 0.03])
    rural = practices["rurality"].to_numpy() == "Rural"
    dispensing = rng.random(n) < np.where(rural, 0.65, 0.02)
    # "Last known" registered patients average the quarterly counts, so they end in .25, .5 or .75.
    registered = np.round(practices["list_size"].to_numpy() * rng.lognormal(0.005, 0.01, n) * 4) / 4
    weighted = np.round(registered * practices["weighting"].to_numpy(), 2)
    lines = _payment_lines(registered, weighted, contract, dispensing, rng)
    total = np.round(lines.sum(axis=1), 2)
    deductions = -np.round(total * np.clip(rng.normal(0.073, 0.03, n), 0.01, 0.2), 2)
    opened = pd.Timestamp("1974-04-01") + pd.to_timedelta(rng.integers(0, 15_600, n), unit="D")

    text = pd.DataFrame(
        {
            "region_code": practices["region_code"],
            "region_name": practices["region_name"],
            "ccg_code": practices["ccg_code"],
            "ccg_name": practices["ccg_name"],
            "pcn_code": practices["pcn_code"].fillna(NO_PCN),
            "pcn_name": practices["pcn_name"].fillna(NO_PCN),
            "code": practices["code"],
            "name": practices["name"],
            # Address lines joined by spaces; the empty last ones leave trailing spaces, as in the real file.
            "address": [
                f"{i % 97 + 1} SYNTHETIC ROAD SYNTHETIC TOWN {ccg + 1:03d}  " for i, ccg in enumerate(practices["ccg"])
            ],
            # This file pads the outward code to four characters: "N3   2JP", "SK11 6JL".
            "postcode": practices["postcode_outward"].str.ljust(4) + " " + practices["postcode_inward"],
            "opened": opened.strftime("%d/%m/%Y"),
            "closed": "",
            "contract": contract,
            "dispensing": np.where(dispensing, "Yes", "No"),
            "type": "GP practice",
            "rurality": practices["rurality"],
            "atypical": "",
        }
    )
    numbers = np.column_stack(
        [registered, weighted, total / registered, total / weighted, lines, total, deductions, total + deductions]
    )
    rows = [
        (*labels, *map(_number, figures))
        for labels, figures in zip(text.itertuples(index=False, name=None), numbers.tolist())
    ]
    rows.sort(key=lambda row: row[6])  # by practice code, like the real file
    return _csv_bytes(PAYMENTS_HEADER, rows)


def _payment_lines(registered, weighted, contract, dispensing, rng) -> np.ndarray:
    """Amounts for the header's payment lines, Global Sum to Other Payments, one row a practice."""
    first, last = PAYMENTS_HEADER.index("Global Sum"), PAYMENTS_HEADER.index("Other Payments")
    names = PAYMENTS_HEADER[first : last + 1]
    n = len(registered)
    lines = np.zeros((n, len(names)))

    def noise(sd: float) -> np.ndarray:
        return rng.lognormal(0.0, sd, n)

    core = np.where(contract == "PMS", 0.0, GLOBAL_SUM_PER_WEIGHTED_PATIENT * weighted * noise(0.05))
    lines[:, names.index("Global Sum")] = core
    lines[:, names.index("Balance of PMS Expenditure")] = np.where(
        contract == "PMS", PMS_PER_WEIGHTED_PATIENT * weighted * noise(0.15), 0.0
    )
    lines[:, names.index("MPIG Correction factor")] = np.where(
        (contract == "GMS") & (rng.random(n) < 0.5), 0.67 * registered * noise(1.0), 0.0
    )
    lines[:, names.index("Dispensing Fee Payments")] = np.where(dispensing, 16.8 * registered * noise(0.8), 0.0)
    for name, (rate, spread, share) in PAYMENT_RATES.items():
        paid = rng.random(n) < share
        lines[:, names.index(name)] = np.where(paid, rate * registered * noise(spread), 0.0)
    return np.round(lines, 2)


def _number(value: float) -> str:
    """The payments file's number style: up to two decimals, no trailing zeros (1120, 3470.7, 5018.28)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
