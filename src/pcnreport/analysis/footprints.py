"""Chapter 6, section 6.3 and Figure 6.4, the computation: how many PCNs serve the people of each MSOA.

A PCN has no boundary: its footprint is wherever its practices' patients live. Patients registered
at a GP practice by LSOA of residence, summed to MSOAs (Middle Super Output Areas, England, E02), give
each MSOA's registered residents by the PCN of their practice. Definitions, all applied here:

- *Registered residents* of an MSOA: patients living in its LSOAs, registered at any practice in
  England, whether or not the practice is a PCN core partner. A practice in no PCN adds to the
  MSOA's residents (the denominator of every share) but to no PCN. Patients whose LSOA is not an
  English 2011 LSOA of the lookup (Welsh LSOAs, the publisher's `NO2011` for an unknown address)
  belong to no MSOA and are counted in `patients_outside_msoas`.
- *PCNs serving an MSOA*, counted two ways, as the report does: `pcns_any`, every PCN with at least
  one registered resident; `pcns_1pct`, only PCNs with at least `threshold` (1% by default) of the
  MSOA's registered residents. "At least" includes the boundary: a PCN with exactly 1% counts (the
  report excludes "PCNs that cover less than 1%"). The column keeps the report's name whatever
  the threshold; the threshold used is stored with the results.
- *MSOAs counted*: those with at least one registered resident (every English MSOA in a national
  file; in a regional cut, see `complete_msoas`).
- *Rural MSOA*: one where more than half of its registered residents (of those whose LSOA has a
  2011 Rural-Urban Classification) live in rural LSOAs (codes D1 to E2). Half exactly is urban. ONS
  classifies LSOAs, not MSOAs, in the data this project reads; weighting each LSOA by its registered
  residents classifies the MSOA by where its people live, which is what a count of the PCNs
  serving those people needs, and uses only the tables already in hand. LSOAs are of similar size,
  so a majority of LSOAs would nearly always agree.
- Mean and standard deviation across MSOAs; the SD is the sample SD (n - 1).

The chart, the tables and the numbers as the chapter prints them are in `report.sections.footprints`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 0.01


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation of a count across n MSOAs."""

    n: int
    mean: float
    sd: float


def spread(values: pd.Series) -> Spread:
    array = np.asarray(pd.Series(values).dropna(), dtype=float)
    if array.size == 0:
        return Spread(0, float("nan"), float("nan"))
    sd = float(array.std(ddof=1)) if array.size > 1 else float("nan")
    return Spread(int(array.size), float(array.mean()), sd)


@dataclass(frozen=True)
class FootprintResults:
    msoas: pd.DataFrame      # one row an MSOA (see `msoa_footprints`), plus rural_share and rural
    residents: pd.DataFrame  # one row an MSOA and PCN: msoa_code, pcn_code, residents, share
    threshold: float
    pcns_any: Spread
    pcns_1pct: Spread
    by_area: dict[str, dict[str, Spread]]  # "urban"/"rural" -> {"pcns_any": ..., "pcns_1pct": ...}
    patients_outside_msoas: int           # registered patients living in no English MSOA of the lookup
    patients_not_in_pcn: int              # patients, in the MSOAs counted, of practices in no PCN


def residents_by_msoa_and_pcn(
    registrations: pd.DataFrame, members: pd.DataFrame, lsoa_msoa: pd.DataFrame
) -> pd.DataFrame:
    """Registered residents of each MSOA by PCN: msoa_code, pcn_code, residents.

    `registrations` has practice_code, lsoa_code, patients; `members` practice_code, pcn_code (one
    row a practice); `lsoa_msoa` lsoa_code, msoa_code. Patients of a practice in no PCN get
    pcn_code <NA> (kept, so that they count in the MSOA's total); patients whose LSOA is not in
    `lsoa_msoa` are dropped (see `patients_outside_msoas`). Rows with no residents are left out.
    """
    msoa = registrations["lsoa_code"].map(lsoa_msoa.set_index("lsoa_code")["msoa_code"])
    pcn = registrations["practice_code"].map(members.set_index("practice_code")["pcn_code"])
    table = pd.DataFrame(
        {"msoa_code": msoa, "pcn_code": pcn.astype("string"), "residents": registrations["patients"].astype("int64")}
    )
    table = table[table["msoa_code"].notna()]
    grouped = table.groupby(["msoa_code", "pcn_code"], dropna=False, sort=True)["residents"].sum().reset_index()
    return grouped[grouped["residents"] > 0].reset_index(drop=True)


def patients_outside_msoas(registrations: pd.DataFrame, lsoa_msoa: pd.DataFrame) -> int:
    """Registered patients whose LSOA the lookup does not place in an MSOA (Wales, unknown)."""
    return int(registrations.loc[~registrations["lsoa_code"].isin(lsoa_msoa["lsoa_code"]), "patients"].sum())


def with_shares(residents: pd.DataFrame) -> pd.DataFrame:
    """`residents_by_msoa_and_pcn` plus `share`: the row's residents over all the MSOA's residents."""
    totals = residents.groupby("msoa_code")["residents"].transform("sum")
    return residents.assign(share=residents["residents"] / totals)


def msoa_footprints(residents: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """One row an MSOA: msoa_code, residents, residents_not_in_pcn, pcns_any, pcns_1pct, pcn_shares.

    `residents` is `residents_by_msoa_and_pcn`'s table. A PCN counts in `pcns_1pct` when its share
    of the MSOA's residents is at least `threshold`. The share is one correctly rounded division,
    so a share exactly equal to a threshold written as a decimal (1 of 100 against 0.01) compares
    equal. `pcn_shares` lists the PCNs, largest share first, with their residents and share:
    "U12345 4630 (52.3%); U23456 2665 (30.1%)".
    """
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold is a share of residents, between 0 and 1 (got {threshold})")
    shared = with_shares(residents)
    in_pcn = shared[shared["pcn_code"].notna()]
    totals = shared.groupby("msoa_code")["residents"].sum()
    msoas = pd.DataFrame(
        {
            "residents": totals,
            "residents_not_in_pcn": shared[shared["pcn_code"].isna()].groupby("msoa_code")["residents"].sum(),
            "pcns_any": in_pcn.groupby("msoa_code").size(),
            "pcns_1pct": in_pcn[in_pcn["share"] >= threshold].groupby("msoa_code").size(),
            "pcn_shares": _share_lists(in_pcn),
        },
        index=totals.index,
    )
    counts = ["residents_not_in_pcn", "pcns_any", "pcns_1pct"]
    msoas[counts] = msoas[counts].fillna(0).astype("int64")
    msoas["pcn_shares"] = msoas["pcn_shares"].fillna("").astype("string")
    return msoas.rename_axis("msoa_code").reset_index()


def _share_lists(in_pcn: pd.DataFrame) -> pd.Series:
    ordered = in_pcn.sort_values(["msoa_code", "share", "pcn_code"], ascending=[True, False, True])
    lists: dict[str, list[str]] = {}
    # Plain Python lists first: iterating pandas' string arrays element by element costs ~3 s nationally.
    columns = [ordered[name].tolist() for name in ("msoa_code", "pcn_code", "residents", "share")]
    for msoa, pcn, residents, share in zip(*columns):
        lists.setdefault(msoa, []).append(f"{pcn} {residents} ({100 * share:.1f}%)")
    return pd.Series({msoa: "; ".join(items) for msoa, items in lists.items()}, dtype="object")


def msoa_rurality(registrations: pd.DataFrame, lsoa_msoa: pd.DataFrame, ruc: pd.DataFrame) -> pd.DataFrame:
    """One row an MSOA: msoa_code, rural_share (of residents in classified LSOAs), rural.

    `ruc` has lsoa_code and rural (bool). `rural` is True when rural_share > 0.5, False when at most
    0.5, and <NA> when none of the MSOA's registered residents live in a classified LSOA.
    """
    lsoas = registrations.groupby("lsoa_code", as_index=False)["patients"].sum()
    lsoas["msoa_code"] = lsoas["lsoa_code"].map(lsoa_msoa.set_index("lsoa_code")["msoa_code"])
    lsoas["rural"] = lsoas["lsoa_code"].map(ruc.set_index("lsoa_code")["rural"])
    lsoas = lsoas[lsoas["msoa_code"].notna()]
    classified = lsoas[lsoas["rural"].notna()]
    rural_residents = classified["patients"].where(classified["rural"].astype(bool), 0)
    sums = pd.DataFrame({"msoa_code": classified["msoa_code"], "all": classified["patients"], "rural": rural_residents})
    sums = sums.groupby("msoa_code")[["all", "rural"]].sum()
    share = (sums["rural"] / sums["all"].where(sums["all"] > 0)).reindex(sorted(lsoas["msoa_code"].unique()))
    result = pd.DataFrame({"rural_share": share.astype(float)})
    result["rural"] = pd.array([pd.NA if math.isnan(s) else bool(s > 0.5) for s in result["rural_share"]], dtype="boolean")
    return result.rename_axis("msoa_code").reset_index()


def complete_msoas(lsoa_msoa: pd.DataFrame, lsoas_covered: pd.Series | set) -> set[str]:
    """MSOAs every LSOA of which (in the lookup) is in `lsoas_covered`.

    For a regional cut of the registrations that holds every row of the region's LSOAs, pass the
    region's LSOAs: only MSOAs wholly inside it have all their registered residents in the cut, and
    MSOAs at the edge would be undercounted. Do not pass the LSOAs merely present in the cut: the
    region's practices have a patient or two in every LSOA of some neighbouring MSOAs, whose other
    residents the cut lacks (12 such MSOAs around Pennine Lancashire).
    """
    covered = set(lsoas_covered)
    inside = lsoa_msoa.assign(covered=lsoa_msoa["lsoa_code"].isin(covered)).groupby("msoa_code")["covered"].all()
    return set(inside[inside].index)


def footprint_results(
    registrations: pd.DataFrame,
    members: pd.DataFrame,
    lsoa_msoa: pd.DataFrame,
    ruc: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    msoas: set[str] | None = None,
) -> FootprintResults:
    """Figure 6.4's data and statistics; `msoas`, when given, restricts the analysis to those MSOAs."""
    residents = residents_by_msoa_and_pcn(registrations, members, lsoa_msoa)
    if msoas is not None:
        residents = residents[residents["msoa_code"].isin(msoas)].reset_index(drop=True)
    table = msoa_footprints(residents, threshold).merge(
        msoa_rurality(registrations, lsoa_msoa, ruc), on="msoa_code", how="left"
    )
    table["rural"] = table["rural"].astype("boolean")
    by_area = {}
    for area, mask in (("urban", table["rural"] == False), ("rural", table["rural"] == True)):  # noqa: E712
        rows = table[mask.fillna(False).astype(bool)]
        by_area[area] = {"pcns_any": spread(rows["pcns_any"]), "pcns_1pct": spread(rows["pcns_1pct"])}
    return FootprintResults(
        msoas=table,
        residents=with_shares(residents),
        threshold=threshold,
        pcns_any=spread(table["pcns_any"]),
        pcns_1pct=spread(table["pcns_1pct"]),
        by_area=by_area,
        patients_outside_msoas=patients_outside_msoas(registrations, lsoa_msoa),
        patients_not_in_pcn=int(table["residents_not_in_pcn"].sum()),
    )


# --- Raw numbers ------------------------------------------------------------------------------------


def _spread_dict(s: Spread) -> dict:
    return {"n": s.n, "mean": _json_float(s.mean), "sd": _json_float(s.sd)}


def _json_float(value: float):
    return None if value is None or math.isnan(value) else value


def raw_numbers(results: FootprintResults) -> dict:
    """Every statistic unformatted, for tests and for comparing builds."""
    table = results.msoas
    return {
        "msoas": len(table),
        "threshold": results.threshold,
        "residents": int(table["residents"].sum()),
        "mean_residents": _json_float(float(table["residents"].mean())) if len(table) else None,
        "patients_outside_msoas": results.patients_outside_msoas,
        "patients_not_in_pcn": results.patients_not_in_pcn,
        "pcns_any": _spread_dict(results.pcns_any),
        "pcns_1pct": _spread_dict(results.pcns_1pct),
        "urban": {k: _spread_dict(v) for k, v in results.by_area["urban"].items()},
        "rural": {k: _spread_dict(v) for k, v in results.by_area["rural"].items()},
        "unclassified_msoas": int(table["rural"].isna().sum()),
    }
