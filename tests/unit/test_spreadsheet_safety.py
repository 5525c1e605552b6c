"""The one rule for formula injection: text a spreadsheet would run is made inert, numbers stay numbers."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from expertpool.spreadsheet_safety import append_row, csv_writer, inert_text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ('-1+HYPERLINK("http://evil.example")', '\'-1+HYPERLINK("http://evil.example")'),
        ("+33 2 98 00 00 00", "'+33 2 98 00 00 00"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-4", "-4"),
        ("-2,5", "-2,5"),
        ("-1250.50", "-1250.50"),
        ("Brest", "Brest"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_inert_text(value, written):
    assert inert_text(value) == written


def test_csv_writer_quotes_and_neutralises_every_cell():
    buffer = io.StringIO()
    csv_writer(buffer).writerow(["=1+1", -4, "-2,5", 'a;"b"'])
    assert buffer.getvalue() == '\'=1+1;-4;-2,5;"a;""b"""\r\n'


def test_xlsx_rows_hold_strings_and_numbers_never_formulas():
    workbook = Workbook()
    append_row(workbook.active, ["=1+1", "-1+A1", "Brest", 3, -2.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in cells] == [
        ("=1+1", "s", True),
        ("-1+A1", "s", True),
        ("Brest", "s", False),
        (3, "n", False),
        (-2.5, "n", False),
    ]
