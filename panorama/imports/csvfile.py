"""Reading an uploaded or given CSV file into a header and rows (pure: no ORM).

Everything that makes a file unreadable as a whole is a ``CsvFileError`` with a message a
person can act on: too big, empty, binary (a spreadsheet saved as .xlsx), not UTF-8, a quote
left open, no header. Problems of one row (a wrong number of cells) are left to the importer,
which reports them with the row's number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_FILE_BYTES = 20 * 1024 * 1024  # 20 MB: ~100,000 rows of a typical CRM export
MAX_ROWS = 100_000
MAX_COLUMNS = 200
DELIMITERS = (",", ";", "\t")  # Excel writes ";" where the decimal separator is a comma
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Leading bytes of files people upload by mistake instead of a CSV export.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"%PDF": "a PDF",
}


class CsvFileError(ValueError):
    """The file cannot be imported at all; the message says why and what to do."""


@dataclass(frozen=True)
class CsvRow:
    """One data row: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    rows: list[CsvRow]
    delimiter: str = ","


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8")."""
    if not data.strip():
        raise CsvFileError("The file is empty.")
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise CsvFileError(f"This is {what}, not a CSV file: export it as CSV (UTF-8).")
    if data.startswith(UTF16_BOMS):
        raise CsvFileError("The file is UTF-16 text: save it as CSV UTF-8 and upload it again.")
    if b"\x00" in data[:8192]:
        raise CsvFileError("This is a binary file, not a CSV file: export it as CSV (UTF-8).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFileError(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): "
            "save it as CSV UTF-8 and upload it again."
        ) from None
    if "\x00" in text:
        # Past the first bytes (a binary file is caught above): no database stores it.
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvFileError(
            f"The file holds a NUL character on line {line}: it is not plain text. "
            "Remove it or export the file as CSV UTF-8 again."
        )
    return text.removeprefix("\ufeff")


def _delimiter(first_line: str) -> str:
    """The separator the header uses most: ",", ";" or a tab."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(data: bytes, *, max_rows: int = MAX_ROWS) -> CsvTable:
    """Parse ``data`` into a header and its non-blank rows; raise ``CsvFileError``."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvFileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    text = decode(data)
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[CsvRow] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            if header is None:
                if not any(c.strip() for c in cells):
                    continue  # blank lines before the header
                header = [c.strip() for c in cells]
                number = 1
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= max_rows:
                raise CsvFileError(
                    f"The file has more than {max_rows:,} rows. Split it into smaller files."
                )
            rows.append(CsvRow(number, cells))
    except csv.Error as exc:
        raise CsvFileError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}. "
            'Check for a quote (") that is opened but not closed.'
        ) from None
    if header is None:
        raise CsvFileError("The file is empty.")
    _check_header(header)
    if not rows:
        raise CsvFileError("The file has a header but no rows to import.")
    return CsvTable(header=header, rows=rows, delimiter=delimiter)


def _check_header(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise CsvFileError(f"The file has {len(header)} columns; the limit is {MAX_COLUMNS}.")
    blank = [str(i) for i, name in enumerate(header, start=1) if not name]
    if blank:
        raise CsvFileError(
            f"The header has no name for column {', '.join(blank)}: the first row must name "
            "every column (e.g. name,domain,external_id)."
        )
    seen: set[str] = set()
    repeated = []
    for name in header:
        if name.casefold() in seen:
            repeated.append(name)
        seen.add(name.casefold())
    if repeated:
        raise CsvFileError(f"The header names these columns twice: {', '.join(repeated)}.")
