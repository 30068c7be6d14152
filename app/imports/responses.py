"""Importing responses into a round from CSV or XLSX, validated exactly as collection
validates them.

Columns: ``unit``, ``submitted_at``, ``channel`` (qr | kiosk | token | interviewer | paper),
optional ``stratum``, ``psu``, ``weight`` (becomes the response's base weight; required when
the round's weighting is "as-given") and ``id``, then one column per question code with the
values the form submits (a multiple-choice answer lists its options separated by ";"; a
rating may be "na"). ``submitted_at`` is an ISO date or date-time (local time of the
settings' time zone when it has no offset) within the round's period.

Re-importing never duplicates. Each response's submission id is a UUID 5 of the round code and
either the row's ``id`` (when the file has an ``id`` column: edits of a row keep its id) or its
whole content plus its occurrence among identical rows of the file (so that two identical
paper forms stay two responses, and the same file imported twice adds nothing). Rows whose id
is already stored are counted as already imported, not written again.

Rows are written in batches inside a savepoint as they are checked (the form's validation
runs once per distinct cell, app.collection.bulk; PostgreSQL stores with COPY). The first
rejected row stops the writing, the remaining rows are still checked, and the savepoint is
rolled back: nothing is half-written.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.collection.answers import ParsedAnswer, without_comment
from app.collection.bulk import BulkParser
from app.forms.registry import RegisteredForm
from app.imports.csvfile import (
    QUIET,
    ImportFile,
    ImportResult,
    Progress,
    open_file,
    read_rows,
)
from app.instruments.stored import free_text_codes
from app.models import Answer, Response, Round, RoundUnit, Unit
from app.units.service import load_tree

CHANNELS = ("qr", "kiosk", "token", "interviewer", "paper")
REQUIRED = ("unit", "submitted_at", "channel")
OPTIONAL = ("stratum", "psu", "weight", "id")
NAMESPACE = uuid.UUID("6f1c3c1e-7f57-4d3b-9a59-5e1f0a9c2b11")
BATCH = 1000
RESPONSES = cast(Table, Response.__table__)
ANSWERS = cast(Table, Answer.__table__)


@dataclass(frozen=True)
class Context:
    round: Round
    form: RegisteredForm
    units: dict[str, int]  # covered unit code -> id
    zone: ZoneInfo
    period: tuple[datetime, datetime]  # [start, end) in UTC
    parser: BulkParser  # the form's validation, as collection's, once per distinct input


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]  # the response's columns
    answers: list[ParsedAnswer]


def _moment(raw: str, zone: ZoneInfo) -> datetime | None:
    """A date alone is noon local time; a time without offset is local; stored in UTC (SQLite
    keeps no offset, and every reader takes stored times as UTC)."""
    try:
        if len(raw) == len("2026-03-14"):  # fromisoformat would read a date as midnight
            moment = datetime.combine(date.fromisoformat(raw), time(12))
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def _meta(ctx: Context, line: int, values: dict[str, str], result: ImportResult) -> dict[str, Any]:
    """The response's own columns, checked; problems go to ``result``."""
    out: dict[str, Any] = {
        "stratum": values.get("stratum") or None,
        "psu": values.get("psu") or None,
    }
    unit = values["unit"]
    if unit not in ctx.units:
        result.error(line, "unit", f"unit {unit!r} is not covered by round {ctx.round.code}")
    out["unit_id"] = ctx.units.get(unit)
    moment = _moment(values["submitted_at"], ctx.zone)
    if moment is None:
        result.error(line, "submitted_at", "an ISO date or date-time, e.g. 2026-03-14T09:30")
    elif not ctx.period[0] <= moment < ctx.period[1]:
        result.error(line, "submitted_at", "outside the round's period")
    out["submitted_at"] = moment
    if values["channel"] not in CHANNELS:
        result.error(line, "channel", f"one of {', '.join(CHANNELS)}")
    out["channel"] = values["channel"]
    out["base_weight"] = _weight(ctx, line, values.get("weight", ""), result)
    for column in ("stratum", "psu"):
        if len(out[column] or "") > 64:
            result.error(line, column, "at most 64 characters")
    return out


def _weight(ctx: Context, line: int, raw: str, result: ImportResult) -> float | None:
    if not raw:
        if ctx.round.weighting == "as-given":
            result.error(line, "weight", "this round's weights are given with each response")
        return None
    try:
        weight = float(raw.replace(",", "."))
    except ValueError:
        weight = math.nan
    if not (math.isfinite(weight) and weight > 0):
        result.error(line, "weight", "a positive number")
        return None
    return weight


def _answers(
    ctx: Context, line: int, values: dict[str, str], result: ImportResult
) -> list[ParsedAnswer]:
    parsed = ctx.parser.parse_row(values)
    for code, message in parsed.errors.items():
        result.error(line, code, message)
    return parsed.answers


def submission_id(round_code: str, values: dict[str, str], seen: Counter[bytes]) -> str:
    """UUID 5 of the round and the row's ``id``, or of its content and occurrence number."""
    if "id" in values:
        key = f"id\x1f{values['id']}"
    else:
        content = json.dumps(sorted(values.items()), ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(content.encode()).digest()
        seen[digest] += 1
        key = f"row\x1f{digest.hex()}\x1f{seen[digest]}"
    return str(uuid.uuid5(NAMESPACE, f"{round_code}\x1f{key}"))


class _Writer:
    """Buffers checked rows; writes each batch that is not yet stored, unless told not to."""

    def __init__(self, session: AsyncSession, ctx: Context, result: ImportResult, dry_run: bool):
        self.session, self.ctx, self.result, self.dry_run = session, ctx, result, dry_run
        self.pending: list[Row] = []

    async def add(self, row: Row) -> None:
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        rows, self.pending = self.pending, []
        await self._write(rows)

    async def _write(self, rows: list[Row]) -> None:
        ids = [r.values["submission_id"] for r in rows]
        stored = set(
            await self.session.scalars(
                select(Response.submission_id).where(Response.submission_id.in_(ids))
            )
        )
        new = [r for r in rows if r.values["submission_id"] not in stored]
        self.result.count("already_imported", len(rows) - len(new))
        self.result.count("new", len(new))
        if new and not self.dry_run and not self.result.error_count:
            await self._insert(new)

    async def _insert(self, rows: list[Row]) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            await self._copy(rows)
            return
        common = {
            "round_id": self.ctx.round.id,
            "form_version_id": self.ctx.form.version_id,
            "status": "valid",
        }
        # Core table inserts: ORM bulk inserts leave out None values and so split the batch
        # into one statement per run of rows with the same columns.
        inserted = await self.session.execute(
            insert(RESPONSES).returning(RESPONSES.c.id, RESPONSES.c.submission_id),
            [{**common, **r.values} for r in rows],
        )
        ids = {sid: rid for rid, sid in inserted}
        answers = [
            {
                "response_id": ids[r.values["submission_id"]],
                "question": a.question,
                "ordinal": a.ordinal,
                "value": a.value,
                "text": a.text,
            }
            for r in rows
            for a in r.answers
        ]
        if answers:
            await self.session.execute(insert(ANSWERS), answers)

    async def _copy(self, rows: list[Row]) -> None:
        """PostgreSQL: ids drawn from the sequence in one statement, then responses and
        answers each in one COPY, in the import's transaction (its savepoint still decides;
        the tally triggers fire for copied rows as for inserted ones)."""
        connection = await (await self.session.connection()).get_raw_connection()
        driver = connection.driver_connection
        assert driver is not None
        ids = await driver.fetch(
            "SELECT nextval(pg_get_serial_sequence('response', 'id')) "
            "FROM generate_series(1, $1::int)",
            len(rows),
        )
        common = {
            "round_id": self.ctx.round.id,
            "form_version_id": self.ctx.form.version_id,
            "status": "valid",
            "over_quota": False,
        }
        free_text = free_text_codes(self.ctx.form.instrument)
        responses, answers = [], []
        for (response_id,), row in zip(ids, rows, strict=True):
            synced = without_comment(row.answers, free_text)
            values = {**common, **row.values, "id": response_id, "comments_synced": synced}
            responses.append(tuple(values[column] for column in COPIED))
            answers += [(response_id, *a) for a in row.answers]
        await driver.copy_records_to_table("response", columns=COPIED, records=responses)
        columns = ("response_id", "question", "ordinal", "value", "text")
        await driver.copy_records_to_table("answer", columns=columns, records=answers)


# The columns a copied response sets (the others keep their defaults: NULL, or the server's).
COPIED = (
    "id",
    "submission_id",
    "round_id",
    "unit_id",
    "form_version_id",
    "channel",
    "status",
    "base_weight",
    "stratum",
    "psu",
    "submitted_at",
    "over_quota",
    "comments_synced",
)


async def _context(
    session: AsyncSession, round_: Round, form: RegisteredForm, zone: ZoneInfo
) -> Context:
    rows = await session.execute(
        select(Unit.code, Unit.id)
        .join(RoundUnit, RoundUnit.unit_id == Unit.id)
        .where(RoundUnit.round_id == round_.id)
    )
    start = datetime.combine(round_.starts_on, time(0), zone)
    end = datetime.combine(round_.ends_on + timedelta(days=1), time(0), zone)
    units = {code: uid for code, uid in rows}
    return Context(round_, form, units, zone, (start, end), BulkParser(form.instrument))


async def _check_rows(
    ctx: Context, file: ImportFile, writer: _Writer, preview: int, progress: Progress
) -> bool:
    """Check (and hand to the writer) every row; True if the file has an ``id`` column."""
    result = writer.result
    allowed = {*REQUIRED, *OPTIONAL} | {q.code for q in ctx.form.instrument.questions}
    seen: Counter[bytes] = Counter()
    lines_of_ids: dict[str, int] = {}
    has_id = False
    for line, values in read_rows(file, REQUIRED, allowed.__contains__, result):
        has_id = "id" in values
        result.rows += 1
        progress.advance()
        before = result.error_count
        meta = _meta(ctx, line, values, result)
        answers = _answers(ctx, line, values, result)
        if "id" in values:
            if not values["id"]:
                result.error(line, "id", "the id column needs a value on every row")
            elif values["id"] in lines_of_ids:
                result.error(line, "id", f"already used on line {lines_of_ids[values['id']]}")
            lines_of_ids.setdefault(values["id"], line)
        meta["submission_id"] = submission_id(ctx.round.code, values, seen)
        ok = result.error_count == before
        if ok:
            await writer.add(Row(line, meta, answers))
        shown = {k: values.get(k) for k in ("unit", "submitted_at", "channel")}
        result.show({"line": line, **shown, "answers": len(answers), "ok": ok}, preview)
    await writer.flush()
    return has_id


async def import_responses(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    form: RegisteredForm,
    data: bytes,
    zone: ZoneInfo,
    *,
    dry_run: bool = False,
    preview: int = 0,
    progress: Progress = QUIET,
) -> ImportResult:
    """Check every row and store the new ones, all or none; audited when written."""
    result = ImportResult()
    file = open_file(data, result)
    if file is None:
        return result
    ctx = await _context(session, round_, form, zone)
    progress.start("checking and writing", file.size)
    savepoint = await session.begin_nested()
    writer = _Writer(session, ctx, result, dry_run)
    try:
        has_id = await _check_rows(ctx, file, writer, preview, progress)
    except BaseException:
        await savepoint.rollback()
        raise
    if result.error_count or dry_run:
        await savepoint.rollback()
        return result
    await savepoint.commit()
    result.counts = {
        "imported": result.counts.get("new", 0),
        "already_imported": result.counts.get("already_imported", 0),
    }
    changes = {
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "rows": result.rows,
        "ids_from": "id column" if has_id else "row content",
        **result.counts,
    }
    top = (await load_tree(session)).common_ancestor(ctx.units.values())
    unit_id = top.id if top else None
    await record(session, actor, "response.import", "round", round_.code, unit_id, changes)
    result.written = True
    return result
