"""Tabular files for imports and exports: CSV and XLSX in, CSV and XLSX out.

Reading gives every data row with its row number in the file (the header is row 1), cells
as text (CSV) or as the spreadsheet's values (XLSX; floats become Decimal via their shortest
text, so 12.5 stays 12.5), empty cells as None. Writing streams rows (openpyxl write-only).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import zip_longest
from typing import Any

from landkontor.errors import InvalidInput

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
XLSX_MAX_ROWS = 1_048_576  # rows of one sheet, the header included
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Row:
    number: int  # row number in the file, the header being row 1
    values: dict[str, Any]


@dataclass
class Table:
    columns: list[str]
    total: int  # data rows (an upper bound for XLSX: trailing empty rows count)
    rows: Iterator[Row]


def column_name(header: object) -> str:
    """'Item No' → 'item_no' (what the column is matched by)."""
    text = "" if header is None else str(header)
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def detect_format(filename: str, content: bytes) -> str:
    """'csv' or 'xlsx' from the file's content and name; InvalidInput for anything else."""
    if content.startswith(_ZIP_MAGIC):
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise InvalidInput(f"{filename} is not a valid XLSX file", field="file")
    if b"\x00" in content[:4096]:
        raise InvalidInput(f"{filename} is neither CSV nor XLSX", field="file")
    return "csv"


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_table(content: bytes, filename: str) -> Table:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or not any(cell.strip() for cell in records[0]):
        raise InvalidInput(f"{filename} has no header row", field="file")
    columns = [column_name(c) for c in records[0]]
    data = [(n, r) for n, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]

    def rows() -> Iterator[Row]:
        for number, record in data:
            cells = [cell.strip() or None for cell in record]
            values = {c: v for c, v in zip_longest(columns, cells[: len(columns)]) if c}
            yield Row(number, values)

    return Table(columns=[c for c in columns if c], total=len(data), rows=rows())


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return value.strip() or None
    return value


def _xlsx_table(content: bytes, filename: str) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(f"{filename} is not a readable XLSX file", field="file") from None
    sheet = workbook.worksheets[0]
    records = sheet.iter_rows(values_only=True)
    header = next(records, None)
    if header is None or not any(h is not None for h in header):
        raise InvalidInput(f"{filename} has no header row", field="file")
    columns = [column_name(c) for c in header]
    total = max(0, (sheet.max_row or 1) - 1)

    def rows() -> Iterator[Row]:
        try:
            for number, record in enumerate(records, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in record):
                    continue
                cells = [_cell(value) for value in record[: len(columns)]]
                values = {c: v for c, v in zip_longest(columns, cells) if c}
                yield Row(number, values)
        finally:
            workbook.close()

    return Table(columns=[c for c in columns if c], total=total, rows=rows())


def read_table(filename: str, content: bytes) -> Table:
    """The rows of a CSV (delimiter ; , or tab; UTF-8 or Windows-1252) or XLSX file."""
    if detect_format(filename, content) == "xlsx":
        return _xlsx_table(content, filename)
    return _csv_table(content, filename)


def check_columns(
    columns: Sequence[str], *, required: Iterable[str], known: Iterable[str], filename: str
) -> None:
    """InvalidInput naming missing required and unknown columns."""
    known_set = set(known)
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in known_set]
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if problems:
        raise InvalidInput(
            f"{filename}: {'; '.join(problems)}; columns are {', '.join(sorted(known_set))}",
            field="file",
        )


# --- writing ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> bytes:
    """UTF-8 CSV with a header row; decimals as plain text (12.5000), booleans true/false."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # XLSX has no time zones; values are UTC
    return value


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title, header and rows (any iterable, read once)."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


def write_xlsx_sheets(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook with one sheet per :class:`Sheet`: a bold, frozen header row and the
    rows, streamed (openpyxl write-only), so long sheets never sit in memory as cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    try:
        for spec in sheets:
            sheet = workbook.create_sheet(title=spec.title[:31])
            sheet.freeze_panes = "A2"
            header = []
            for name in spec.columns:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            for row in spec.rows:
                sheet.append([_xlsx_value(v) for v in row])
    except BaseException:  # a cancelled export: drop the sheets' temporary files now
        for sheet in workbook.worksheets:
            rows, writer = getattr(sheet, "_rows", None), getattr(sheet, "_writer", None)
            with contextlib.suppress(Exception):
                if rows is not None:
                    rows.close()
                if writer is not None:
                    writer.close()
                    writer.cleanup()
        raise
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Data"
) -> bytes:
    """An XLSX workbook with one sheet: a bold header row, frozen, and the rows."""
    return write_xlsx_sheets([Sheet(sheet_title, columns, rows)])


def write_table(
    fmt: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Data"
) -> tuple[bytes, str]:
    """(content, content type) of ``rows`` as 'csv' or 'xlsx'."""
    if fmt == "xlsx":
        return write_xlsx(columns, rows, sheet_title), XLSX_TYPE
    return write_csv(columns, rows), CSV_TYPE
