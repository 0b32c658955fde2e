"""The sample's small areas redrawn for the 2021 census, for the `latest` era's files.

From 2023 the publishers key small areas on the LSOAs of the 2021 census: the registrations by LSOA (with
CLOSED, EMPTY and L99999 for patients without an area, and Welsh, Scottish and Northern Irish codes), the
English Indices of Deprivation 2025 and the 2021 Rural-Urban Classification; ONS's LSOA 2011 to 2021
lookup links the two. The redrawing follows ONS's: most LSOAs keep their code and area (U), a few are split
in two (S), a few pairs in one MSOA merge (M), and a handful change irregularly (X: one 2011 LSOA overlaps
two 2021 ones, one of which also takes a neighbour). MSOAs keep their codes and cells (most real MSOAs did),
so the 2021 MSOA boundaries are the same grid under 2021 names.

The people stay where they were: a split LSOA's patients go to its parts by a fair coin each (so the
build's equal shares are an estimate, as with real data), a merged LSOA's are added. Deprivation and
rurality follow the areas (a part keeps its parent's, a merged area takes the mean score and its first
part's class); the IMD is ranked again over the 2021 LSOAs. New codes continue after the 2011 ones, as
ONS's did (E01033769 on), within the sample's own block E019xxxxx.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pcnreport.data.synth.geography import Geography

# Shares of 2011 LSOAs redrawn (of England's, roughly: about 3% split, under 1% merged, a handful irregular).
SPLIT_SHARE, MERGE_SHARE, IRREGULAR = 0.03, 0.006, 8
# Patients with no area, and living in the other nations: one patient moved from every MOVED_EVERY-th row of
# two or more patients to each code in turn (codes clear of real ones: real W01, S01, N21 stop below 9xxxxx).
NO_AREA = ("CLOSED", "EMPTY", "L99999", "W01900001", "S01900001", "N21900001")
MOVED_EVERY = 37
# RUC 2021 from 2011's class: urban stays urban (a sparse town is "further from" a major town or city),
# rural towns and fringe become larger rural, villages and dispersed smaller rural.
RUC21_FROM_2011 = {"A1": "UN1", "B1": "UN1", "C1": "UN1", "C2": "UF1", "D1": "RLN1", "D2": "RLF1", "E1": "RSN1", "E2": "RSF1"}
RUC21_NAMES = {
    "UN1": "Urban: Nearer to a major town or city",
    "UF1": "Urban: Further from a major town or city",
    "RLN1": "Larger rural: Nearer to a major town or city",
    "RLF1": "Larger rural: Further from a major town or city",
    "RSN1": "Smaller rural: Nearer to a major town or city",
    "RSF1": "Smaller rural: Further from a major town or city",
}
IMD25_HEADER = (
    "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
    "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
)  # fmt: skip
RUC21_HEADER = ("LSOA21CD", "LSOA21NM", "LSOA21NMW", "RUC21CD", "RUC21NM", "Urban_rural_flag", "ObjectId")
CHANGES_HEADER = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM", "LAD22NMW", "ObjectId")
LOOKUP21_HEADER = (
    "OA21CD", "LSOA21CD", "LSOA21NM", "LSOA21NMW", "MSOA21CD", "MSOA21NM", "MSOA21NMW", "LAD22CD", "LAD22NM",
    "LAD22NMW", "ObjectId",
)  # fmt: skip
OUTPUT_AREAS = 2  # output areas written an LSOA (ONS's have about five; one row an LSOA is what is read)


@dataclass(frozen=True)
class Lsoas2021:
    """lsoas: one row a 2021 LSOA (code, msoa, ccg, name, imd_score, imd_rank, imd_decile, ruc_code);
    changes: one row a pair (lsoa11: row of the 2011 LSOAs, lsoa21: row of `lsoas`, change U/S/M/X)."""

    lsoas: pd.DataFrame
    changes: pd.DataFrame


def redraw(geography: Geography, rng) -> Lsoas2021:
    old = geography.lsoas
    n = len(old)
    msoa = old["msoa"].to_numpy()
    order = rng.permutation(n)
    split = np.zeros(n, dtype=bool)
    split[order[: int(SPLIT_SHARE * n)]] = True
    # Merges and irregular changes pair an LSOA with the next one in its MSOA (even positions only, so no
    # LSOA is in two pairs), neither of them split.
    pairable = np.flatnonzero((np.arange(n - 1) % 2 == 0) & (msoa[:-1] == msoa[1:]) & ~split[:-1] & ~split[1:])
    pairs = rng.choice(pairable, size=int(MERGE_SHARE * n) + IRREGULAR, replace=False)
    merged, irregular = np.sort(pairs[IRREGULAR:]), np.sort(pairs[:IRREGULAR])

    # (2011 row, 2021 row, change), the 2021 LSOAs numbered in map order.
    rows, slot, i = [], 0, 0
    merged_set, irregular_set = set(merged.tolist()), set(irregular.tolist())
    while i < n:
        if i in merged_set:
            rows += [(i, slot, "M"), (i + 1, slot, "M")]
            slot, i = slot + 1, i + 2
        elif i in irregular_set:  # i overlaps two new LSOAs, the second of which also takes i + 1
            rows += [(i, slot, "X"), (i, slot + 1, "X"), (i + 1, slot + 1, "X")]
            slot, i = slot + 2, i + 2
        elif split[i]:
            rows += [(i, slot, "S"), (i, slot + 1, "S")]
            slot, i = slot + 2, i + 1
        else:
            rows.append((i, slot, "U"))
            slot, i = slot + 1, i + 1
    changes = pd.DataFrame(rows, columns=["lsoa11", "lsoa21", "change"])

    first = changes.drop_duplicates("lsoa21")["lsoa11"].to_numpy()  # each new LSOA's first 2011 part
    score = changes.assign(score=old["imd_score"].to_numpy()[changes["lsoa11"]]).groupby("lsoa21")["score"].mean().to_numpy()
    parts = changes.groupby("lsoa21").size().to_numpy()
    # A split's parts differ a little from each other (real parts are neighbourhoods of one area).
    is_part = (changes.drop_duplicates("lsoa21")["change"] == "S").to_numpy()
    score = score + np.where(is_part, 0.1 * rng.standard_normal(len(score)), 0.0)
    rank = np.empty(len(score), dtype=int)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, len(score) + 1)
    unchanged = (changes.drop_duplicates("lsoa21")["change"] == "U").to_numpy() & (parts == 1)
    next_code = 900_001 + n + np.cumsum(~unchanged) - 1
    code = np.where(unchanged, old["code"].to_numpy()[first], np.array([f"E01{c}" for c in next_code]))
    new_msoa = msoa[first]
    ccg = old["ccg"].to_numpy()[first]
    lsoas = pd.DataFrame({"code": code, "msoa": new_msoa, "ccg": ccg, "imd_score": score, "imd_rank": rank,
                          "imd_decile": (rank - 1) * 10 // len(rank) + 1,
                          "ruc_code": old["ruc_code"].map(RUC21_FROM_2011).to_numpy()[first]})  # fmt: skip
    # Names: the district and MSOA number of the parent's, lettered again within the MSOA.
    stem = old["name"].str[:-1].to_numpy()[first]
    letter = pd.Series(new_msoa).groupby(new_msoa).cumcount().to_numpy()
    lsoas["name"] = [f"{s}{chr(65 + k % 26)}" for s, k in zip(stem, letter)]
    return Lsoas2021(lsoas=lsoas, changes=changes)


def carry_patients(redrawn: Lsoas2021, where: pd.DataFrame, rng) -> pd.DataFrame:
    """Registrations by 2011 LSOA (practice, lsoa, patients) as by 2021 LSOA (lsoa: row of the 2021 LSOAs,
    or len(lsoas) + k for the k-th code of NO_AREA): a split's patients shared by a fair coin each."""
    changes = redrawn.changes
    targets = changes.groupby("lsoa11")["lsoa21"].agg(list)
    first = np.array([t[0] for t in targets])
    second = np.array([t[-1] for t in targets])
    lsoa = where["lsoa"].to_numpy()
    n = where["patients"].to_numpy()
    to_first = np.where(first[lsoa] != second[lsoa], rng.binomial(n, 0.5), n)
    moved = pd.DataFrame({
        "practice": np.concatenate([where["practice"].to_numpy()] * 2),
        "lsoa": np.concatenate([first[lsoa], second[lsoa]]),
        "patients": np.concatenate([to_first, n - to_first]),
    })  # fmt: skip
    moved = moved[moved["patients"] > 0].groupby(["practice", "lsoa"], as_index=False)["patients"].sum()
    # Patients without an English LSOA: one from every MOVED_EVERY-th row of two or more, in turn.
    donors = np.flatnonzero(moved["patients"].to_numpy() >= 2)[::MOVED_EVERY]
    moved.loc[moved.index[donors], "patients"] -= 1
    special = pd.DataFrame({
        "practice": moved["practice"].to_numpy()[donors],
        "lsoa": len(redrawn.lsoas) + np.arange(len(donors)) % len(NO_AREA),
        "patients": 1,
    })  # fmt: skip
    out = pd.concat([moved, special]).groupby(["practice", "lsoa"], as_index=False)["patients"].sum()
    return out.reset_index(drop=True)


def lsoa_codes(redrawn: Lsoas2021) -> pd.Series:
    """The codes `carry_patients` rows point at: the 2021 LSOAs', then NO_AREA."""
    return pd.Series([*redrawn.lsoas["code"], *NO_AREA])


def _csv(table: pd.DataFrame, bom: bool) -> bytes:
    # ONS's portal downloads start with a byte-order mark and end lines with CRLF.
    return ("\ufeff" if bom else "").encode("utf-8") + table.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def ruc21_csv(redrawn: Lsoas2021) -> bytes:
    lsoas = redrawn.lsoas
    table = pd.DataFrame({
        "LSOA21CD": lsoas["code"], "LSOA21NM": lsoas["name"], "LSOA21NMW": "", "RUC21CD": lsoas["ruc_code"],
        "RUC21NM": lsoas["ruc_code"].map(RUC21_NAMES),
        "Urban_rural_flag": np.where(lsoas["ruc_code"].str.startswith("U"), "Urban", "Rural"),
        "ObjectId": np.arange(1, len(lsoas) + 1),
    })  # fmt: skip
    return _csv(table[list(RUC21_HEADER)], bom=True)


def changes_csv(redrawn: Lsoas2021, geography: Geography) -> bytes:
    old, new, changes = geography.lsoas, redrawn.lsoas, redrawn.changes
    ccg = new["ccg"].to_numpy()[changes["lsoa21"]]
    table = pd.DataFrame({
        "LSOA11CD": old["code"].to_numpy()[changes["lsoa11"]], "LSOA11NM": old["name"].to_numpy()[changes["lsoa11"]],
        "LSOA21CD": new["code"].to_numpy()[changes["lsoa21"]], "LSOA21NM": new["name"].to_numpy()[changes["lsoa21"]],
        "CHGIND": changes["change"], "LAD22CD": [f"E06{900_001 + c}" for c in ccg],
        "LAD22NM": [f"SYNTHETIC DISTRICT {c + 1:03d}" for c in ccg], "LAD22NMW": "",
        "ObjectId": np.arange(1, len(changes) + 1),
    })  # fmt: skip
    return _csv(table, bom=True)


def lookup21_csv(redrawn: Lsoas2021, geography: Geography, msoa_names: list[str]) -> bytes:
    """ONS's output area lookup of 2021 (OA21, LSOA21, MSOA21, LAD22): OUTPUT_AREAS rows an LSOA."""
    lsoas = redrawn.lsoas
    row = np.repeat(np.arange(len(lsoas)), OUTPUT_AREAS)
    msoa = lsoas["msoa"].to_numpy()[row]
    ccg = lsoas["ccg"].to_numpy()[row]
    table = pd.DataFrame({
        "OA21CD": [f"E00{900_001 + i}" for i in range(len(row))], "LSOA21CD": lsoas["code"].to_numpy()[row],
        "LSOA21NM": lsoas["name"].to_numpy()[row], "LSOA21NMW": "",
        "MSOA21CD": geography.msoas["code"].to_numpy()[msoa], "MSOA21NM": np.array(msoa_names)[msoa],
        "MSOA21NMW": "", "LAD22CD": [f"E06{900_001 + c}" for c in ccg],
        "LAD22NM": [f"SYNTHETIC DISTRICT {c + 1:03d}" for c in ccg], "LAD22NMW": "",
        "ObjectId": np.arange(1, len(row) + 1),
    })  # fmt: skip
    return _csv(table[list(LOOKUP21_HEADER)], bom=True)


def imd25_rows(redrawn: Lsoas2021) -> list[tuple]:
    lsoas = redrawn.lsoas
    ccg = lsoas["ccg"].to_numpy()
    return list(zip(
        lsoas["code"].tolist(), lsoas["name"].tolist(), [f"E06{900_001 + c}" for c in ccg],
        [f"SYNTHETIC DISTRICT {c + 1:03d}" for c in ccg], lsoas["imd_rank"].tolist(), lsoas["imd_decile"].tolist(),
    ))  # fmt: skip



def small_area_files(geography: Geography, where: pd.DataFrame, practices: pd.DataFrame, vintage, when, seed: int) -> dict[str, bytes]:
    """The latest era's small-area files, by dataset: registrations by 2021 LSOA, IMD 2025, RUC 2021, the
    LSOA 2011 to 2021 lookup, the 2021 output area lookup and the MSOA boundaries named for 2021. Drawn
    from their own stream (seed, 2021), so the other files and the other eras are unchanged."""
    from pcnreport.data.synth import boundaries, registrations
    from pcnreport.data.synth.geography import imd_xlsx

    rng = np.random.default_rng([seed, 2021])
    redrawn = redraw(geography, rng)
    rows = carry_patients(redrawn, where, rng)
    return {
        "registrations-lsoa": registrations.lsoa_csv(practices, lsoa_codes(redrawn), rows, vintage),
        "imd": imd_xlsx(imd25_rows(redrawn), when, edition="2025", sheet_name="IMD25", header=IMD25_HEADER),
        "ruc": ruc21_csv(redrawn),
        "lsoa-changes": changes_csv(redrawn, geography),
        "lsoa-msoa": lookup21_csv(redrawn, geography, boundaries.msoa_names(geography)),
        "boundaries-msoa": boundaries.msoa_geojson(geography, census="2021"),
    }
