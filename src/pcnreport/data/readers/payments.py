"""NHS Digital's "NHS Payments to General Practice, England": one row a practice, a year a file."""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import (
    CCG,
    MAX_LIST_SIZE,
    MAX_WEIGHTED_RATIO,
    MIN_WEIGHTED_RATIO,
    NOT_BLANK,
    NUMBER_OR_BLANK,
    PCN_CODE,
    PRACTICE,
    at_most,
    matches,
    numbers_in,
    raise_if_any,
    row_check,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import OPTIONAL, SPELLINGS
from pcnreport.data.readers._tables import tidy, to_numbers

# The payments file writes this instead of a PCN code (and name) for practices outside any PCN.
NO_PCN = "Unknown or no PCN"
# ... and this for a practice whose rurality is not known, in any case ('MISSING' in 2019-20, 'Missing' in
# 2020-21).
NO_RURALITY = "MISSING"

PATIENTS_AT_MOST = at_most(MAX_LIST_SIZE, f"at most {MAX_LIST_SIZE:,} patients, or blank")


def _weighted_near_registered(frame: pd.DataFrame) -> pd.Series:
    # Judged where both figures are given and the practice had patients; a practice that closed during
    # the year has 0 and 0. Registered 0 with a weighted list is not plausible (ratio infinite).
    registered, weighted = numbers_in(frame["registered_patients"]), numbers_in(frame["weighted_patients"])
    ratio = weighted / registered.where(registered > 0)
    both_zero = (registered == 0) & (weighted == 0)
    unknown = registered.isna() | weighted.isna()
    return unknown | both_zero | ratio.between(MIN_WEIGHTED_RATIO, MAX_WEIGHTED_RATIO)


PAYMENTS_SCHEMA = text_schema(
    {
        "region_code": NOT_BLANK,
        "ccg_code": CCG,
        "pcn_code": matches(
            f"{PCN_CODE}|{NO_PCN}", f"a PCN code like U12345, '{NO_PCN}' or blank", blank_ok=True
        ),
        "practice_code": PRACTICE,
        "registered_patients": [NUMBER_OR_BLANK, PATIENTS_AT_MOST],
        "weighted_patients": [NUMBER_OR_BLANK, PATIENTS_AT_MOST],
    },
    rows=[
        row_check(
            "weighted_patients", ["registered_patients"], _weighted_near_registered,
            f"a weighted list between {MIN_WEIGHTED_RATIO:g} and {MAX_WEIGHTED_RATIO:g} times the registered "
            "patients",
        )
    ],
)


def read_payments(path) -> pd.DataFrame:
    """Read NHS Digital's "NHS Payments to General Practice" CSV (or a ZIP archive holding it): one row a
    practice.

    Returns region_code, region_name, ccg_code, ccg_name, pcn_code, pcn_name, practice_code,
    practice_name, practice_rurality, registered_patients, weighted_patients. The publisher's placeholders
    become missing values: pcn_code and pcn_name 'Unknown or no PCN', practice_rurality 'MISSING' (in any
    case).
    Both patient counts are Float64: the publisher's registered figure has a fractional part for most
    practices (9023.5; 5,148 of 7,001 rows in 2019-20), which Int64 would have to round away.
    Only practice_code and the two counts are required: the analysis uses no other column, so a file
    lacking one reads, with that column missing. A UTF-8 byte-order mark (2020-21 on) is ignored.
    """
    rows = open_table(path).select(SPELLINGS["payments"], OPTIONAL["payments"])
    raise_if_any(
        rows.path,
        rows.schema_problems(PAYMENTS_SCHEMA) + rows.duplicate_problems("practice_code", "practice code"),
    )
    table = rows.frame
    no_pcn = table["pcn_code"].isin([NO_PCN, ""])
    return tidy(
        table,
        ["region_code", "region_name", "ccg_code", "ccg_name"],
        pcn_code=table["pcn_code"].mask(no_pcn).astype("str"),
        pcn_name=table["pcn_name"].mask(no_pcn | (table["pcn_name"] == NO_PCN)).astype("str"),
        practice_code=table["practice_code"],
        practice_name=table["practice_name"],
        practice_rurality=table["practice_rurality"]
        .mask(table["practice_rurality"].str.upper().isin([NO_RURALITY, ""]))
        .astype("str"),
        registered_patients=to_numbers(table["registered_patients"]),
        weighted_patients=to_numbers(table["weighted_patients"]),
    )


def list_sizes_from_payments(payments: pd.DataFrame) -> pd.DataFrame:
    """Registered patients (last known figure) of NHS Payments as a list-size table.

    The publisher gives many practices a fractional count (e.g. 9023.5, an average over the
    year's payment quarters); they are kept as they are and PCN totals rounded once, at the end.
    """
    table = payments[["practice_code", "registered_patients"]].dropna()
    return table.rename(columns={"registered_patients": "list_size"}).astype({"list_size": "float64"})
