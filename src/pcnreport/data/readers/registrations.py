"""NHS Digital's "Patients Registered at a GP Practice": all persons, 5-year age bands, and by LSOA.

The publication is monthly, one CSV a breakdown, each also published zipped. The by-LSOA file is the
largest input the project reads (about 800,000 rows nationally), so its checks are whole-column
operations: no Python loop runs over rows unless a row has a problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pcnreport.data.readers._checks import (
    CCG,
    MAX_LIST_SIZE,
    PRACTICE,
    WHOLE_NUMBER,
    at_most,
    capped,
    date_check,
    matches,
    not_in_future,
    one_of,
    raise_if_any,
    same_date_on_every_row,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import OPTIONAL, SPELLINGS, has_column, headers_listed
from pcnreport.data.readers._tables import Rows, tidy, to_dates, to_int

# EXTRACT_DATE: like 01JAN2021 in the releases the interim report used, ISO (2026-06-01) in June 2026's.
EXTRACT_DATE_FORMATS = ("%d%b%Y", "%Y-%m-%d")
# A monthly extract is taken on one day: every row carries the same EXTRACT_DATE (a file mixing two is two
# releases spliced together), and that day has passed.
EXTRACT_DATE_CHECKS = [
    date_check(EXTRACT_DATE_FORMATS, "a date like 01JAN2021 or 2021-01-01"),
    same_date_on_every_row(EXTRACT_DATE_FORMATS, "the extract date of the file's other rows (one extract a file)"),
    not_in_future(EXTRACT_DATE_FORMATS, "an extract date no later than today"),
]
# Any count of patients (a practice's list, or its patients in one band or small area) is at most the
# largest list a practice could have (`_checks.MAX_LIST_SIZE`).
PATIENTS = [WHOLE_NUMBER, at_most(MAX_LIST_SIZE, f"at most {MAX_LIST_SIZE:,} patients (a practice's list)")]
REGISTRATIONS_SCHEMA = text_schema(
    {
        "extract_date": EXTRACT_DATE_CHECKS,
        "ccg_code": CCG,
        "practice_code": PRACTICE,
        "list_size": PATIENTS,
    }
)

# Patients without a small area: NHS Digital writes NO2011 (2011-LSOA releases) for a postcode that maps
# to no LSOA; releases coded by 2021 LSOAs write CLOSED, EMPTY or L99999 instead. Such rows are kept, with
# lsoa_code missing and the publisher's word in `unassigned`, so a practice's rows still add up to its list
# and the report can say how many patients had no area. English practices also have patients living in
# Wales (W01), and in the 2021 releases in Scotland (S01 data zones) and Northern Ireland (N21 super data
# zones): valid here, unlike in the geography tables, and reported as outside England.
NO_LSOA = "NO2011"
NO_AREA = (NO_LSOA, "CLOSED", "EMPTY", "L99999")
LSOA_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "lsoa_code": matches(
            r"[EWS]01\d{6}|N21\d{6}|" + "|".join(NO_AREA),
            "an LSOA code: E01 (or W01, S01, N21) and 6 digits, like E01000001, or one of "
            + ", ".join(f"'{value}'" for value in NO_AREA),
        ),
        "patients": PATIENTS,
    }
)

# 5-year bands: 0_4, 5_9, ..., 90_94, 95+, and ALL for the practice's whole list.
ALL = "ALL"
BANDS_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "sex": one_of(["ALL", "MALE", "FEMALE"], "ALL, MALE or FEMALE"),
        "age_group": matches(r"ALL|\d+_\d+|\d+\+", "an age band like 0_4, 65_69 or 95+, or ALL"),
        "patients": PATIENTS,
    }
)
AGED_65_PLUS_FROM = 65


def _whole_or_near(expected: str) -> pa.Check:
    # The third-party wide file writes 0 as 0.0000001 for one practice (Y05412 in the copy the project
    # tests with), apparently to avoid dividing by zero in its 65OV% column: a number within a millionth of
    # a whole number is taken as that number; anything else fractional is a problem.
    def valid(s: pd.Series) -> pd.Series:
        number = pd.to_numeric(s.where(s.str.fullmatch(r"\d+(?:\.\d+)?"), None), errors="coerce")
        return number.notna() & ((number - number.round()).abs() < 1e-6)

    return pa.Check(valid, error=expected)


WIDE_SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "list_size": [_whole_or_near("a whole number >= 0"), PATIENTS[1]],
        "aged_65_plus": [_whole_or_near("a whole number >= 0"), PATIENTS[1]],
    }
)


def read_registrations(path) -> pd.DataFrame:
    """Read NHS Digital's "Patients Registered at a GP Practice" all-persons file (gp-reg-pat-prac-all.csv,
    or the ZIP archive holding it).

    Keeps practices' all-persons rows (TYPE 'GP', SEX 'ALL', AGE 'ALL'). Returns one row a practice:
    practice_code, ccg_code, postcode, extract_date (datetime64), list_size (int64). EXTRACT_DATE is read
    as 01JAN2021 or as 2021-01-01 (later releases).

    The analysis uses practice_code and list_size only, so CCG_CODE, POSTCODE and EXTRACT_DATE are not
    required: a column the file lacks is missing in the table. Releases from July 2022 have sub-ICB
    location columns (SUB_ICB_LOCATION_CODE) in place of CCG_CODE; a sub-ICB location is not a CCG, so
    it is not read as one, and ccg_code is missing for those releases.
    """
    rows = open_table(path).select(SPELLINGS["registrations"], OPTIONAL["registrations"])
    rows = rows.keep((rows["type"] == "GP") & (rows["sex"] == "ALL") & (rows["age"] == "ALL"))
    if rows.frame.empty:
        raise_if_any(rows.path, ["no practice rows: expected rows with TYPE 'GP', SEX 'ALL' and AGE 'ALL'"])
    raise_if_any(
        rows.path,
        rows.schema_problems(REGISTRATIONS_SCHEMA) + rows.duplicate_problems("practice_code", "practice code"),
    )
    table = rows.frame
    return tidy(
        table,
        ["practice_code", "ccg_code"],
        postcode=table["postcode"].replace("", pd.NA).astype("str"),
        extract_date=to_dates(table["extract_date"], EXTRACT_DATE_FORMATS),
        list_size=to_int(table["list_size"]),
    )


def read_registrations_lsoa(path) -> pd.DataFrame:
    """Read NHS Digital's practice-by-LSOA registrations (gp-reg-pat-prac-lsoa-all.csv, or its ZIP).

    Keeps the all-persons rows (SEX 'ALL'). Returns one row a practice and LSOA: practice_code, lsoa_code,
    patients (int64), unassigned. Every patient is kept, so a practice's rows add up to its list: lsoa_code
    is an English (E01) or Welsh (W01) LSOA, a Scottish data zone (S01) or Northern Irish super data zone
    (N21), or missing where the publisher wrote NO2011, CLOSED, EMPTY or L99999 (no area); `unassigned`
    holds that word on those rows and is missing elsewhere. The LSOAs are 2011's in releases to 2022 and
    2021's later; the file does not say which, except that NO2011 marks a 2011-coded release
    (attrs["lsoa_vintage"] "2011", else None: `pcnreport.analysis.small_areas` tells the rest from the
    codes). The count column is accepted as NUMBER_OF_PATIENTS, `Number of Patients` or R's
    `Number.of.Patients`; an unnamed leading index column (R's re-save) is ignored.
    """
    rows = open_table(path).select(SPELLINGS["registrations-lsoa"])
    rows = rows.keep(rows["sex"] == "ALL")
    if rows.frame.empty:
        raise_if_any(rows.path, [f"no all-persons rows: expected rows with {rows.headers['sex']} 'ALL'"])
    raise_if_any(
        rows.path,
        rows.schema_problems(LSOA_SCHEMA)
        + rows.duplicate_problems(["practice_code", "lsoa_code"], "practice and LSOA"),
    )
    table = rows.frame
    no_area = table["lsoa_code"].isin(NO_AREA)
    out = tidy(
        table,
        ["practice_code"],
        lsoa_code=table["lsoa_code"].mask(no_area).astype("str"),
        patients=to_int(table["patients"]),
        unassigned=table["lsoa_code"].where(no_area).astype("str"),
    )
    out.attrs["lsoa_vintage"] = "2011" if (table["lsoa_code"] == NO_LSOA).any() else None
    return out


def read_registrations_age(path) -> pd.DataFrame:
    """Read practice list sizes with the number aged 65 and over. Returns one row a practice:
    practice_code, list_size (int64), aged_65_plus (int64). Two formats are read, told apart by header:

    - NHS Digital's 5-year age bands by sex (gp-reg-pat-prac-quin-age.csv: PUBLICATION, EXTRACT_DATE,
      ORG_TYPE, ORG_CODE, ONS_CODE, POSTCODE, SEX, AGE_GROUP_5, NUMBER_OF_PATIENTS), one file for every
      level of organisation: practice rows are ORG_TYPE 'GP'. SEX 'ALL' rows are used, or MALE and FEMALE
      added where a file has no ALL rows. aged_65_plus adds the bands from 65_69 up (to 95+); list_size is
      the AGE_GROUP_5 'ALL' row, or the sum of the bands where a file has no ALL rows.
    - A third party's wide file derived from it (age/gp-by-age.csv: PRACTICE_CODE, TOTAL, ..., 65OV, 65OV%):
      list_size is TOTAL and aged_65_plus 65OV.
    """
    raw = open_table(path)
    if has_column(raw.header, SPELLINGS["registrations-age/bands"]["age_group"]):
        return _age_from_bands(raw.select(SPELLINGS["registrations-age/bands"]))
    if has_column(raw.header, SPELLINGS["registrations-age/wide"]["aged_65_plus"]):
        return _age_from_wide(raw.select(SPELLINGS["registrations-age/wide"]))
    expected = " or ".join(
        "; ".join(f"'{spellings[0]}'" for spellings in SPELLINGS[part].values())
        for part in ("registrations-age/bands", "registrations-age/wide")
    )
    found = headers_listed(raw.header)
    raise_if_any(
        raw.path,
        [f"{raw.where}not a registrations-by-age file: expected columns {expected} (found: {found})"],
    )


def _age_from_bands(rows: Rows) -> pd.DataFrame:
    rows = rows.keep(rows["org_type"] == "GP")
    if rows.frame.empty:
        raise_if_any(rows.path, [f"no practice rows: expected rows with {rows.headers['org_type']} 'GP'"])
    raise_if_any(
        rows.path,
        rows.schema_problems(BANDS_SCHEMA)
        + rows.duplicate_problems(["practice_code", "sex", "age_group"], "practice, sex and age band"),
    )
    table = rows.frame
    patients = table["patients"].astype("int64")
    is_total = table["age_group"] == ALL
    all_sexes = table["sex"] == ALL
    practices = pd.Index(table["practice_code"].unique(), name="practice_code")

    # Totals and bands are chosen separately, per file: NHS Digital's file gives each practice an
    # ALL/ALL total but its age bands only by MALE and FEMALE, so the bands are added across sexes
    # unless the file also publishes ALL-sex bands.
    bands = ~is_total & (all_sexes if (all_sexes & ~is_total).any() else ~all_sexes)
    lower = pd.to_numeric(table["age_group"].str.extract(r"^(\d+)", expand=False), errors="coerce")
    older = bands & (lower >= AGED_65_PLUS_FROM).to_numpy()
    aged = patients[older].groupby(table.loc[older, "practice_code"]).sum().reindex(practices, fill_value=0)
    totals = is_total & all_sexes
    source = totals if totals.any() else bands
    sizes = patients[source].groupby(table.loc[source, "practice_code"]).sum().reindex(practices)

    problems = [
        f"{rows.where}practice '{code}' has no {rows.headers['age_group']} 'ALL' row: expected one a practice"
        for code in sizes.index[sizes.isna()]
    ]
    raise_if_any(rows.path, capped(problems, "practices without a total"))
    out = pd.DataFrame(
        {
            "practice_code": practices.astype("str"),
            "list_size": sizes.astype("int64").to_numpy(),
            "aged_65_plus": aged.astype("int64").to_numpy(),
        }
    )
    raise_if_any(rows.path, _more_old_than_all(out, rows.where))
    return out


def _age_from_wide(rows: Rows) -> pd.DataFrame:
    raise_if_any(
        rows.path,
        rows.schema_problems(WIDE_SCHEMA) + rows.duplicate_problems("practice_code", "practice code"),
    )
    table = rows.frame
    out = tidy(
        table,
        ["practice_code"],
        list_size=pd.to_numeric(table["list_size"]).round().astype("int64"),
        aged_65_plus=pd.to_numeric(table["aged_65_plus"]).round().astype("int64"),
    )
    raise_if_any(rows.path, _more_old_than_all(out, rows.where, table.index))
    return out


def _more_old_than_all(out: pd.DataFrame, where: str, rows=None) -> list[str]:
    bad = np.flatnonzero((out["aged_65_plus"] > out["list_size"]).to_numpy())
    return capped(
        [
            f"{where}{'' if rows is None else f'row {rows[i]}, '}practice '{out['practice_code'].iloc[i]}': "
            f"expected no more patients aged 65 and over ({out['aged_65_plus'].iloc[i]}) than on the list "
            f"({out['list_size'].iloc[i]})"
            for i in bad
        ],
        "practices with more patients aged 65 and over than on the list",
    )
