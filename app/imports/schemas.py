"""Answers of the import endpoints: what was (or would be) written, and every rejected row."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.i18n import english
from app.imports.csvfile import ImportResult


class RowErrorOut(BaseModel):
    line: int = Field(description="Line in the file (1 = the header row)")
    column: str | None
    reason: str


class ImportOut(BaseModel):
    written: bool = Field(description="True: every row was stored; false: nothing was")
    dry_run: bool
    rows: int = Field(description="Data rows read")
    counts: dict[str, int] = Field(description="What was (or would be) created, updated, ...")
    error_count: int = Field(description="Rejected rows' problems (errors lists at most 1000)")
    errors: list[RowErrorOut]
    preview: list[dict[str, Any]] = Field(description="The first rows as read (dry runs)")

    @classmethod
    def of(cls, result: ImportResult, dry_run: bool) -> ImportOut:
        return cls(
            written=result.written,
            dry_run=dry_run,
            rows=result.rows,
            counts=result.counts,
            error_count=result.error_count,
            errors=[
                RowErrorOut(line=e.line, column=e.column, reason=english(e.reason))
                for e in result.errors
            ],
            preview=result.preview,
        )
