"""Importing a crosswalk: the official old → new list of units (CSV or XLSX: ``old_code``,
``new_code``, ``share``, ``date``; optional ``new_name``, ``new_level``, ``new_parent`` for
units it creates) applied as one batch of reorganisation events, all or nothing.

Per old code (all its rows on one date, shares summing to 1):

- one row to itself with share 1: unchanged;
- one row to another unit with share 1: merged into it (the rows of several old codes into
  one new code, on one date, are one merge; their children move under it);
- rows to several others: split with those shares;
- a row to itself with a share below 1 and rows to others: partial transfers of those shares.

Every problem is listed by line: an unknown code (an old code not stored, a new code neither
stored nor named), shares that do not sum to 1, a cycle among the rows (A → B and B → A), a
date contradicting an existing event (a later change, or a unit already stopped), and what
the events themselves refuse (scope, parents). The batch is applied inside a savepoint and
kept only if nothing was refused; a dry run (the console's preview) always rolls it back.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.principal import Principal
from app.errors import AppError
from app.i18n import N_, Message
from app.imports.csvfile import ImportResult, open_file, read_rows
from app.models import Unit, UnitEvent
from app.units.events import (
    SHARE_TOLERANCE,
    SplitRequest,
    Successor,
    TransferRequest,
    live_versions,
    split_unit,
    transfer_part,
)
from app.units.lineage import MergeRequest, merge_units

REQUIRED = ("old_code", "new_code", "share", "date")
OPTIONAL = ("new_name", "new_level", "new_parent")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MSG_CODE = N_("Mã gồm 1–64 chữ cái không dấu, chữ số, '-', '_' hoặc '.'.")
MSG_SHARE = N_("Tỷ lệ là một số lớn hơn 0 và không quá 1.")
MSG_DATE = N_("Ngày theo dạng YYYY-MM-DD.")
MSG_UNKNOWN_OLD = N_("Mã đơn vị cũ không có trong hệ thống.")
MSG_UNKNOWN_NEW = N_("Mã đơn vị mới không có trong hệ thống: nhập new_name để tạo mới.")
MSG_DATES = N_("Các dòng của cùng một mã cũ phải cùng một ngày.")
MSG_PAIR = N_("Cặp mã cũ – mã mới lặp lại.")


@dataclass(frozen=True)
class Row:
    line: int
    old: str
    new: str
    share: float
    day: date
    name: str | None
    level: str | None
    parent: str | None


def _parse(line: int, values: dict[str, str], result: ImportResult) -> Row | None:
    ok = True
    for column in ("old_code", "new_code"):
        if not CODE.match(values[column]):
            result.error(line, column, MSG_CODE)
            ok = False
    try:
        share = float(values["share"].replace(",", "."))
        if not (math.isfinite(share) and 0 < share <= 1):
            raise ValueError
    except ValueError:
        result.error(line, "share", MSG_SHARE)
        ok, share = False, 0.0
    try:
        day = date.fromisoformat(values["date"][:10])
    except ValueError:
        result.error(line, "date", MSG_DATE)
        ok, day = False, date.min
    if not ok:
        return None
    return Row(
        line,
        values["old_code"],
        values["new_code"],
        share,
        day,
        values.get("new_name") or None,
        values.get("new_level") or None,
        values.get("new_parent") or None,
    )


def _cycles(rows: list[Row], result: ImportResult) -> None:
    """Rows on a cycle of old → new links (a unit given to another that gives it back)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.old != r.new:
            edges[r.old].add(r.new)
    on_cycle: set[str] = set()
    for start in edges:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    on_cycle.update(path)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    for r in rows:
        if r.old != r.new and r.old in on_cycle and r.new in on_cycle:
            result.error(
                r.line,
                "new_code",
                Message("Vòng lặp: %(old)s → %(new)s → … → %(old)s", old=r.old, new=r.new),
            )


def _kind(group: list[Row]) -> str:
    others = [r for r in group if r.new != r.old]
    if not others:
        return "unchanged"
    if len(others) < len(group):
        return "transfer"
    return "merge" if len(others) == 1 else "split"


async def _validate(
    session: AsyncSession, rows: list[Row], result: ImportResult
) -> dict[str, list[Row]]:
    """Row and whole-file checks that need no event applied; the rows by old code."""
    codes = {r.old for r in rows} | {r.new for r in rows}
    found = await session.execute(select(Unit.code, Unit).where(Unit.code.in_(codes)))
    known = {code: unit for code, unit in found}
    named = {r.new for r in rows if r.name}
    by_old: dict[str, list[Row]] = defaultdict(list)
    pairs: set[tuple[str, str]] = set()
    for r in rows:
        if r.old not in known:
            result.error(r.line, "old_code", MSG_UNKNOWN_OLD)
        if r.new not in known and r.new not in named:
            result.error(r.line, "new_code", MSG_UNKNOWN_NEW)
        if (r.old, r.new) in pairs:
            result.error(r.line, "new_code", MSG_PAIR)
        pairs.add((r.old, r.new))
        by_old[r.old].append(r)
    for old, group in by_old.items():
        if len({r.day for r in group}) > 1:
            for r in group:
                result.error(r.line, "date", MSG_DATES)
        total = sum(r.share for r in group)
        if abs(total - 1) > SHARE_TOLERANCE:
            for r in group:
                result.error(
                    r.line,
                    "share",
                    Message(
                        "Tỷ lệ của mã %(code)s cộng lại bằng %(total)s, không phải 1.",
                        code=old,
                        total=format(total, "g"),
                    ),
                )
    _cycles(rows, result)
    for code in {r.old for r in rows} | {r.new for r in rows}:
        unit = known.get(code)
        if unit is None:
            continue
        mine = [r for r in rows if code in (r.old, r.new)]
        versions = await live_versions(session, unit.id)
        for r in mine:
            later = [v for v in versions if v.valid_from is not None and v.valid_from > r.day]
            stopped = unit.inactive_from is not None and unit.inactive_from <= r.day
            if later or stopped:
                when = (
                    later[0].valid_from.isoformat()
                    if later and later[0].valid_from
                    else str(unit.inactive_from)
                )
                result.error(
                    r.line,
                    "date",
                    Message(
                        "Ngày %(day)s mâu thuẫn với một thay đổi đã có của %(code)s (từ %(when)s).",
                        day=r.day.isoformat(),
                        code=code,
                        when=when,
                    ),
                )
    return by_old


async def _apply(
    session: AsyncSession,
    actor: Actor,
    by_old: dict[str, list[Row]],
    principal: Principal | None,
    result: ImportResult,
) -> None:
    """Record the events, each refusal as an error on the rows concerned."""
    merges: dict[tuple[str, date], list[Row]] = defaultdict(list)
    for old, group in sorted(by_old.items()):
        kind = _kind(group)
        result.count(kind)
        for r in group:
            result.show(
                {
                    "line": r.line,
                    "old_code": r.old,
                    "new_code": r.new,
                    "share": r.share,
                    "date": r.day.isoformat(),
                    "action": kind,
                },
                10**6,
            )
        try:
            if kind == "merge":
                merges[(group[0].new, group[0].day)].append(group[0])
            elif kind == "split":
                first = group[0]
                req = SplitRequest(
                    old, [Successor(r.new, r.share, r.name) for r in group], first.day
                )
                await split_unit(session, actor, req, principal)
            elif kind == "transfer":
                for r in group:
                    if r.new != old:
                        await transfer_part(
                            session, actor, TransferRequest(old, r.new, r.share, r.day), principal
                        )
        except AppError as exc:
            for r in group:
                result.error(r.line, exc.extra.get("field"), exc.detail)
    for (new, day), group in sorted(merges.items()):
        first = next((r for r in group if r.name), group[0])
        merge = MergeRequest(
            [r.old for r in group],
            new,
            day,
            first.name,
            first.level,
            first.parent,
            move_children=True,
        )
        try:
            await merge_units(session, actor, merge, principal)
        except AppError as exc:
            for r in group:
                result.error(r.line, exc.extra.get("field"), exc.detail)


async def import_crosswalk(
    session: AsyncSession,
    actor: Actor,
    data: bytes,
    *,
    principal: Principal | None = None,
    dry_run: bool = False,
    preview: int = 200,
) -> ImportResult:
    """Check every row; apply the batch in a savepoint; keep it only if nothing was refused
    and not ``dry_run``; audited (``unit.crosswalk``, and each event)."""
    result = ImportResult()
    file = open_file(data, result)
    if file is None:
        return result
    rows = []
    for line, values in read_rows(file, REQUIRED, lambda c: c in REQUIRED + OPTIONAL, result):
        result.rows += 1
        row = _parse(line, values, result)
        if row is not None:
            rows.append(row)
    if result.error_count or not rows:
        return result
    by_old = await _validate(session, rows, result)
    if result.error_count:
        return result
    batch = uuid.uuid4().hex
    savepoint = await session.begin_nested()
    first_event = (
        await session.scalar(select(UnitEvent.id).order_by(UnitEvent.id.desc()).limit(1)) or 0
    )
    await _apply(session, actor, by_old, principal, result)
    result.preview = result.preview[:preview]
    if result.error_count or dry_run:
        await savepoint.rollback()
        return result
    await session.execute(update(UnitEvent).where(UnitEvent.id > first_event).values(batch=batch))
    await record(
        session,
        actor,
        "unit.crosswalk",
        "unit",
        None,
        None,
        {"batch": batch, "rows": result.rows, **result.counts},
    )
    await savepoint.commit()
    result.written = True
    return result
