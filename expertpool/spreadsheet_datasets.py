"""Typed datasets written as CSV for French Excel and as XLSX: every export of the app that is a table.

A dataset is a list of typed columns and rows of raw values (half-days, cents, dates); only the writer
decides how they look, so the CSV and the XLSX of a dataset always hold the same numbers. Every cell goes
through `spreadsheet_safety` (no text cell runs as a formula). The coordinator's exports (`reports/`) and
a scenario's comparison (`scenarios/`) build datasets; this module writes them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from expertpool.i18n import days_decimal
from expertpool.spreadsheet_safety import append_row, csv_writer
from expertpool.timeutil import to_paris

# Column kinds: how a raw value is turned into text (CSV) or a typed cell (XLSX).
TEXT, INT, DAYS, MONEY = "text", "int", "days", "money"
DATE, DATETIME, PERCENT = "date", "datetime", "percent"
XLSX_FORMATS = {DAYS: "0.0", MONEY: '#,##0.00 "€"', DATE: "dd/mm/yyyy", DATETIME: "dd/mm/yyyy hh:mm", PERCENT: "0.0 %"}
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: str = TEXT


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    columns: list[Column]
    rows: list[tuple]


# --- value conversion ------------------------------------------------------------------------------


def french_decimal(value: Decimal, places: int) -> str:
    """'2,5' or '1250,50': a decimal comma, no thousands separator: French Excel reads a number."""
    quantum = Decimal(1).scaleb(-places)
    return format(value.quantize(quantum), "f").replace(".", ",")


def euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


def csv_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == DAYS:
        return french_decimal(days_decimal(value), 1)
    if kind == MONEY:
        return french_decimal(euros(value), 2)
    if kind == PERCENT:
        return french_decimal(Decimal(str(round(value * 100, 1))), 1)
    if kind == DATE:
        return value.strftime("%d/%m/%Y")
    if kind == DATETIME:
        return to_paris(value).strftime("%d/%m/%Y %H:%M")
    return str(value)


def xlsx_value(value, kind: str):
    if value is None:
        return None
    if kind == DAYS:
        return float(days_decimal(value))
    if kind == MONEY:
        return float(euros(value))
    if kind == DATETIME:
        return to_paris(value).replace(tzinfo=None)  # Excel has no time zones: Paris wall-clock time
    return value


# --- writers ---------------------------------------------------------------------------------------


def to_csv(dataset: Dataset) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([c.title for c in dataset.columns])
    for row in dataset.rows:
        writer.writerow([csv_text(v, c.kind) for v, c in zip(row, dataset.columns, strict=True)])
    # The BOM tells Excel the file is UTF-8: without it the accents come out garbled.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(dataset: Dataset) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = dataset.name[:31]
    append_row(sheet, [c.title for c in dataset.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in dataset.rows:
        append_row(sheet, [xlsx_value(v, c.kind) for v, c in zip(row, dataset.columns, strict=True)])
    for index, column in enumerate(dataset.columns, start=1):
        number_format = XLSX_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(dataset: Dataset, fmt: str) -> tuple[bytes, str]:
    if fmt == "xlsx":
        return to_xlsx(dataset), XLSX_MIMETYPE
    return to_csv(dataset), CSV_MIMETYPE
