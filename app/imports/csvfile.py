"""Reading import files: UTF-8 CSV with a header row; problems named by line and column.

Imports are all-or-nothing: every row is checked, every problem is reported (up to
MAX_ERRORS, with the total), and nothing is written unless there is none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_ERRORS = 1000
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class RowError:
    line: int  # 1 = the header
    column: str | None
    reason: str


class Progress:
    """Told how far an import is; the command line draws a bar, the API ignores it."""

    def start(self, phase: str, total: int) -> None:
        """A phase begins (``total`` steps, approximate)."""

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
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, column, reason))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def show(self, row: dict[str, Any], limit: int) -> None:
        if len(self.preview) < limit:
            self.preview.append(row)


def decode(data: bytes, result: ImportResult) -> str | None:
    """The file's text (UTF-8, with or without BOM); None and an error if it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.error(line, None, "the file is not UTF-8 text (save it as CSV UTF-8)")
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
            raise BadCsv(reader.line_num, f"not valid CSV: {exc}") from exc
        if any(f.strip() for f in fields):
            yield start, fields
        start = reader.line_num + 1


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
            result.error(1, name, "required column is missing")
            ok = False
    seen: set[str] = set()
    for name in names:
        if name in seen:
            result.error(1, name, "column appears twice")
            ok = False
        elif not allowed(name):
            result.error(1, name or None, "unknown column")
            ok = False
        seen.add(name)
    return names if ok else None


def read_rows(
    text: str, required: Sequence[str], allowed: Callable[[str], bool], result: ImportResult
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, column -> trimmed value) of each data row; malformed rows become errors."""
    found = records(text)
    try:
        first = next(found, None)
        if first is None:
            result.error(1, None, "the file is empty")
            return
        names = check_header(first[1], required, allowed, result)
        if names is None:
            return
        for line, fields in found:
            if len(fields) != len(names):
                result.error(line, None, f"{len(fields)} fields where the header has {len(names)}")
                continue
            yield line, {n: v.strip() for n, v in zip(names, fields, strict=True)}
    except BadCsv as exc:
        result.error(exc.line, None, exc.reason)
