"""NHS Digital's ePCN workbook (ODS): PCNs and the core partner practices that make them up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pcnreport.core.errors import DataFormatError
from pcnreport.data.readers._checks import (
    CCG,
    NOT_BLANK,
    PCN,
    PRACTICE,
    SUB_ICB,
    YYYYMMDD,
    YYYYMMDD_OR_BLANK,
    capped,
    raise_if_any,
    repeated,
    row_list,
    text_schema,
)
from pcnreport.data.readers._files import existing_file, open_workbook, read_sheet
from pcnreport.data.readers._headers import CCG_LEVEL, OPTIONAL, SPELLINGS, SUB_ICB_LEVEL, commissioner_level
from pcnreport.data.readers._tables import Rows, tidy, to_dates

# Found ignoring case and spacing: `PCNDetails` since 2022 (`_files.find_sheet`).
PCN_SHEET = "PCN Details"
MEMBER_SHEET = "PCN Core Partner Details"


def _pcn_schema(commissioner):
    return text_schema(
        {
            "pcn_code": PCN,
            "pcn_name": NOT_BLANK,
            "ccg_code": commissioner,
            "ccg_name": NOT_BLANK,
            "open_date": YYYYMMDD,
            "close_date": YYYYMMDD_OR_BLANK,
        }
    )


def _member_schema(commissioner):
    return text_schema(
        {
            "practice_code": PRACTICE,
            "practice_name": NOT_BLANK,
            "practice_ccg_code": commissioner,
            "pcn_code": PCN,
            "pcn_ccg_code": commissioner,
            "start_date": YYYYMMDD,
            "end_date": YYYYMMDD_OR_BLANK,
        }
    )


# The commissioner's code is checked as what the release says it is (a message never calls a sub-ICB
# location a CCG); the two have the same code shapes.
PCN_SCHEMAS = {CCG_LEVEL: _pcn_schema(CCG), SUB_ICB_LEVEL: _pcn_schema(SUB_ICB)}
MEMBER_SCHEMAS = {CCG_LEVEL: _member_schema(CCG), SUB_ICB_LEVEL: _member_schema(SUB_ICB)}


@dataclass(frozen=True)
class Epcn:
    """The ePCN extract: PCNs and the core partner practices that make them up."""

    pcns: pd.DataFrame  # pcn_code, pcn_name, ccg_code, ccg_name, open_date
    # practice_code, practice_name, pcn_code, practice_ccg_code, pcn_ccg_code, start_date
    members: pd.DataFrame
    # What the ccg_* columns hold: "ccg" (clinical commissioning groups, releases to 2022) or "sub-icb"
    # (sub-ICB locations, 2023 on). The column names are kept for compatibility; the level says which.
    commissioner_level: str = CCG_LEVEL


def read_epcn(path, *, as_of: dt.date | str | None = None) -> Epcn:
    """Read NHS Digital's ePCN workbook (sheets `PCN Details` and `PCN Core Partner Details`, names
    compared ignoring case and spaces), or a ZIP archive holding it.

    The commissioner columns (ccg_code, ccg_name, practice_ccg_code, pcn_ccg_code) hold CCGs in releases
    to 2022 and sub-ICB locations from 2023 (`Current Sub ICB Loc Code`, ...): `Epcn.commissioner_level`
    says which ("ccg" or "sub-icb"), and both tables carry it in `attrs["commissioner_level"]`.

    Only current PCNs and relationships are kept. The workbook carries no extract date, so by default
    "current" means no close / end date; pass `as_of` to instead keep those open on that day (started on
    or before it, and not ended or closed by it). A practice may then be in one PCN only.
    """
    path = existing_file(path)
    workbook = open_workbook(path)
    try:
        pcns, pcn_problems = _sheet_rows(path, workbook, PCN_SHEET, "epcn/pcns")
        members, member_problems = _sheet_rows(path, workbook, MEMBER_SHEET, "epcn/members")
    finally:
        workbook.close()
    # Both sheets are reported at once: a user fixing the file should see everything in one go.
    raise_if_any(path, pcn_problems + member_problems)
    level, level_problems = _level(pcns, members)
    raise_if_any(path, level_problems)

    raise_if_any(path, pcns.schema_problems(PCN_SCHEMAS[level]) + members.schema_problems(MEMBER_SCHEMAS[level]))
    raise_if_any(path, pcns.duplicate_problems("pcn_code", "PCN code"))

    pcns = pcns.keep(_current(pcns.frame, "open_date", "close_date", as_of))
    members = members.keep(_current(members.frame, "start_date", "end_date", as_of))
    raise_if_any(path, _membership_problems(pcns, members))

    tables = {
        "pcns": tidy(
            pcns.frame,
            ["pcn_code", "pcn_name", "ccg_code", "ccg_name"],
            open_date=to_dates(pcns["open_date"], "%Y%m%d"),
        ),
        "members": tidy(
            members.frame,
            ["practice_code", "practice_name", "pcn_code", "practice_ccg_code", "pcn_ccg_code"],
            start_date=to_dates(members["start_date"], "%Y%m%d"),
        ),
    }
    for table in tables.values():
        table.attrs["commissioner_level"] = level
    return Epcn(**tables, commissioner_level=level)


def _level(pcns: Rows, members: Rows) -> tuple[str, list[str]]:
    """The commissioner level of the workbook: both sheets must name the same one."""
    pcn_level, problems = commissioner_level("epcn/pcns", pcns.headers, pcns.where[:-2] + ": ")
    member_level, member_problems = commissioner_level("epcn/members", members.headers, members.where[:-2] + ": ")
    problems += member_problems
    if pcn_level and member_level and pcn_level != member_level:
        problems.append(
            f"{pcns.where[:-2]} names {_NAMES[pcn_level]} but {members.where[:-2]} names {_NAMES[member_level]}; "
            "expected the same commissioner level in both sheets"
        )
    return pcn_level or member_level or CCG_LEVEL, problems


_NAMES = {CCG_LEVEL: "CCGs", SUB_ICB_LEVEL: "sub-ICB locations"}


def _sheet_rows(path, workbook, sheet: str, dataset: str) -> tuple[Rows | None, list[str]]:
    try:
        raw = read_sheet(path, workbook, sheet)
    except DataFormatError as error:
        return None, error.problems
    return raw.try_select(SPELLINGS[dataset], OPTIONAL[dataset])


def _membership_problems(pcns: Rows, members: Rows) -> list[str]:
    """Current members must point at a current PCN in PCN Details, and a practice be in one PCN at once."""
    where, table = members.where, members.frame
    unknown = table[~table["pcn_code"].isin(pcns["pcn_code"])]
    problems = capped(
        [
            f"{where}row {row}, column '{members.headers['pcn_code']}': expected a PCN listed (and open) in "
            f"{pcns.where[:-2]}, found '{code}'"
            for row, code in unknown["pcn_code"].items()
        ],
        "rows with a PCN not in the PCN list",
    )
    lines = []
    for practice, group in repeated(table, "practice_code"):
        if group["pcn_code"].nunique() == 1:
            lines.append(
                f"{where}practice '{practice}' is listed more than once in PCN '{group['pcn_code'].iloc[0]}' "
                f"(rows {row_list(group.index)}); expected once"
            )
        else:
            places = " and ".join(f"'{pcn}' (row {row})" for row, pcn in group["pcn_code"].items())
            lines.append(
                f"{where}practice '{practice}' is in two PCNs at once: {places}; "
                "expected one current PCN a practice (an earlier relationship needs an end date)"
            )
    return problems + capped(lines, "practices in more than one PCN")


def _current(table: pd.DataFrame, start: str, end: str, as_of) -> pd.Series:
    if as_of is None:
        return table[end] == ""
    day = pd.Timestamp(as_of)
    started = to_dates(table[start], "%Y%m%d") <= day
    not_ended = (table[end] == "") | (pd.to_datetime(table[end], format="%Y%m%d", errors="coerce") > day)
    return started & not_ended
