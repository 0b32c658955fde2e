"""Small-area (2011 LSOA) tables: deprivation (MHCLG's IMD 2019), rurality (ONS's 2011 Rural-Urban
Classification) and the LSOA to MSOA lookup. The analysis covers England, so each returns England's
LSOAs only (E01...), one row each; the ONS tables also cover Wales, whose rows (W01...) are checked and
then left out.
"""

from __future__ import annotations

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

# The 2011 Rural-Urban Classification of LSOAs: A-C urban, D-E rural; 2 = "in a sparse setting".
RUC_CODES = ("A1", "B1", "C1", "C2", "D1", "D2", "E1", "E2")
RURAL_CODES = ("D1", "D2", "E1", "E2")  # "Rural town and fringe" and "Rural village and dispersed"
RUC_SCHEMA = text_schema(
    {
        "lsoa_code": ENGLAND_OR_WALES_LSOA,
        "ruc_code": one_of(RUC_CODES, "a 2011 rural-urban code: " + ", ".join(RUC_CODES)),
        "ruc_name": NOT_BLANK,
    }
)
LOOKUP_SCHEMA = text_schema({"lsoa_code": ENGLAND_OR_WALES_LSOA, "msoa_code": ENGLAND_OR_WALES_MSOA})


def read_imd(path) -> pd.DataFrame:
    """Read the English Indices of Deprivation 2019, File 1 (xlsx; the sheet holding the LSOA code, IMD
    rank and decile columns, 'IMD2019') or File 7 (the CSV of every index).

    Returns one row an LSOA (32,844): lsoa_code, imd_rank (int64, 1 = most deprived),
    imd_decile (int64, 1 = most deprived 10%).
    """
    rows = open_table(path, sheets=SPELLINGS["imd"]).select(SPELLINGS["imd"])
    raise_if_any(rows.path, rows.schema_problems(IMD_SCHEMA) + rows.duplicate_problems("lsoa_code", "LSOA"))
    table = rows.frame
    return tidy(
        table, ["lsoa_code"], imd_rank=to_int(table["imd_rank"]), imd_decile=to_int(table["imd_decile"])
    )


def read_ruc(path) -> pd.DataFrame:
    """Read ONS's 2011 Rural-Urban Classification of LSOAs (England and Wales; LSOA column `LSOA11CD`,
    or `lsoa` as republished).

    Returns one row an English LSOA: lsoa_code, ruc_code (A1..E2), ruc_name, rural (bool: codes D1-E2,
    "Rural town and fringe" and "Rural village and dispersed", with or without "in a sparse setting").
    """
    rows = open_table(path).select(SPELLINGS["ruc"])
    raise_if_any(rows.path, rows.schema_problems(RUC_SCHEMA) + rows.duplicate_problems("lsoa_code", "LSOA"))
    table = rows.frame[rows["lsoa_code"].str.startswith("E")]
    return tidy(table, ["lsoa_code", "ruc_code", "ruc_name"], rural=table["ruc_code"].isin(RURAL_CODES))


def read_lsoa_msoa(path) -> pd.DataFrame:
    """Read an LSOA (2011) to MSOA (2011) lookup: the third-party lsoa_geog_lookup.csv (LSOA_CODE,
    MSOA_CODE) or ONS's own output-area lookup (LSOA11CD, MSOA11CD; one row an output area, so each
    LSOA repeats).

    Returns one row an English LSOA: lsoa_code, msoa_code. Welsh rows (W01/W02) are left out. An LSOA
    must sit in one MSOA, of its own country.
    """
    rows = open_table(path).select(SPELLINGS["lsoa-msoa"])
    raise_if_any(rows.path, rows.schema_problems(LOOKUP_SCHEMA))
    raise_if_any(rows.path, _lookup_problems(rows))
    table = rows.frame.drop_duplicates(["lsoa_code", "msoa_code"])
    table = table[table["lsoa_code"].str.startswith("E")]
    return tidy(table, ["lsoa_code", "msoa_code"])


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
