"""NHS Digital's practice mapping from "Patients Registered at a GP Practice" (gp-reg-pat-prac-map.csv):
one row a practice with its PCN, commissioner, STP or ICB and NHS England region, published monthly.

The commissioner changed with the NHS's geography: to June 2022 a clinical commissioning group (CCG_CODE,
ONS_CCG_CODE, CCG_NAME, within an STP: STP_CODE ...), from July 2022 a sub-ICB location
(SUB_ICB_LOCATION_CODE, ONS_SUB_ICB_LOCATION_CODE, SUB_ICB_LOCATION_NAME, within an Integrated Care Board:
ICB_CODE ...). The table's columns have neutral names (commissioner_code, icb_or_stp_code, ...) and its
`commissioner_level` column says which level the file has, so a sub-ICB location is never read as a CCG.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import (
    NOT_BLANK,
    PCN_CODE,
    PRACTICE,
    date_check,
    matches,
    raise_if_any,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import OPTIONAL, SPELLINGS, headers_listed, normalised
from pcnreport.data.readers._tables import Rows, tidy, to_dates
from pcnreport.data.readers.registrations import EXTRACT_DATE_CHECKS, EXTRACT_DATE_FORMATS

CCG, SUB_ICB = "ccg", "sub-icb"  # the values of `commissioner_level`
# Each commissioner column's spellings are listed CCG era first, sub-ICB era second (`_headers.SPELLINGS`).
_LEVEL_OF_SPELLING = (CCG, SUB_ICB)
_COMMISSIONER = ("commissioner_code", "commissioner_ons_code", "commissioner_name")
_ICB_OR_STP = ("icb_or_stp_code", "icb_or_stp_ons_code", "icb_or_stp_name")

# The mapping writes PCN code 'U' (name 'Unallocated') for a practice in no PCN: 68 practices in January 2022.
NO_PCN = "U"
SCHEMA = text_schema(
    {
        # One extract a file, taken on a day that has passed (as the registrations' own files).
        "extract_date": [
            date_check(EXTRACT_DATE_FORMATS, "a date like 01Jan2022 or 2022-01-01"), *EXTRACT_DATE_CHECKS[1:]
        ],
        "practice_code": PRACTICE,
        "pcn_code": matches(f"{PCN_CODE}|{NO_PCN}", f"a PCN code like U12345, or '{NO_PCN}' (unallocated)"),
        # Sub-ICB locations kept their CCGs' codes (16C, or five characters such as X2C4Y) and ONS codes (E38).
        "commissioner_code": matches(
            r"[0-9A-Z]{3}|[0-9A-Z]{5}", "a CCG or sub-ICB location code: 3 or 5 letters or digits, like 00L"
        ),
        "commissioner_ons_code": matches(r"E38\d{6}", "an ONS code of a CCG or sub-ICB location: E38 and 6 digits"),
        "commissioner_name": NOT_BLANK,
        "icb_or_stp_code": matches(r"[0-9A-Z]{3}", "an ICB or STP code: 3 letters or digits, like QHM"),
        "icb_or_stp_ons_code": matches(r"E54\d{6}", "an ONS code of an ICB or STP: E54 and 6 digits"),
        "icb_or_stp_name": NOT_BLANK,
        "region_code": matches(r"Y\d{2}", "an NHS England region code: Y and 2 digits, like Y56"),
        "region_ons_code": matches(r"E40\d{6}", "an ONS code of an NHS England region: E40 and 6 digits"),
        "region_name": NOT_BLANK,
    }
)


def read_practice_map(path) -> pd.DataFrame:
    """Read the monthly practice mapping (gp-reg-pat-prac-map.csv, or a ZIP archive holding it).

    Returns one row a practice: practice_code, practice_name, practice_postcode, pcn_code, pcn_name,
    commissioner_level ('ccg' to June 2022, 'sub-icb' from July 2022: the same for every row),
    commissioner_code (ODS, 00L), commissioner_ons_code (E38...), commissioner_name, icb_or_stp_code (an STP
    in CCG-era files, an ICB after: ODS, QHM), icb_or_stp_ons_code (E54...), icb_or_stp_name, region_code
    (Y63), region_ons_code (E40...), region_name, extract_date (datetime64). A practice in no PCN (code 'U',
    name 'Unallocated') has pcn_code and pcn_name missing. Optional columns (`_headers.OPTIONAL`) a file
    lacks are missing; other columns (PUBLICATION, SUPPLIER_NAME from 2025) are not read.
    """
    rows = open_table(path, member="gp-reg-pat-prac-map*.csv").select(
        SPELLINGS["registrations-map"], OPTIONAL["registrations-map"]
    )
    level, problems = commissioner_level(rows)
    raise_if_any(rows.path, problems)
    raise_if_any(
        rows.path, rows.schema_problems(SCHEMA) + rows.duplicate_problems("practice_code", "practice code")
    )
    table = rows.frame
    no_pcn = table["pcn_code"] == NO_PCN
    return tidy(
        table,
        ["practice_code", "practice_name", "practice_postcode"],
        pcn_code=table["pcn_code"].mask(no_pcn).astype("str"),
        pcn_name=table["pcn_name"].mask(no_pcn).astype("str"),
        commissioner_level=pd.Series(level, index=table.index, dtype="str"),
        commissioner_code=table["commissioner_code"],
        commissioner_ons_code=table["commissioner_ons_code"],
        commissioner_name=table["commissioner_name"],
        icb_or_stp_code=table["icb_or_stp_code"],
        icb_or_stp_ons_code=table["icb_or_stp_ons_code"],
        icb_or_stp_name=table["icb_or_stp_name"],
        region_code=table["region_code"],
        region_ons_code=table["region_ons_code"],
        region_name=table["region_name"],
        extract_date=to_dates(table["extract_date"], EXTRACT_DATE_FORMATS),
    )


def commissioner_level(rows: Rows) -> tuple[str | None, list[str]]:
    """'ccg' or 'sub-icb', from the spellings of the commissioner columns the file has; a file mixing the
    two eras' commissioner columns, or its ICB/STP columns, is a problem (its codes would not be comparable)."""
    problems = []
    levels = {}
    for group in (_COMMISSIONER, _ICB_OR_STP):
        found = {column: _level(column, rows.headers[column]) for column in group if column in rows.headers}
        if len(set(found.values())) > 1:
            listed = headers_listed(rows.headers[column] for column in found)
            problems.append(
                f"{rows.where}the columns {listed} mix the CCG era's names (to June 2022: CCG, STP) and the "
                "sub-ICB era's (from July 2022: SUB_ICB_LOCATION, ICB); expected one era throughout"
            )
        levels.update(found)
    commissioner = {levels[column] for column in _COMMISSIONER if column in levels}
    return (commissioner.pop() if len(commissioner) == 1 and not problems else None), problems


def _level(column: str, header: str) -> str:
    spellings = [normalised(s) for s in SPELLINGS["registrations-map"][column]]
    return _LEVEL_OF_SPELLING[spellings.index(normalised(header))]


def as_practice_ccg(practice_map: pd.DataFrame) -> pd.DataFrame:
    """The mapping in `qof.read_practice_ccg`'s shape, so either file can give the practice -> commissioner
    link: ccg_* hold the commissioner (a CCG, or a sub-ICB location), icb_* the ICB in the sub-ICB era
    and stp_code the STP in the CCG era (each missing in the other era, as in QOF's mappings), and
    `attrs["commissioner_level"]` the level. The STP's and ICB's ONS and ODS codes are both E54/3-letter
    codes, so only the era decides which columns they fill."""
    levels = practice_map["commissioner_level"].unique()
    if len(levels) > 1:  # read_practice_map writes one level a file: a table mixing files is a caller's bug
        raise ValueError(f"the practice mapping mixes commissioner levels {sorted(levels)}: expected one")
    level = levels[0] if len(levels) else CCG
    sub_icb = level == SUB_ICB
    missing = pd.Series(pd.NA, index=practice_map.index, dtype="string")
    table = pd.DataFrame({
        "practice_code": practice_map["practice_code"],
        "practice_name": practice_map["practice_name"],
        "pcn_code": practice_map["pcn_code"],
        "pcn_name": practice_map["pcn_name"],
        "ccg_code": practice_map["commissioner_code"],
        "ccg_ons_code": practice_map["commissioner_ons_code"],
        "ccg_name": practice_map["commissioner_name"],
        "stp_code": missing if sub_icb else practice_map["icb_or_stp_code"],
        "icb_code": practice_map["icb_or_stp_code"] if sub_icb else missing,
        "icb_ons_code": practice_map["icb_or_stp_ons_code"] if sub_icb else missing,
        "icb_name": practice_map["icb_or_stp_name"] if sub_icb else missing,
        "region_code": practice_map["region_code"],
        "region_name": practice_map["region_name"],
    })
    table.attrs["commissioner_level"] = level
    return table
