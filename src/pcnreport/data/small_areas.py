"""One small-area vintage a build: the LSOAs of the 2011 census or of the 2021 census, never both.

LSOAs were redrawn for the 2021 census: of England's 32,844 LSOAs of 2011, most kept their code and area,
some were split in two or more, some merged, and a few changed irregularly (33,755 LSOAs of 2021). The
publishers moved at different times: IMD 2019 and RUC 2011 rank and classify 2011 LSOAs, IMD 2025 and RUC
2021 the 2021 ones; the registrations by LSOA are coded by 2011 LSOAs to 2022 and by 2021 LSOAs later.
A build joins them by code, so a table of the other vintage would silently lose every changed LSOA.

The build's vintage is the deprivation index's (IMD 2019: 2011; IMD 2025: 2021): the index cannot be
carried across vintages without changing its ranks. The other LSOA-keyed tables are carried to it with
ONS's LSOA (2011) to LSOA (2021) lookup (`read_lsoa_changes`, catalogue dataset `lsoa-changes`):

- patient counts (registrations by LSOA): each source LSOA's patients are divided equally among the
  LSOAs of the build's vintage it overlaps, in whole patients (the remainder goes one each to the first
  in code order, so every practice keeps exactly its patients). That is exact for unchanged LSOAs and for
  the direction in which several areas become one (2011 to 2021: a merge, M; 2021 to 2011: a split, S):
  their patients are added. Where one area becomes several (2011 to 2021: a split; 2021 to 2011: a merge)
  and for irregular changes (X), equal shares are the estimate: the lookup gives no populations, and the
  parts of a split were drawn to hold similar numbers of people (LSOAs hold 1,000 to 3,000 residents);
- classifications (rurality, the MSOA an LSOA lies in): an LSOA of the build's vintage takes the class of
  the source LSOAs it overlaps; where they disagree (a merge across an urban-rural line), the class most of
  them have, ties going to the first source in code order: a best fit, as ONS's own best-fit lookups do.
  The values themselves are unchanged: a carried RUC keeps its edition's codes, and a carried LSOA to MSOA
  lookup its own census's MSOAs, which still match the MSOA boundaries of that census for the maps.

Which vintage a table holds is told by its reader from the file's headers (`attrs["lsoa_vintage"]`). The
registrations by LSOA do not say, except NO2011 (a 2011-coded release); otherwise their codes tell: a
code only 2011 has or only 2021 has, by the lookup. Codes outside England and patients with no area
(CLOSED, EMPTY, L99999, NO2011) pass through unchanged, to be counted and reported.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.core.errors import DataNotFoundError

VINTAGE = "lsoa_vintage"  # the attrs key the readers set
CONVERSION = "lsoa_conversion"  # the attrs key of a table carried to another vintage: what was done
VINTAGES = ("2011", "2021")
# The tables a build carries to its vintage, and how: patient counts or one class an LSOA.
CARRIED = {"registrations-lsoa": "counts", "ruc": "classes", "lsoa-msoa": "classes"}
CHANGE_NAMES = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}


def vintage_of(table: pd.DataFrame) -> str | None:
    return table.attrs.get(VINTAGE)


def other(vintage: str) -> str:
    return VINTAGES[1 - VINTAGES.index(vintage)]


def infer_vintage(codes: pd.Series, changes: pd.DataFrame) -> str | None:
    """The vintage a set of LSOA codes is, by the lookup: the one whose own codes (those the other vintage
    lacks) they use more; None when they use neither's (every LSOA they name is unchanged)."""
    present = set(codes.dropna().unique())
    only_2011 = set(changes["lsoa11_code"]) - set(changes["lsoa21_code"])
    only_2021 = set(changes["lsoa21_code"]) - set(changes["lsoa11_code"])
    n2011, n2021 = len(present & only_2011), len(present & only_2021)
    if n2011 == n2021:
        return None
    return "2011" if n2011 > n2021 else "2021"


def _pairs(changes: pd.DataFrame, source: str) -> pd.DataFrame:
    """source, target, change: the lookup oriented from `source` vintage to the other, sorted."""
    src, dst = ("lsoa11_code", "lsoa21_code") if source == "2011" else ("lsoa21_code", "lsoa11_code")
    pairs = changes.rename(columns={src: "source", dst: "target"})[["source", "target", "change"]]
    return pairs.sort_values(["source", "target"], kind="stable").reset_index(drop=True)


def carry_counts(table: pd.DataFrame, source: str, changes: pd.DataFrame, *, code="lsoa_code", count="patients") -> pd.DataFrame:
    """`table` (one row a practice and LSOA of vintage `source`, counts in `count`) in the other vintage's
    LSOAs: each row's count divided equally, in whole numbers, among the LSOAs its LSOA overlaps (module
    docstring). Rows whose code the lookup lacks (no area, Scotland, Northern Ireland) are kept as they are.
    Every other column is a key kept with the rows. attrs record the vintage and what was done."""
    pairs = _pairs(changes, source)
    keys = [c for c in table.columns if c not in (code, count)]
    rows = table.reset_index(drop=True)
    joined = rows[[code, count]].reset_index().merge(pairs, left_on=code, right_on="source", how="inner")
    parts = joined.groupby("index")["target"].transform("size").to_numpy()
    position = joined.groupby("index").cumcount().to_numpy()
    n = joined[count].to_numpy()
    joined["share"] = n // parts + (position < n % parts)
    moved = rows.loc[joined["index"], keys].reset_index(drop=True)
    moved[code] = joined["target"].to_numpy()
    moved[count] = joined["share"].to_numpy()
    kept = rows[~rows[code].isin(pairs["source"])]
    out = pd.concat([moved, kept[moved.columns]], ignore_index=True)
    out = out.groupby(keys + [code], dropna=False, sort=True, as_index=False)[count].sum()
    out = out[list(table.columns)].astype(table.dtypes.to_dict())
    # What was done, by the source LSOA's change: patients of split, merged, irregular LSOAs; equal shares
    # were estimated where one LSOA became several.
    first = ~joined.duplicated("index")
    by_change = joined.loc[first].groupby("change")[count].sum()
    out.attrs = {
        VINTAGE: other(source),
        CONVERSION: {
            "from": source,
            "to": other(source),
            "rows": int(first.sum()),
            "patients": int(by_change.sum()),
            "by_change": {CHANGE_NAMES[c]: int(by_change.get(c, 0)) for c in CHANGE_NAMES},
            "shared_out": int(joined.loc[first & (parts > 1), count].sum()),
            "not_in_lookup": int(table.loc[~table[code].isin(pairs["source"]), count].sum()),
        },
    }
    return out


def carry_classes(table: pd.DataFrame, source: str, changes: pd.DataFrame, *, code="lsoa_code") -> pd.DataFrame:
    """`table` (one row an LSOA of vintage `source`) as one row an LSOA of the other vintage: each takes
    the values of the source LSOAs it overlaps that most of them share, ties to the first in code order."""
    pairs = _pairs(changes, source)
    values = [c for c in table.columns if c != code]
    joined = pairs.merge(table, left_on="source", right_on=code, how="inner")
    tally = joined.groupby(["target", *values], dropna=False, sort=False).agg(
        n=("source", "size"), first=("source", "min")
    ).reset_index()
    best = tally.sort_values(["target", "n", "first"], ascending=[True, False, True], kind="stable")
    best = best.drop_duplicates("target").rename(columns={"target": code})
    out = best[[code, *values]].reset_index(drop=True).astype(table.dtypes.to_dict())
    changed = joined["change"] != "U"
    out.attrs = {
        VINTAGE: other(source),
        CONVERSION: {
            "from": source,
            "to": other(source),
            "rows": len(out),
            "changed": int(joined.loc[changed, "target"].nunique()),
            "disagreeing": int((tally.groupby("target").size() > 1).sum()),
        },
    }
    return out


def in_vintage(name: str, table: pd.DataFrame, vintage: str, changes_of) -> pd.DataFrame:
    """Dataset `name`'s table in the build's `vintage`: as it is when it is of that vintage (or cannot be
    told apart), else carried with the lookup `changes_of()` returns (None when the data folder lacks it:
    an error naming the dataset, since joining by code would lose the changed LSOAs silently)."""
    source = vintage_of(table)
    changes = None
    if source is None and name == "registrations-lsoa":
        changes = changes_of()
        if changes is not None:
            source = infer_vintage(table["lsoa_code"], changes)
    if source is None or source == vintage:
        table.attrs.setdefault(VINTAGE, vintage if source else None)
        return table
    changes = changes if changes is not None else changes_of()
    if changes is None:
        raise DataNotFoundError(
            f"'{name}' is coded by {source} LSOAs but the deprivation index (IMD) by {vintage} LSOAs: add ONS's "
            "LSOA (2011) to LSOA (2021) lookup (catalogue dataset 'lsoa-changes') so the build can carry it to "
            f"{vintage} LSOAs, or use releases of one vintage"
        )
    if CARRIED[name] == "counts":
        return carry_counts(table, source, changes)
    return carry_classes(table, source, changes)


def outside_england(lsoa_patients: pd.DataFrame) -> dict:
    """Patients the registrations by LSOA place outside England's LSOAs, and patients with no area: by
    nation (Wales W01, Scotland S01, Northern Ireland N21) and by the publisher's word (NO2011, ...)."""
    codes = lsoa_patients["lsoa_code"]
    patients = lsoa_patients["patients"]
    nations = {"Wales": "W01", "Scotland": "S01", "Northern Ireland": "N21"}
    out = {
        "total": int(patients.sum()),
        "england": int(patients[codes.str.startswith("E01", na=False)].sum()),
        "nations": {nation: int(patients[codes.str.startswith(prefix, na=False)].sum()) for nation, prefix in nations.items()},
        "unassigned": {},
    }
    if "unassigned" in lsoa_patients:
        words = lsoa_patients["unassigned"]
        out["unassigned"] = {str(w): int(patients[words == w].sum()) for w in sorted(words.dropna().unique())}
    elif codes.isna().any():
        out["unassigned"] = {"no area": int(patients[codes.isna()].sum())}
    return out
