"""Reading uploaded tables (CSV or XLSX) row by row, and the all-or-nothing rejection report.

CSV: UTF-8 with or without a BOM (what Excel's "CSV UTF-8" writes), delimited by ``,``, ``;``
or a tab (guessed from the header line). XLSX: the first sheet, read in openpyxl's streaming
mode. In both, the first non-empty row is the header; names are matched case-insensitively,
unknown columns are ignored, empty rows skipped. Line numbers are the file's own (CSV physical
line, spreadsheet row), so an operator can find the row.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from app.errors import Unprocessable

MAX_LISTED = 1000  # rejections listed in a report (all are counted)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


@dataclass(frozen=True)
class Rejection:
    line: int
    column: str | None
    reason: str


@dataclass
class Rejections:
    """Collects rejected rows; ``raise_if_any`` refuses the whole import with the report."""

    rows: int = 0
    count: int = 0
    listed: list[Rejection] = field(default_factory=list)

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(Rejection(line, column, reason))

    def raise_if_any(self) -> None:
        if self.count:
            raise Unprocessable(
                f"{self.count} row problem(s) in {self.rows} row(s): nothing was imported",
                rows=self.rows,
                rejected_count=self.count,
                rejected=[r.__dict__ for r in self.listed],
            )


@dataclass
class UploadedTable:
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, Sequence[Any]]]

    def columns(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
        """Positions of the known columns; a missing required one refuses the file."""
        found = {name: i for i, name in reversed(list(enumerate(self.header)))}
        missing = [c for c in required if c not in found]
        if missing:
            report = Rejections()
            for name in missing:
                report.add(self.header_line, name, "missing column")
            report.raise_if_any()
        return {c: found[c] for c in (*required, *optional) if c in found}


def _refuse(reason: str) -> Unprocessable:
    return Unprocessable(
        reason, rows=0, rejected_count=1, rejected=[Rejection(1, None, reason).__dict__]
    )


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _with_header(rows: Iterator[tuple[int, Sequence[Any]]]) -> UploadedTable:
    for line, row in rows:
        if not _blank(row):
            header = [text(v).lower() for v in row]
            data = ((n, r) for n, r in rows if not _blank(r))
            return UploadedTable(header, line, data)
    raise _refuse("the file is empty: expected a header row")


def _csv_rows(file: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    stream = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    line = 1
    try:
        first = stream.readline()
        delimiter = max(",;\t", key=first.count)
        body = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
        for row in body:
            line = body.line_num
            yield body.line_num, row
    except UnicodeDecodeError:
        raise _refuse("the file is not UTF-8 text: export it as CSV UTF-8") from None
    except csv.Error as exc:
        raise _refuse(f"line {line + 1}: malformed CSV ({exc})") from None
    finally:
        if not file.closed:  # a generator dropped early may close after the caller's file
            stream.detach()  # the caller owns the file


def xlsx_rows(file: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    """(row number, cell values) of the first sheet; refuses (422) an unreadable workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(f"not a readable XLSX workbook ({exc})") from None
    try:
        yield from enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
    finally:
        book.close()


def open_table(file: IO[bytes]) -> UploadedTable:
    """The header and a stream of (line, values) rows of an uploaded CSV or XLSX file."""
    magic = file.read(4)
    file.seek(0)
    if magic.startswith(OLE_MAGIC):
        raise _refuse("old .xls workbooks are not read: save it as .xlsx or CSV UTF-8")
    rows = xlsx_rows(file) if magic == XLSX_MAGIC else _csv_rows(file)
    try:
        return _with_header(rows)
    except UnicodeDecodeError:
        raise _refuse("the file is not UTF-8 text: export it as CSV UTF-8") from None


def cell(values: Sequence[Any], index: int | None) -> Any:
    """The value at a column position (None when the column is absent or the row is short)."""
    return values[index] if index is not None and index < len(values) else None


def text(value: Any) -> str:
    """A cell as trimmed text (spreadsheets give numbers: 1234.0 is "1234")."""
    if type(value) is str:  # every CSV cell: the fast path
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def whole_number(value: Any) -> int | None:
    """A count ≥ 0: 1200, "1200", "1.200" or "1,200" (thousands separators); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    raw = text(value).replace("\u00a0", " ")
    parts = raw.replace(".", " ").replace(",", " ").split(" ")
    grouped = len(parts) > 1 and 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])
    digits = "".join(parts) if grouped else raw
    return int(digits) if digits.isascii() and digits.isdigit() else None


def calendar_date(value: Any) -> date | None:
    """A date from a spreadsheet cell, ISO text or the Vietnamese day/month/year
    (dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy); else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value).split(" ")[0].split("T")[0]  # "2026-03-01 00:00:00" from some exports
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    for separator in "/-.":
        parts = raw.split(separator)
        if len(parts) == 3 and len(parts[2]) == 4 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None
