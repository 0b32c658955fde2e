"""GP federations and super-practices: research data supplied by the team (Forbes et al. 2019), not public.

No publisher defines the format, so it is the project's own (data/catalogue.yaml): a UTF-8 CSV, one row a
practice in a venture, columns practice_code, venture_id, venture_name, venture_type. A practice may be
in one federation and one super-practice at once, but not in two ventures of the same type.
"""

from __future__ import annotations

import pandas as pd

from pcnreport.data.readers._checks import (
    NOT_BLANK,
    PRACTICE,
    capped,
    one_of,
    raise_if_any,
    repeated,
    text_schema,
)
from pcnreport.data.readers._files import open_table
from pcnreport.data.readers._headers import SPELLINGS
from pcnreport.data.readers._tables import Rows, tidy

VENTURE_TYPES = ("federation", "super-practice")
SCHEMA = text_schema(
    {
        "practice_code": PRACTICE,
        "venture_id": NOT_BLANK,
        "venture_name": NOT_BLANK,
        "venture_type": one_of(VENTURE_TYPES, "'federation' or 'super-practice'"),
    }
)


def read_federations(path) -> pd.DataFrame:
    """Read the team's federations file. Returns one row a practice in a venture: practice_code,
    venture_id, venture_name, venture_type ('federation' or 'super-practice'), in file order."""
    rows = open_table(path).select(SPELLINGS["federations"])
    raise_if_any(
        rows.path,
        rows.schema_problems(SCHEMA)
        + rows.duplicate_problems(["practice_code", "venture_id"], "practice and venture"),
    )
    raise_if_any(rows.path, _venture_problems(rows) + _membership_problems(rows))
    return tidy(rows.frame, ["practice_code", "venture_id", "venture_name", "venture_type"])


def _venture_problems(rows: Rows) -> list[str]:
    """A venture's id stands for one venture: every row of it gives the same name and type."""
    lines = []
    for column, what in (("venture_name", "names"), ("venture_type", "types")):
        firsts = rows.frame.drop_duplicates(["venture_id", column])
        for venture, group in repeated(firsts, "venture_id"):
            places = " and ".join(f"'{value}' (row {row})" for row, value in group[column].items())
            lines.append(
                f"{rows.where}column '{rows.headers[column]}': venture '{venture}' has two {what}: {places}; "
                "expected the same on every row of a venture"
            )
    return capped(lines, "ventures with inconsistent rows")


def _membership_problems(rows: Rows) -> list[str]:
    lines = []
    table = rows.frame
    for (practice, kind), group in repeated(table, ["practice_code", "venture_type"]):
        places = " and ".join(
            f"'{venture}' (row {row})" for row, venture in group["venture_id"].items()
        )
        lines.append(
            f"{rows.where}practice '{practice}' is in two {kind}s: {places}; "
            "expected at most one federation and one super-practice a practice"
        )
    return capped(lines, "practices in two ventures of one type")
