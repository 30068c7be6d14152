"""Reading import files: UTF-8 CSV with a header row, or an XLSX workbook's first sheet;
problems named by line (the sheet's row number) and column.

Imports are all-or-nothing: every row is checked, every problem is reported (up to
MAX_ERRORS, with the total), and nothing is written unless there is none. Reasons are
Vietnamese messages (``Message``/``N_``): pages translate them, the API and the command line
give them in English (``english``).
"""

from __future__ import annotations

import csv
import io
from bisect import insort
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from app.errors import Unprocessable
from app.i18n import N_, Message
from app.sampling.tabular import OLE_MAGIC, XLSX_MAGIC, text, xlsx_rows

MAX_ERRORS = 1000
PREVIEW_ROWS = 200
MSG_NOT_UTF8 = N_("Tệp không phải văn bản UTF-8 (hãy lưu dưới dạng CSV UTF-8).")
MSG_EMPTY = N_("Tệp trống.")
MSG_MISSING = N_("Thiếu cột bắt buộc.")
MSG_TWICE = N_("Cột xuất hiện hai lần.")
MSG_UNKNOWN = N_("Cột không được hỗ trợ.")
MSG_XLS = N_("Không đọc tệp .xls cũ: hãy lưu thành .xlsx hoặc CSV UTF-8.")
MSG_NOT_XLSX = N_("Không đọc được tệp XLSX này.")


@dataclass(frozen=True)
class RowError:
    line: int  # 1 = the header
    column: str | None
    reason: str  # a Vietnamese message (N_ or Message)


class Progress:
    """Told how far an import is; the command line draws a bar, the API ignores it."""

    def start(self, phase: str, total: int | None) -> None:
        """A phase begins (``total`` steps, approximate; None: unknown)."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more are done."""


QUIET = Progress()


@dataclass
class ImportResult:
    rows: int = 0
    written: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)

    def error(self, line: int, column: str | None, reason: str) -> None:
        """Record a rejected row; the listed ones stay in line order (checks that need the
        whole file, such as parents, find theirs in a later pass)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            insort(self.errors, RowError(line, column, reason), key=lambda e: e.line)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def show(self, row: dict[str, Any], limit: int) -> None:
        if len(self.preview) < limit:
            self.preview.append(row)


@dataclass
class ImportFile:
    """The records of an import file, the header first, and roughly how many there are."""

    records: Iterator[tuple[int, list[str]]]
    size: int | None  # approximate data rows (None: not known before reading)


def decode(data: bytes, result: ImportResult) -> str | None:
    """The file's text (UTF-8, with or without BOM); None and an error if it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.error(line, None, MSG_NOT_UTF8)
        return None


def approximate_rows(text: str) -> int:
    return max(text.count("\n") - 1, 0) + (0 if text.endswith("\n") else 1)


class BadCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of every non-blank record, the header included."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = Message("CSV không hợp lệ: %(problem)s", problem=str(exc))
            raise BadCsv(reader.line_num, reason) from exc
        if any(f.strip() for f in fields):
            yield start, fields
        start = reader.line_num + 1


def _cell_text(value: Any) -> str:
    """A cell as text; a date-time keeps its time of day (a date alone reads as midnight)."""
    if isinstance(value, datetime) and value.time() != time(0):
        return value.isoformat()
    return text(value)


def sheet_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of every non-blank row of a workbook's first sheet, each
    as wide as the header: spreadsheets drop a row's empty trailing cells."""
    width = 0
    try:
        for line, values in xlsx_rows(io.BytesIO(data)):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                width = width or len(cells)
                yield line, cells + [""] * (width - len(cells))
    except Unprocessable:
        raise BadCsv(1, MSG_NOT_XLSX) from None


def open_file(data: bytes, result: ImportResult) -> ImportFile | None:
    """A CSV file or an XLSX workbook (told apart by content); None, with an error, when it
    cannot be read at all."""
    if data.startswith(OLE_MAGIC):
        result.error(1, None, MSG_XLS)
        return None
    if data.startswith(XLSX_MAGIC):
        return ImportFile(sheet_records(data), None)
    text = decode(data, result)
    return None if text is None else ImportFile(records(text), approximate_rows(text))


def check_header(
    header: Sequence[str],
    required: Sequence[str],
    allowed: Callable[[str], bool],
    result: ImportResult,
) -> list[str] | None:
    """Trimmed column names, or None (with errors) if a column is missing, repeated, unknown."""
    names = [h.strip() for h in header]
    ok = True
    for name in required:
        if name not in names:
            result.error(1, name, MSG_MISSING)
            ok = False
    seen: set[str] = set()
    for name in names:
        if name in seen:
            result.error(1, name, MSG_TWICE)
            ok = False
        elif not allowed(name):
            result.error(1, name or None, MSG_UNKNOWN)
            ok = False
        seen.add(name)
    return names if ok else None


def read_rows(
    file: ImportFile, required: Sequence[str], allowed: Callable[[str], bool], result: ImportResult
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, column -> trimmed value) of each data row; malformed rows become errors."""
    found = file.records
    try:
        first = next(found, None)
        if first is None:
            result.error(1, None, MSG_EMPTY)
            return
        names = check_header(first[1], required, allowed, result)
        if names is None:
            return
        for line, fields in found:
            if len(fields) != len(names):
                reason = Message(
                    "%(found)s ô trong khi dòng tiêu đề có %(header)s cột",
                    found=len(fields),
                    header=len(names),
                )
                result.error(line, None, reason)
                continue
            yield line, {n: v.strip() for n, v in zip(names, fields, strict=True)}
    except BadCsv as exc:
        result.error(exc.line, None, exc.reason)
