"""The synthetic organisations: CCGs, PCNs and practices, with their sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pcnreport.data.synth.draws import _discrete_inverse_cdf, _inverse_cdf, _stratified_probabilities
from pcnreport.data.synth.spec import LATE_OPEN, PCN_OPEN, REGIONS, SyntheticSpec
from pcnreport.data.synth.traits import practice_traits

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

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


def _make_practices(spec: SyntheticSpec, ccgs: pd.DataFrame, pcns: pd.DataFrame, traits: pd.DataFrame, rng) -> pd.DataFrame:
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
    own = practice_traits(traits, practices["pcn"].to_numpy(), practices["ccg"].to_numpy(), pcns["ccg"].to_numpy())
    for column in own.columns:
        practices[f"trait_{column}"] = own[column].to_numpy()
    # A practice is Rural with its PCN's rural share as probability: rural practices sit in rural PCNs.
    practices["rurality"] = _rurality(spec, own["rural"].to_numpy(), rng)
    practices["weighting"] = _weighting(spec, practices["rurality"].to_numpy(), own["workload"].to_numpy(), rng)
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


def _weighting(spec: SyntheticSpec, rurality: np.ndarray, workload: np.ndarray, rng) -> np.ndarray:
    """Weighted / registered patients: the PCN's workload index, shifted up for rural practices, with a
    little practice-level noise.

    The PCN level carries most of the variance: Table 6.1's spread (P10 0.90, P90 1.11) is across PCNs,
    and a PCN's index averages its practices', so practice-level noise would shrink towards the mean.
    """
    rural = (rurality == "Rural").astype(float)
    shift = spec.rural_weighting_uplift * (rural - rural.mean())
    return workload * np.exp(shift + spec.practice_weighting_sd * rng.standard_normal(len(rurality)))


def label_commissioners(ccgs: pd.DataFrame, vintage: Vintage) -> pd.DataFrame:
    """The CCGs' codes and names as the vintage's files print them.

    From April 2021 a few carry the five-character codes ODS gave merged CCGs (letter, digit, letter,
    digit, letter, like X2C4Y; a synthetic one starts with Z, as its three-character code did). From July
    2022 the commissioners are sub-ICB locations in 42 ICBs (`sub_icb_locations`): the rows keep one CCG
    each (the people and places do not move), but merged CCGs share their sub-ICB location's code, ONS code
    and name ("NHS ... ICB - Z1A0X", as NHS England names them), and the column `icb` numbers the ICBs. The
    2019 sample is returned unchanged.
    """
    if vintage.five_character_ccgs == 0 and vintage.commissioner == "ccg":
        return ccgs
    if vintage.commissioner == "sub-icb":
        return sub_icb_locations(ccgs, vintage.five_character_ccgs)
    codes = ccgs["code"].to_numpy(dtype=object).copy()
    # Spread over the list (so over regions), e.g. 9 of 135: rows 7, 22, ... 127.
    step = max(1, len(ccgs) // max(1, vintage.five_character_ccgs))
    for k, row in enumerate(range(step // 2, len(ccgs), step)[: vintage.five_character_ccgs]):
        codes[row] = _five_characters(codes[row], k)
    return ccgs.assign(code=codes)


def _five_characters(code: str, k: int) -> str:
    return f"{code}{k % 10}{'XYW'[k % 3]}"


ICBS = 42  # Integrated Care Boards from July 2022


def icb_index(ccgs: pd.DataFrame, n_icbs: int = ICBS) -> np.ndarray:
    """CCGs grouped into `n_icbs` ICBs: each region gets ICBs in proportion to its CCGs (largest remainder,
    at least one), each ICB a run of consecutive CCGs of one region. Consecutive CCGs hold consecutive
    stretches of the sample's map (`geography`), so every ICB is one contiguous area."""
    region = ccgs["region_index"].to_numpy()
    regions, per_region = np.unique(region, return_counts=True)
    n_icbs = min(n_icbs, len(ccgs))
    quota = per_region * n_icbs / per_region.sum()
    counts = np.clip(np.floor(quota).astype(int), 1, per_region)
    for r in np.argsort(-(quota - np.floor(quota)), kind="stable"):
        if counts.sum() >= n_icbs:
            break
        if counts[r] < per_region[r]:
            counts[r] += 1
    # Trimmed if the floor of one made too many (only with very few CCGs a region).
    while counts.sum() > n_icbs and (counts > 1).any():
        counts[np.argmax(counts)] -= 1
    offsets = dict(zip(regions, np.concatenate([[0], np.cumsum(counts)[:-1]])))
    within = pd.Series(region).groupby(region).cumcount().to_numpy()
    size = dict(zip(regions, per_region))
    n = dict(zip(regions, counts))
    return np.array([offsets[r] + w * n[r] // size[r] for r, w in zip(region, within)])


def sub_icb_locations(ccgs: pd.DataFrame, merged_groups: int) -> pd.DataFrame:
    """The CCGs as the sub-ICB locations of July 2022, with their ICB (column `icb`).

    England's 135 CCGs of April 2020 became 106 by April 2021, nine of the new CCGs (five-character codes)
    each covering its whole ICS, and the 106 became the sub-ICB locations. So here the `merged_groups`
    ICBs with the most CCGs each become one sub-ICB location, with a five-character code, a new ONS code
    and its ICB's name; 135 synthetic CCGs give about 106 sub-ICB locations (108 when the nine ICBs
    merged have four CCGs each). The rows stay CCGs, so every file's CCG-level detail (and the CCG
    boundaries of April 2020) still fits; only the labels are shared.
    """
    icb = icb_index(ccgs)
    sizes = np.bincount(icb)
    # The largest ICBs first, by number then by position; an ICB of one CCG has nothing to merge.
    merged = [i for i in np.lexsort((np.arange(len(sizes)), -sizes)) if sizes[i] > 1][:merged_groups]
    codes = ccgs["code"].to_numpy(dtype=object).copy()
    ons = ccgs["ons_code"].to_numpy(dtype=object).copy()
    for k, group in enumerate(sorted(merged)):
        rows = np.flatnonzero(icb == group)
        codes[rows] = _five_characters(codes[rows[0]], k)
        ons[rows] = f"E38{950_001 + k}"  # beyond the synthetic CCGs' E38900001...: the new organisation's
    names = [f"NHS SYNTHETIC ICB {i + 1:02d} - {code}" for i, code in zip(icb, codes)]
    return ccgs.assign(code=codes, name=names, ons_code=ons, icb=icb)
