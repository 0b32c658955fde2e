"""Figure 4.2: which network serves the people of each small area of one CCG, and how exclusively.

A network has no boundary of its own, so "its area" is read from where its patients live (the
registered residents of `footprints`): each MSOA is drawn in the colour of its *dominant* PCN, the one
with the largest share of the MSOA's registered residents, shaded by that share, and labelled with the
number of PCNs holding at least 1% of its residents. Definitions:

- *The CCG's MSOAs*: those with at least half their area inside the CCG's boundary (MSOAs were not
  drawn to nest in CCGs; at the edge an MSOA may straddle two). Every PCN competes for dominance, the
  CCG's own and its neighbours', so a neighbouring network reaching into the CCG shows as such.
- *Dominant PCN*: largest share among PCNs; residents of practices in no PCN count in the MSOA's total
  (the denominator) but can never dominate. Equal shares go to the lower PCN code, so the result does
  not depend on row order.
- Shares, counts and the threshold are those of `footprints.msoa_footprints`.
"""

from __future__ import annotations

import pandas as pd
import shapely

from pcnreport.analysis import footprints
from pcnreport.core.errors import PcnReportError

# At least this share of an MSOA's area inside the CCG's boundary makes it one of the CCG's MSOAs.
MIN_AREA_INSIDE = 0.5
# The default map is of a CCG of at most this many MSOAs: one map a page can read, with a legend entry
# a PCN. East Lancashire, a CCG of the kind the report mapped, has 48.
DEFAULT_MAX_MSOAS = 60


def dominant_pcns(residents: pd.DataFrame) -> pd.DataFrame:
    """One row an MSOA with residents in some PCN: msoa_code, dominant_pcn, dominant_residents, dominant_share.

    `residents` is `footprints.residents_by_msoa_and_pcn`'s table (msoa_code, pcn_code <NA> for
    practices in no PCN, residents).
    """
    shared = footprints.with_shares(residents)
    in_pcn = shared[shared["pcn_code"].notna()]
    ordered = in_pcn.sort_values(["msoa_code", "share", "pcn_code"], ascending=[True, False, True])
    top = ordered.drop_duplicates("msoa_code", keep="first")
    return pd.DataFrame(
        {
            "msoa_code": top["msoa_code"].to_numpy(),
            "dominant_pcn": top["pcn_code"].astype("string").to_numpy(),
            "dominant_residents": top["residents"].astype("int64").to_numpy(),
            "dominant_share": top["share"].astype(float).to_numpy(),
        }
    )


def msoas_inside(msoa_boundaries: pd.DataFrame, area, min_inside: float = MIN_AREA_INSIDE) -> list[str]:
    """Codes of the MSOAs with at least `min_inside` of their area inside `area` (a shapely geometry).

    Areas are compared in longitude/latitude degrees: over a CCG the distortion is the same for the MSOA
    and its part inside, so the ratio stands.
    """
    geometries = msoa_boundaries["geometry"].to_numpy()
    candidates = shapely.intersects(geometries, area)
    inside = shapely.area(shapely.intersection(geometries[candidates], area)) / shapely.area(geometries[candidates])
    codes = msoa_boundaries["code"].to_numpy()[candidates]
    return sorted(code for code, share in zip(codes, inside) if share >= min_inside)


def msoas_by_ccg(msoa_boundaries: pd.DataFrame, ccg_boundaries: pd.DataFrame,
                 min_inside: float = MIN_AREA_INSIDE) -> dict[str, list[str]]:
    """`msoas_inside` for every CCG of `ccg_boundaries` at once (ONS code -> MSOA codes): a spatial
    index picks each CCG's candidates by bounding box, so the exact test runs on tens of MSOAs, not all
    6,791, for each of 135 CCGs (what the area profiles need, once per kernel)."""
    tree = shapely.STRtree(msoa_boundaries["geometry"].to_numpy())
    return {
        code: msoas_inside(msoa_boundaries.iloc[tree.query(area)], area, min_inside)
        for code, area in zip(ccg_boundaries["code"], ccg_boundaries["geometry"])
    }


def ccg_area(ccg_boundaries: pd.DataFrame, ccg_code: str):
    """The CCG's boundary geometry and name; a clear error when the code is not in the boundaries."""
    rows = ccg_boundaries[ccg_boundaries["code"] == ccg_code]
    if rows.empty:
        known = ", ".join(ccg_boundaries["code"].head(5))
        raise PcnReportError(
            f"CCG '{ccg_code}' is not in the CCG boundaries (expected an ONS code E38... such as {known}, ...)"
        )
    return rows["geometry"].iloc[0], rows["name"].iloc[0]


def ccg_service_areas(
    residents: pd.DataFrame,
    msoa_boundaries: pd.DataFrame,
    ccg_boundaries: pd.DataFrame,
    ccg_code: str,
    threshold: float = footprints.DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """One row each of the CCG's MSOAs (see the module): msoa_code, msoa_name, residents, dominant_pcn,
    dominant_residents, dominant_share, pcns_any, pcns_1pct, pcn_shares (PCNs at or over `threshold`).

    `residents` is `footprints.residents_by_msoa_and_pcn`'s table. An MSOA of the CCG with no registered
    residents in the data keeps its row with zero counts and no dominant PCN (a regional extract may
    lack it), so the map shows it as a gap rather than hiding it.
    """
    area, _ = ccg_area(ccg_boundaries, ccg_code)
    return service_areas_of(residents, msoa_boundaries, msoas_inside(msoa_boundaries, area), threshold)


def service_areas_of(
    residents: pd.DataFrame, msoa_boundaries: pd.DataFrame, codes: list[str],
    threshold: float = footprints.DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """`ccg_service_areas`'s table for MSOAs already chosen (`codes`, e.g. from `msoas_by_ccg`)."""
    local = residents[residents["msoa_code"].isin(codes)]
    counts = footprints.msoa_footprints(local, threshold)
    shared = footprints.with_shares(local)
    counts = counts.drop(columns="pcn_shares").merge(share_lists(shared, threshold), on="msoa_code", how="left")
    table = pd.DataFrame({"msoa_code": codes}).merge(
        msoa_boundaries[["code", "name"]].rename(columns={"code": "msoa_code", "name": "msoa_name"}), on="msoa_code"
    )
    table = table.merge(counts, on="msoa_code", how="left").merge(dominant_pcns(local), on="msoa_code", how="left")
    whole = ["residents", "residents_not_in_pcn", "pcns_any", "pcns_1pct", "dominant_residents"]
    table[whole] = table[whole].fillna(0).astype("int64")
    table["pcn_shares"] = table["pcn_shares"].fillna("").astype("string")
    columns = ["msoa_code", "msoa_name", "residents", "dominant_pcn", "dominant_residents", "dominant_share",
               "pcns_any", "pcns_1pct", "pcn_shares"]  # fmt: skip
    return table[columns]


def share_lists(shared: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """msoa_code, pcn_shares: 'U12345 52%; U23456 30%' for the PCNs at or over the threshold, largest first
    (ties by code). `shared` is `footprints.with_shares`'s table. What the maps' tooltips show."""
    kept = shared[shared["pcn_code"].notna() & (shared["share"] >= threshold)]
    kept = kept.sort_values(["msoa_code", "share", "pcn_code"], ascending=[True, False, True])
    lists = kept.groupby("msoa_code", sort=True).apply(
        lambda rows: "; ".join(f"{pcn} {100 * share:.0f}%" for pcn, share in zip(rows["pcn_code"], rows["share"])),
        include_groups=False,
    )
    return lists.rename("pcn_shares").reset_index()


def default_ccg(
    residents: pd.DataFrame, msoa_boundaries: pd.DataFrame, ccg_boundaries: pd.DataFrame,
    max_msoas: int = DEFAULT_MAX_MSOAS,
) -> str:
    """The CCG of at most `max_msoas` MSOAs whose MSOAs hold the most registered residents in the data:
    for a regional extract, the area it was cut for; for a national file, a CCG of the size the report
    mapped (any CCG when none is that small). Ties go to the lower code."""
    totals = residents.groupby("msoa_code")["residents"].sum()
    best, best_key = "", None
    for code, area in zip(ccg_boundaries["code"], ccg_boundaries["geometry"]):
        msoas = msoas_inside(msoa_boundaries, area)
        key = (len(msoas) <= max_msoas, int(totals.reindex(msoas, fill_value=0).sum()))
        if best_key is None or key > best_key:
            best, best_key = code, key
    if not best:
        raise PcnReportError("the CCG boundaries hold no CCG: cannot choose a CCG to map")
    return best
