"""Reading a CSV file: what makes a file unreadable is one clear error (no ORM needed)."""

from __future__ import annotations

import pytest

from panorama.imports import csvfile
from panorama.imports.csvfile import CsvFileError, read_table


def test_utf8_with_or_without_bom_and_any_usual_separator():
    for data in (
        b"name,domain\nAcme,acme.com\n",
        b"\xef\xbb\xbfname;domain\r\nAcme;acme.com\r\n",
        b"name\tdomain\nAcme\tacme.com\n",
    ):
        table = read_table(data)
        assert table.header == ["name", "domain"]
        assert [(r.number, r.cells) for r in table.rows] == [(2, ["Acme", "acme.com"])]


def test_row_numbers_are_a_spreadsheet_s_and_quoted_newlines_stay_in_their_cell():
    table = read_table(b'name,description\nA,"two\nlines"\n\nB,x\n')
    assert [(r.number, r.cells[0]) for r in table.rows] == [(2, "A"), (4, "B")]
    assert table.rows[0].cells[1] == "two\nlines"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"name,domain\n", "The file has a header but no rows to import."),
        (b"name,domain\n\n,\n", "The file has a header but no rows to import."),
        ("name\nSoci\u00e9t\u00e9\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 on line 2)"),
        ("name\nA\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"%PDF-1.7", "a PDF"),
        (b"name\x00\x01", "binary file"),
        (b'name,description\nA,"never closed\n', "not valid CSV"),
        (b"name,,domain\nA,,a.com\n", "no name for column 2"),
        (b"name,Name\nA,B\n", "names these columns twice: Name"),
    ],
)
def test_unreadable_files_say_why(data: bytes, message: str):
    with pytest.raises(CsvFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(data)


def test_size_and_row_limits(monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_FILE_BYTES", 100)
    with pytest.raises(CsvFileError, match="the limit is 0 MB"):
        read_table(b"name\n" + b"A\n" * 100)
    with pytest.raises(CsvFileError, match="more than 2 rows"):
        read_table(b"name\nA\nB\nC\n", max_rows=2)
