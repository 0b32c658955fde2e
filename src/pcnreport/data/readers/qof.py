"""NHS Digital's Quality and Outcomes Framework (QOF) raw data: practice prevalence, and the practice to
PCN / CCG / STP / region mapping. Each year is a ZIP archive of several CSVs (PREVALENCE_1718.csv,
MAPPING_NHS_GEOGRAPHIES_1920.csv, ...): the readers take the CSV or the archive, picking their member by name.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import (
    CCG,
    CCG_ONS,
    MAX_LIST_SIZE,
    NOT_BLANK,
    PCN_CODE,
    PRACTICE,
    SUB_ICB,
    SUB_ICB_ONS,
    WHOLE_NUMBER,
    at_most,
    matches,
    numbers_in,
    raise_if_any,
    row_check,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import CCG_LEVEL, OPTIONAL, SPELLINGS, SUB_ICB_LEVEL, commissioner_level
from pcnreport.data.readers._tables import tidy, to_int


def _register_within_list(frame: pd.DataFrame) -> pd.Series:
    return ~(numbers_in(frame["register"]) > numbers_in(frame["list_size"]))


PREVALENCE_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "indicator": matches(r"[A-Z][A-Z0-9]*", "an indicator group code in capitals, like COPD"),
        # From 2021/22 NHS Digital writes registers as decimals (112.0): a whole number either way.
        "register": matches(r"\d+(\.0+)?", "a whole number >= 0 (112 or 112.0) or blank", blank_ok=True),
        "list_type": matches(r"TOTAL|\d+OV|\d+_\d+", "a patient list type like TOTAL, 18OV or 30_74"),
        "list_size": [WHOLE_NUMBER, at_most(MAX_LIST_SIZE, f"a list size of at most {MAX_LIST_SIZE:,} patients")],
    },
    # A register counts patients of the row's own list (the list type: all patients, those aged 18 and
    # over, ...), so it cannot exceed that list: a prevalence is between 0 and 100%.
    rows=[
        row_check(
            "register", ["list_size"], _register_within_list,
            "a register no larger than the practice's list of its list type (a prevalence of 0-100%)",
        )
    ],
)

# The mapping writes PCN code 'U' (name 'Unallocated') for a practice in no PCN: 61 practices in 2019-20.
NO_PCN = "U"


def _mapping_schema(code, ons_code):
    return text_schema(
        {
            "practice_code": PRACTICE,
            "practice_name": NOT_BLANK,
            "pcn_code": matches(f"{PCN_CODE}|{NO_PCN}", f"a PCN code like U12345, or '{NO_PCN}' (unallocated)"),
            "ccg_code": code,
            "ccg_ons_code": ons_code,
            "ccg_name": NOT_BLANK,
            "stp_code": matches(r"[0-9A-Z]{3}", "an STP code: 3 letters or digits, like QHM"),
            "icb_code": matches(r"[0-9A-Z]{3}", "an ICB code: 3 letters or digits, like QHM"),
            "icb_ons_code": matches(r"E54\d{6}", "an ICB's ONS code: E54 and 6 digits, like E54000050"),
            "icb_name": NOT_BLANK,
            "region_code": matches(r"Y\d{2}", "an NHS England region code: Y and 2 digits, like Y56"),
            "region_name": NOT_BLANK,
        }
    )


# The commissioner's codes are checked as what the release says they are (CCGs, or sub-ICB locations).
MAPPING_SCHEMAS = {CCG_LEVEL: _mapping_schema(CCG, CCG_ONS), SUB_ICB_LEVEL: _mapping_schema(SUB_ICB, SUB_ICB_ONS)}


def read_qof_prevalence(path) -> pd.DataFrame:
    """Read a QOF practice prevalence file (PREVALENCE_<YYYY>.csv, or the year's ZIP archive).

    Returns one row a practice, indicator group and list type: practice_code, indicator (AF, COPD, CKD,
    DM, ...), register (int64), list_type (TOTAL, 16OV, 17OV, 18OV, 50OV, 30_74), list_size (int64).
    A blank REGISTER means the practice reported no figure (12 practices in 2017-18, blank for all 21
    groups): those rows are left out, as a prevalence cannot be computed from them and keeping their
    list sizes would understate any prevalence summed over practices.
    """
    rows = open_table(path, member="PREVALENCE*.csv").select(SPELLINGS["qof-prevalence"])
    raise_if_any(
        rows.path,
        rows.schema_problems(PREVALENCE_SCHEMA)
        + rows.duplicate_problems(["practice_code", "indicator", "list_type"], "practice, indicator and list type"),
    )
    table = rows.frame[rows["register"] != ""]
    return tidy(
        table,
        ["practice_code", "indicator"],
        register=to_int(table["register"].str.replace(r"\.0+$", "", regex=True)),
        list_type=table["list_type"],
        list_size=to_int(table["list_size"]),
    )


def read_practice_ccg(path) -> pd.DataFrame:
    """Read QOF's practice to NHS geographies mapping (MAPPING_NHS_GEOGRAPHIES_1920.csv, or the ZIP).

    Returns one row a practice: practice_code, practice_name, pcn_code, pcn_name, ccg_code, ccg_ons_code,
    ccg_name, stp_code, icb_code, icb_ons_code, icb_name, region_code, region_name. The ccg_* columns hold
    the practice's commissioner: its CCG to 2021/22, its sub-ICB location from 2022/23 (SUB_ICB_ODS_CODE,
    ...); `attrs["commissioner_level"]` says which ("ccg" or "sub-icb"). From 2022/23 the file names the
    ICB (icb_*) in place of the STP (stp_code); each is missing in the releases without it. Codes are ODS codes (CCG 00L) except ccg_ons_code, the
    CCG's ONS code (E38000014), kept because the CCG boundary files are keyed by it (the area profiles'
    maps). A practice in no PCN (code 'U', name 'Unallocated') has pcn_code and pcn_name missing.
    CCG codes have 3 characters, or 5 for the CCGs merged in April 2021 (2020-21 on: X2C4Y). practice_name,
    pcn_code, pcn_name, stp_code and icb_* are used by no analysis: a file without them reads, with them
    missing.
    """
    rows = open_table(path, member="MAPPING_NHS_GEOGRAPHIES*.csv").select(
        SPELLINGS["practice-ccg"], OPTIONAL["practice-ccg"]
    )
    level, problems = commissioner_level("practice-ccg", rows.headers, rows.where)
    raise_if_any(rows.path, problems)
    raise_if_any(
        rows.path,
        rows.schema_problems(MAPPING_SCHEMAS[level]) + rows.duplicate_problems("practice_code", "practice code"),
    )
    table = rows.frame
    no_pcn = table["pcn_code"] == NO_PCN
    mapping = tidy(
        table,
        ["practice_code", "practice_name"],
        pcn_code=table["pcn_code"].mask(no_pcn).astype("str"),
        pcn_name=table["pcn_name"].mask(no_pcn).astype("str"),
        ccg_code=table["ccg_code"],
        ccg_ons_code=table["ccg_ons_code"],
        ccg_name=table["ccg_name"],
        stp_code=table["stp_code"],
        icb_code=table["icb_code"],
        icb_ons_code=table["icb_ons_code"],
        icb_name=table["icb_name"],
        region_code=table["region_code"],
        region_name=table["region_name"],
    )
    mapping.attrs["commissioner_level"] = level
    return mapping
