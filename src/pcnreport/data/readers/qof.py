"""NHS Digital's Quality and Outcomes Framework (QOF) raw data: practice prevalence, and the practice to
PCN / CCG / STP / region mapping. Each year is a ZIP archive of several CSVs (PREVALENCE_1718.csv,
MAPPING_NHS_GEOGRAPHIES_1920.csv, ...): the readers take the CSV or the archive, picking their member by name.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import (
    CCG,
    CCG_ONS,
    NOT_BLANK,
    PCN_CODE,
    PRACTICE,
    WHOLE_NUMBER,
    matches,
    raise_if_any,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import OPTIONAL, SPELLINGS
from pcnreport.data.readers._tables import tidy, to_int

PREVALENCE_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "indicator": matches(r"[A-Z][A-Z0-9]*", "an indicator group code in capitals, like COPD"),
        "register": matches(r"\d+", "a whole number >= 0 or blank", blank_ok=True),
        "list_type": matches(r"TOTAL|\d+OV|\d+_\d+", "a patient list type like TOTAL, 18OV or 30_74"),
        "list_size": WHOLE_NUMBER,
    }
)

# The mapping writes PCN code 'U' (name 'Unallocated') for a practice in no PCN: 61 practices in 2019-20.
NO_PCN = "U"
MAPPING_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "practice_name": NOT_BLANK,
        "pcn_code": matches(f"{PCN_CODE}|{NO_PCN}", f"a PCN code like U12345, or '{NO_PCN}' (unallocated)"),
        "ccg_code": CCG,
        "ccg_ons_code": CCG_ONS,
        "ccg_name": NOT_BLANK,
        "stp_code": matches(r"[0-9A-Z]{3}", "an STP code: 3 letters or digits, like QHM"),
        "region_code": matches(r"Y\d{2}", "an NHS England region code: Y and 2 digits, like Y56"),
        "region_name": NOT_BLANK,
    }
)


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
        register=to_int(table["register"]),
        list_type=table["list_type"],
        list_size=to_int(table["list_size"]),
    )


def read_practice_ccg(path) -> pd.DataFrame:
    """Read QOF's practice to NHS geographies mapping (MAPPING_NHS_GEOGRAPHIES_1920.csv, or the ZIP).

    Returns one row a practice: practice_code, practice_name, pcn_code, pcn_name, ccg_code, ccg_ons_code,
    ccg_name, stp_code, region_code, region_name. Codes are ODS codes (CCG 00L) except ccg_ons_code, the
    CCG's ONS code (E38000014), kept because the CCG boundary files are keyed by it (the area profiles'
    maps). A practice in no PCN (code 'U', name 'Unallocated') has pcn_code and pcn_name missing.
    CCG codes have 3 characters, or 5 for the CCGs merged in April 2021 (2020-21 on: X2C4Y). practice_name,
    pcn_code, pcn_name and stp_code are used by no analysis: a file without them reads, with them missing.
    """
    rows = open_table(path, member="MAPPING_NHS_GEOGRAPHIES*.csv").select(
        SPELLINGS["practice-ccg"], OPTIONAL["practice-ccg"]
    )
    raise_if_any(
        rows.path,
        rows.schema_problems(MAPPING_SCHEMA) + rows.duplicate_problems("practice_code", "practice code"),
    )
    table = rows.frame
    no_pcn = table["pcn_code"] == NO_PCN
    return tidy(
        table,
        ["practice_code", "practice_name"],
        pcn_code=table["pcn_code"].mask(no_pcn).astype("str"),
        pcn_name=table["pcn_name"].mask(no_pcn).astype("str"),
        ccg_code=table["ccg_code"],
        ccg_ons_code=table["ccg_ons_code"],
        ccg_name=table["ccg_name"],
        stp_code=table["stp_code"],
        region_code=table["region_code"],
        region_name=table["region_name"],
    )
