"""The ePCN workbook (NHS Digital ODS): PCNs and their core partner practices."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import openpyxl
import pandas as pd

from pcnreport.data.synth.formats import reproducible_zip, write_sheet
from pcnreport.data.synth.headers import EPCN_MEMBER_HEADER, EPCN_PCN_HEADER  # noqa: F401 (re-exported)
from pcnreport.data.synth.spec import GENERATOR, LATE_OPEN

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

# --- ePCN workbook ----------------------------------------------------------------------------------------

# Column widths of the December 2019 workbook, so the sample looks the same when opened.
EPCN_PCN_WIDTHS = (8.3, 36.1, 15.1, 58.7, 9.2, 5.6, 29.0, 28.3, 20.3, 13.1, 18.1, 9.2)
EPCN_MEMBER_WIDTHS = (11.7, 43.2, 9.6, 58.7, 8.9, 24.0, 9.6, 58.7, 14.0, 14.0, 12.1)


def _epcn_workbook(pcns: pd.DataFrame, practices: pd.DataFrame, vintage: Vintage) -> bytes:
    """The workbook as ODS published it in `vintage`'s era: its sheet names, header rows and cell types."""
    # A normal (not write-only) workbook: it stores text as shared strings and records each sheet's
    # dimension, as Excel does; write-only mode would inline every string. Both take about a second.
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    pcn_sheet, member_sheet = vintage.epcn_sheets
    text = vintage.epcn_text_cells
    write_sheet(workbook, pcn_sheet, vintage.epcn_pcn_header, EPCN_PCN_WIDTHS, _pcn_rows(pcns, practices, text))
    write_sheet(
        workbook, member_sheet, vintage.epcn_member_header, EPCN_MEMBER_WIDTHS, _member_rows(practices, pcn_sheet, text)
    )
    fixed = dt.datetime.combine(vintage.extract_day, dt.time())
    workbook.properties.creator = GENERATOR
    workbook.properties.title = "SYNTHETIC ePCN sample: not real data"
    workbook.properties.created = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue(), fixed)


def _pcn_rows(pcns: pd.DataFrame, practices: pd.DataFrame, text: bool):
    # A PCN's address is its lead (largest) practice's, as in the real file; blank lines stay empty cells.
    # From 2022 ODS writes every cell as text, dates included (its empty strings read back as empty cells).
    lead = practices[practices["pcn"] >= 0].drop_duplicates("pcn").set_index("pcn").loc[pcns.index]
    for i, (code, name, ccg_code, ccg_name, opened, ccg, lead_name, postcode) in enumerate(
        zip(pcns["code"], pcns["name"], lead["pcn_ccg_code"], lead["pcn_ccg_name"], pcns["open_date"],
            pcns["ccg"], lead["name"], lead["postcode"])
    ):  # fmt: skip
        street, town = f"{i % 97 + 1} SYNTHETIC ROAD", f"SYNTHETIC TOWN {ccg + 1:03d}"
        opened = str(int(opened)) if text else int(opened)
        yield (code, name, ccg_code, ccg_name, opened, None, lead_name, street, None, town, None, postcode)


def _member_rows(practices: pd.DataFrame, pcn_sheet: str, text: bool):
    # Sorted by practice code, like the real sheet. To 2019 the PCN name and the match column are formulas,
    # written without a cached value, as any program other than Excel saves them: readers must not rely on
    # them. From 2022 they are values (the name, and TRUE / FALSE), the dates text.
    members = practices[practices["pcn"] >= 0].sort_values("code")
    columns = ["code", "name", "ccg_code", "ccg_name", "pcn_code", "pcn_name", "pcn_ccg_code", "pcn_ccg_name", "pcn_open"]
    for k, (code, name, ccg_code, ccg_name, pcn_code, pcn_name, pcn_ccg_code, pcn_ccg_name, opened) in enumerate(
        zip(*(members[c].tolist() for c in columns)), start=2
    ):
        # One membership in 1,000 started late (a practice that joined after its PCN opened).
        start = LATE_OPEN if k % 1_000 == 500 else int(opened)
        if text:
            yield (
                code, name, ccg_code, ccg_name, pcn_code, pcn_name, pcn_ccg_code, pcn_ccg_name, str(start), None,
                pcn_ccg_code == ccg_code,
            )  # fmt: skip
        else:
            yield (
                code, name, ccg_code, ccg_name, pcn_code, f"=VLOOKUP(E{k},'{pcn_sheet}'!A:B,2,FALSE)",
                pcn_ccg_code, pcn_ccg_name, start, None, f"=G{k}=C{k}",
            )  # fmt: skip
