"""Byte-level conventions shared by the sample's files: CSV dialect, number style, reproducible xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter


def csv_bytes(header, rows) -> bytes:
    # The publishers' CSVs end lines with CRLF and quote only fields that need it.
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def number(value: float) -> str:
    """The payments file's number style: up to two decimals, no trailing zeros (1120, 3470.7, 5018.28)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def write_sheet(workbook, title: str, header: tuple[str, ...], widths, rows) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def reproducible_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an xlsx so that its bytes depend on its contents only.

    openpyxl stamps the save time into docProps/core.xml (`dcterms:modified`) and every zip entry; the
    entries are also re-ordered by name so nothing depends on the writer's internal iteration order
    ([Content_Types].xml still sorts first, where Excel expects it).
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in sorted(source.namelist()):
            content = source.read(name)
            if name == "docProps/core.xml":
                modified = rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)"
                content = re.sub(modified, rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            # ZipInfo records the host OS (0 on Windows, 3 elsewhere) and permissions: fix both.
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=6)
    return out.getvalue()
