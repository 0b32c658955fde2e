"""Small-area tables: deprivation (MHCLG's IMD 2019 or IMD 2025), rurality (ONS's 2011 or 2021
Rural-Urban Classification), the LSOA to MSOA lookup, and ONS's LSOA 2011 to 2021 lookup. The analysis
covers England, so the first three return England's LSOAs only (E01...), one row each; the ONS tables
also cover Wales, whose rows (W01...) are checked and then left out.

LSOAs come in two vintages: the 2011 census's (IMD 2019, RUC 2011: 32,844 English LSOAs) and the 2021
census's (IMD 2025, RUC 2021: 33,755). Each reader says which its file holds, told by the file's own
headers (`LSOA code (2021)`, LSOA21CD, RUC21CD, MSOA21CD), in the table's `attrs["lsoa_vintage"]`
("2011" or "2021"); `pcnreport.analysis.small_areas` uses it to put a build in one vintage.
"""

from __future__ import annotations

import re

import pandas as pd

from pcnreport.data.readers._checks import (
    LSOA,
    NOT_BLANK,
    capped,
    matches,
    one_of,
    raise_if_any,
    repeated,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import SPELLINGS
from pcnreport.data.readers._tables import tidy, to_int

IMD_SCHEMA = text_schema(
    {
        "lsoa_code": LSOA,
        "imd_rank": matches(r"[1-9]\d*", "a rank: a whole number from 1"),
        "imd_decile": matches(r"[1-9]|10", "a decile: a whole number from 1 to 10"),
    }
)

ENGLAND_OR_WALES_LSOA = matches(r"[EW]01\d{6}", "an LSOA code: E01 or W01 and 6 digits, like E01000001")
ENGLAND_OR_WALES_MSOA = matches(r"[EW]02\d{6}", "an MSOA code: E02 or W02 and 6 digits, like E02000001")

VINTAGE_2011, VINTAGE_2021 = "2011", "2021"

# The 2011 Rural-Urban Classification of LSOAs: A-C urban, D-E rural; 2 = "in a sparse setting".
RUC_CODES = ("A1", "B1", "C1", "C2", "D1", "D2", "E1", "E2")
RURAL_CODES = ("D1", "D2", "E1", "E2")  # "Rural town and fringe" and "Rural village and dispersed"
# The 2021 classification: U(rban), R(ural) L(arger) or S(maller), N(earer to) or F(urther from) a major
# town or city (RUC21NM "Urban: Nearer to a major town or city", ...). Its rural settlements are, as in
# 2011, those outside built-up areas of 10,000 people or more: "Larger rural" takes the place of 2011's
# "Rural town and fringe", "Smaller rural" of "Rural village and dispersed", and relative access replaced
# sparsity. So the report's urban/rural split keeps its meaning: rural is RLN1, RLF1, RSN1 and RSF1 (ONS's
# own Urban_rural_flag says the same).
RUC21_CODES = ("UN1", "UF1", "RLN1", "RLF1", "RSN1", "RSF1")
RURAL21_CODES = ("RLN1", "RLF1", "RSN1", "RSF1")
RUC_SCHEMAS = {
    vintage: text_schema(
        {
            "lsoa_code": ENGLAND_OR_WALES_LSOA,
            "ruc_code": one_of(codes, f"a {vintage} rural-urban code: " + ", ".join(codes)),
            "ruc_name": NOT_BLANK,
        }
    )
    for vintage, codes in ((VINTAGE_2011, RUC_CODES), (VINTAGE_2021, RUC21_CODES))
}
RURAL = {VINTAGE_2011: RURAL_CODES, VINTAGE_2021: RURAL21_CODES}
CHANGES = ("U", "S", "M", "X")  # unchanged, split, merged, irregular (ONS's CHGIND)
CHANGES_SCHEMA = text_schema(
    {
        "lsoa11_code": ENGLAND_OR_WALES_LSOA,
        "lsoa21_code": ENGLAND_OR_WALES_LSOA,
        "change": one_of(CHANGES, "a change indicator: U (unchanged), S (split), M (merged) or X (irregular)"),
    }
)
# A header naming the 2021 census's areas: `LSOA code (2021)`, LSOA21CD, MSOA21CD, RUC21CD.
_HEADER_2021 = re.compile(r"(?:lsoa|msoa|ruc)21|\(2021\)", re.IGNORECASE)


def header_vintage(header: str) -> str:
    """The LSOA vintage a column's header names: "2021" for the 2021 census's spellings, else "2011" (the
    2011 spellings, and the third-party lookup's LSOA_CODE, made from 2011 areas)."""
    return VINTAGE_2021 if _HEADER_2021.search(header) else VINTAGE_2011


def with_vintage(table: pd.DataFrame, vintage: str) -> pd.DataFrame:
    table.attrs["lsoa_vintage"] = vintage
    return table
LOOKUP_SCHEMA = text_schema({"lsoa_code": ENGLAND_OR_WALES_LSOA, "msoa_code": ENGLAND_OR_WALES_MSOA})


def read_imd(path) -> pd.DataFrame:
    """Read the English Indices of Deprivation, File 1 (xlsx; the sheet holding the LSOA code, IMD rank
    and decile columns: 'IMD2019', or 'IMD25' in 2025) or File 7 (the CSV of every index).

    Returns one row an LSOA: lsoa_code, imd_rank (int64, 1 = most deprived), imd_decile (int64, 1 = most
    deprived 10%). IMD 2019 ranks the 32,844 LSOAs of 2011 (`LSOA code (2011)`), IMD 2025 the 33,755 of
    2021 (`LSOA code (2021)`): attrs["lsoa_vintage"] says which.
    """
    rows = open_table(path, sheets=SPELLINGS["imd"]).select(SPELLINGS["imd"])
    raise_if_any(rows.path, rows.schema_problems(IMD_SCHEMA) + rows.duplicate_problems("lsoa_code", "LSOA"))
    table = rows.frame
    out = tidy(table, ["lsoa_code"], imd_rank=to_int(table["imd_rank"]), imd_decile=to_int(table["imd_decile"]))
    return with_vintage(out, header_vintage(rows.headers["lsoa_code"]))


def read_ruc(path) -> pd.DataFrame:
    """Read ONS's Rural-Urban Classification of LSOAs (England and Wales): the 2011 one (LSOA11CD, or
    `lsoa` as republished; RUC11CD, RUC11) or the 2021 one (LSOA21CD, RUC21CD, RUC21NM).

    Returns one row an English LSOA: lsoa_code, ruc_code, ruc_name, rural (bool). 2011: codes A1..E2,
    rural D1-E2 ("Rural town and fringe" and "Rural village and dispersed", with or without "in a sparse
    setting"). 2021: codes UN1..RSF1, rural the "Larger rural" and "Smaller rural" codes (see
    RURAL21_CODES). attrs["lsoa_vintage"] says which; the two headers must agree.
    """
    rows = open_table(path).select(SPELLINGS["ruc"])
    vintage = header_vintage(rows.headers["ruc_code"])
    if header_vintage(rows.headers["lsoa_code"]) != vintage and rows.headers["lsoa_code"] != "lsoa":
        raise_if_any(rows.path, [
            f"{rows.where}column '{rows.headers['lsoa_code']}' names {header_vintage(rows.headers['lsoa_code'])} "
            f"LSOAs but column '{rows.headers['ruc_code']}' the {vintage} classification: expected one vintage"
        ])  # fmt: skip
    schema = RUC_SCHEMAS[vintage]
    raise_if_any(rows.path, rows.schema_problems(schema) + rows.duplicate_problems("lsoa_code", "LSOA"))
    table = rows.frame[rows["lsoa_code"].str.startswith("E")]
    out = tidy(table, ["lsoa_code", "ruc_code", "ruc_name"], rural=table["ruc_code"].isin(RURAL[vintage]))
    return with_vintage(out, vintage)


def read_lsoa_msoa(path) -> pd.DataFrame:
    """Read an LSOA to MSOA lookup of one census: the third-party lsoa_geog_lookup.csv (LSOA_CODE,
    MSOA_CODE; 2011) or ONS's own output-area lookups (LSOA11CD, MSOA11CD, or LSOA21CD, MSOA21CD; one
    row an output area, so each LSOA repeats).

    Returns one row an English LSOA: lsoa_code, msoa_code; attrs["lsoa_vintage"] says which census's.
    Welsh rows (W01/W02) are left out. An LSOA must sit in one MSOA, of its own country, and both columns
    must be of one census.
    """
    rows = open_table(path).select(SPELLINGS["lsoa-msoa"])
    vintages = {column: header_vintage(rows.headers[column]) for column in ("lsoa_code", "msoa_code")}
    if len(set(vintages.values())) > 1:
        raise_if_any(rows.path, [
            f"{rows.where}column '{rows.headers['lsoa_code']}' names {vintages['lsoa_code']} LSOAs but column "
            f"'{rows.headers['msoa_code']}' {vintages['msoa_code']} MSOAs: expected areas of one census"
        ])  # fmt: skip
    raise_if_any(rows.path, rows.schema_problems(LOOKUP_SCHEMA))
    raise_if_any(rows.path, _lookup_problems(rows))
    table = rows.frame.drop_duplicates(["lsoa_code", "msoa_code"])
    table = table[table["lsoa_code"].str.startswith("E")]
    return with_vintage(tidy(table, ["lsoa_code", "msoa_code"]), vintages["lsoa_code"])


def read_lsoa_changes(path) -> pd.DataFrame:
    """Read ONS's LSOA (2011) to LSOA (2021) to LAD (2022) lookup (a CSV starting with a byte-order mark;
    first column LSOA11CD, F_LSOA11CD in its first versions; LSOA21CD; CHGIND; last ObjectId).

    Returns one row a pair of a 2011 and a 2021 LSOA that overlap (England and Wales both: patients of
    English practices live in Wales too): lsoa11_code, lsoa21_code, change (U unchanged: one row, the same
    code; S split: one row for each 2021 part of a 2011 LSOA; M merged: one row for each 2011 part of a
    2021 LSOA; X irregular: a row for each overlap). A pair may appear once only.
    """
    rows = open_table(path).select(SPELLINGS["lsoa-changes"])
    raise_if_any(
        rows.path,
        rows.schema_problems(CHANGES_SCHEMA)
        + rows.duplicate_problems(["lsoa11_code", "lsoa21_code"], "pair of 2011 and 2021 LSOAs"),
    )
    table = rows.frame
    unchanged = table["change"] == "U"
    renamed = unchanged & (table["lsoa11_code"] != table["lsoa21_code"])
    problems = capped(
        [
            f"{rows.where}row {row}, column '{rows.headers['lsoa21_code']}': expected the 2011 code '{old}' "
            f"for an unchanged LSOA ({rows.headers['change']} 'U'), found '{new}'"
            for row, old, new in zip(table.index[renamed], table["lsoa11_code"][renamed], table["lsoa21_code"][renamed])
        ],
        "unchanged LSOAs with a new code",
    )
    raise_if_any(rows.path, problems)
    return tidy(table, ["lsoa11_code", "lsoa21_code", "change"])


def _lookup_problems(rows) -> list[str]:
    table, where, headers = rows.frame, rows.where, rows.headers
    country_mismatch = table["lsoa_code"].str[0] != table["msoa_code"].str[0]
    problems = capped(
        [
            f"{where}row {row}, column '{headers['msoa_code']}': expected an MSOA of the LSOA's own country "
            f"(E02 for E01, W02 for W01), found '{msoa}' for LSOA '{lsoa}'"
            for row, lsoa, msoa in zip(
                table.index[country_mismatch], table["lsoa_code"][country_mismatch], table["msoa_code"][country_mismatch]
            )
        ],
        "LSOAs with an MSOA of another country",
    )
    pairs = table.drop_duplicates(["lsoa_code", "msoa_code"])
    lines = []
    for lsoa, group in repeated(pairs, "lsoa_code"):
        places = " and ".join(f"'{msoa}' (row {row})" for row, msoa in group["msoa_code"].items())
        lines.append(
            f"{where}column '{headers['lsoa_code']}': LSOA '{lsoa}' is in two MSOAs: {places}; "
            "expected one MSOA an LSOA"
        )
    return problems + capped(lines, "LSOAs in more than one MSOA")
