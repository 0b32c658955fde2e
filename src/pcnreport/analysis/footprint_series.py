"""How each PCN's footprint changes over time: where its patients live, release by release.

The by-LSOA registrations of every quarterly release are read from the columnar store's Parquet files
(`data.columnar`) by DuckDB, so five years of releases (about 16 million rows) are never pandas frames;
only the result, one row a release and PCN, is. Definitions, all applied in the SQL below:

- A PCN's *patients* in a release: every patient registered at its member practices in that release (the
  membership given for that release), wherever they live, patients with no area (NO2011, CLOSED, EMPTY,
  L99999) included. `patients_without_area` counts those.
- *LSOAs with any patient* (`lsoas_any`): the small areas (any coded area: English or Welsh LSOAs,
  Scottish data zones, Northern Irish super data zones) where at least one of the PCN's patients lives.
- *LSOAs holding 80%* (`lsoas_80pct`): the smallest number of those areas that together hold at least
  `share` (80% by default) of the PCN's patients who live in an area, taken largest first. "At least"
  includes the boundary, and the comparison is exact (whole numbers against the share as a fraction), so
  4 of 5 patients is 80%. The share is of patients living in an area: patients with no area cannot be
  placed in any LSOA, and counting them would make a PCN with many of them need every LSOA it has.
- *Share in its largest LSOA* (`largest_lsoa_share`): the patients of its most populous area over its
  patients living in an area.

A practice in no PCN (not in the membership) adds to no PCN. A PCN appears in a release when one of its
member practices has rows in that release. Releases are LSOA files coded by their own census's LSOAs
(2011 to 2022, 2021 later), so `lsoas_any` can move when the codes change; compare releases of one
vintage, or carry them to one first (`data.small_areas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import pandas as pd

from pcnreport.data.columnar import connect

DEFAULT_SHARE = 0.8
COLUMNS = [
    "release", "pcn_code", "practices", "patients", "patients_without_area", "lsoas_any", "lsoas_80pct",
    "largest_lsoa_share",
]  # fmt: skip

# One statement over every release. The registrations are aggregated to (release, PCN, LSOA) before the
# window that ranks LSOAs, so the sort DuckDB does is over a PCN's LSOAs (a few hundred), not its rows.
_SQL = """
WITH registrations AS (
    SELECT files.release, rows.practice_code, rows.lsoa_code, rows.patients
    FROM read_parquet($paths, filename = true) AS rows
    JOIN files ON rows.filename = files.path
),
in_pcn AS (
    SELECT registrations.*, members.pcn_code
    FROM registrations JOIN members USING (release, practice_code)
),
by_lsoa AS (
    SELECT release, pcn_code, lsoa_code, sum(patients) AS patients
    FROM in_pcn WHERE lsoa_code IS NOT NULL
    GROUP BY release, pcn_code, lsoa_code HAVING sum(patients) > 0
),
ranked AS (
    -- `before`: the patients of the LSOAs ranked above this one (largest first; ties by code, which
    -- changes no count). An LSOA is needed while those hold less than the share of `located`.
    SELECT *,
        sum(patients) OVER (PARTITION BY release, pcn_code ORDER BY patients DESC, lsoa_code
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
        sum(patients) OVER (PARTITION BY release, pcn_code) AS located
    FROM by_lsoa
),
areas AS (
    SELECT release, pcn_code, count(*) AS lsoas_any,
        -- Whole numbers on both sides (before / located < num / den): exact at the boundary.
        count(*) FILTER (WHERE coalesce(before, 0) * $den < located * $num) AS lsoas_80pct,
        max(patients)::DOUBLE / max(located)::DOUBLE AS largest_lsoa_share
    FROM ranked GROUP BY release, pcn_code
),
totals AS (
    SELECT release, pcn_code, count(DISTINCT practice_code) AS practices, sum(patients) AS patients,
        coalesce(sum(patients) FILTER (WHERE lsoa_code IS NULL), 0) AS patients_without_area
    FROM in_pcn GROUP BY release, pcn_code
)
SELECT totals.release, totals.pcn_code, totals.practices::BIGINT AS practices,
    totals.patients::BIGINT AS patients, totals.patients_without_area::BIGINT AS patients_without_area,
    coalesce(areas.lsoas_any, 0)::BIGINT AS lsoas_any, coalesce(areas.lsoas_80pct, 0)::BIGINT AS lsoas_80pct,
    areas.largest_lsoa_share
FROM totals LEFT JOIN areas USING (release, pcn_code)
ORDER BY totals.release, totals.pcn_code
"""


def footprint_series(
    parquet_by_release: Mapping[str, Path],
    members_by_release: Mapping[str, pd.DataFrame],
    share: float = DEFAULT_SHARE,
) -> pd.DataFrame:
    """One row a release and PCN: release, pcn_code, practices, patients, patients_without_area,
    lsoas_any, lsoas_80pct, largest_lsoa_share (module docstring).

    `parquet_by_release`: release label -> the release's Parquet file (`ColumnarStore.parquet_for`).
    `members_by_release`: release label -> that release's membership, practice_code and pcn_code, one
    row a practice (a practice in two PCNs at once would count twice); rows with no PCN are ignored.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share is a share of patients, above 0 and at most 1 (got {share})")
    missing = sorted(set(parquet_by_release) - set(members_by_release))
    if missing:
        raise ValueError(f"no practice-to-PCN membership for release(s) {', '.join(missing)}")
    # The share as a fraction of small whole numbers (0.8 -> 4/5), for the exact comparison in the SQL.
    fraction = Fraction(str(share)).limit_denominator(1_000_000)
    files = pd.DataFrame(
        {"release": list(parquet_by_release), "path": [str(Path(p)) for p in parquet_by_release.values()]},
        dtype="str",
    )
    members = _members(members_by_release, list(parquet_by_release))
    with connect() as con:
        # The two small frames are registered, not copied: DuckDB scans them in place.
        con.register("files", files)
        con.register("members", members)
        table = con.execute(
            _SQL, {"paths": files["path"].tolist(), "num": fraction.numerator, "den": fraction.denominator}
        ).df()
    return table[COLUMNS].astype({"release": "str", "pcn_code": "str", "largest_lsoa_share": "float64"})


def _members(members_by_release: Mapping[str, pd.DataFrame], releases: list[str]) -> pd.DataFrame:
    """One table of release, practice_code, pcn_code for the releases asked for; a practice listed twice
    in one release is refused (its patients would count in two PCNs, or twice in one)."""
    parts = []
    for release in releases:
        table = members_by_release[release]
        table = table.loc[table["pcn_code"].notna(), ["practice_code", "pcn_code"]]
        repeated = table.loc[table["practice_code"].duplicated(), "practice_code"].unique().tolist()
        if repeated:
            shown = ", ".join(repeated[:10]) + (f" and {len(repeated) - 10} more" if len(repeated) > 10 else "")
            raise ValueError(f"release {release}: practice(s) {shown} listed more than once in the membership; "
                             "expected one PCN a practice")
        parts.append(table.assign(release=release))
    members = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["practice_code", "pcn_code", "release"])
    return members.astype("str")[["release", "practice_code", "pcn_code"]]


SUMMARY_COLUMNS = ["release", "pcns", "patients", "without_area_share", "lsoas_any_median", "lsoas_80pct_median",
                   "largest_share_median"]


def summary_by_release(series: pd.DataFrame) -> pd.DataFrame:
    """One row a release of `footprint_series`: PCNs with patients in it, their patients, the share of those
    with no area, and the median PCN's LSOAs with any patient, LSOAs holding 80% and largest LSOA's share.
    Other columns of `series` constant within a release (the membership month used) are kept."""
    if series.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = series.groupby("release", sort=True)
    table = pd.DataFrame({
        "pcns": grouped["pcn_code"].nunique(),
        "patients": grouped["patients"].sum(),
        "without_area_share": grouped["patients_without_area"].sum() / grouped["patients"].sum(),
        "lsoas_any_median": grouped["lsoas_any"].median(),
        "lsoas_80pct_median": grouped["lsoas_80pct"].median(),
        "largest_share_median": grouped["largest_lsoa_share"].median(),
    })  # fmt: skip
    extra = [c for c in series.columns if c not in COLUMNS and (grouped[c].nunique() <= 1).all()]
    table = table.join(grouped[extra].first()) if extra else table
    return table.reset_index()
