"""A round's frame: completed transactions N_h per unit, optionally split by procedure field.

Cells come from the API (PUT) or from a CSV/XLSX export of the one-stop software (columns
``unit``, ``transactions`` and optionally ``field``). Each unit named is set as a whole: its
cells are replaced, and ``round_unit.volume`` — the N_h statistics weight with — is set to the
cells' sum through rounds.service.set_volume (audited). Units not named keep their frame.
An import is all-or-nothing: every row is checked first and any rejection stores nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.models import FrameCell, Round, RoundUnit, Unit
from app.rounds.service import set_volume
from app.sampling.schemas import CellIn, CellOut, FrameOut, ImportReport, UnitFrame
from app.sampling.scope import ImportScope
from app.sampling.tabular import Rejections, UploadedTable, cell, open_table, text, whole_number
from app.units.service import UnitNode

FIELD_MAX = 128


@dataclass(frozen=True)
class CellRow:
    line: int
    unit: str
    field: str
    transactions: int


def volume_rows(table: UploadedTable, report: Rejections) -> list[CellRow]:
    """Parse the rows of a volumes file; problems go to ``report``."""
    cols = table.columns(("unit", "transactions"), ("field",))
    rows = []
    for line, values in table.rows:
        report.rows += 1
        unit, field = text(cell(values, cols["unit"])), text(cell(values, cols.get("field")))
        count = whole_number(cell(values, cols["transactions"]))
        if count is None:
            report.add(line, "transactions", "not a whole number ≥ 0")
        elif len(field) > FIELD_MAX:
            report.add(line, "field", f"longer than {FIELD_MAX} characters")
        else:
            rows.append(CellRow(line, unit, field, count))
    return rows


def check_cells(
    rows: Iterable[CellRow], scope: ImportScope, report: Rejections
) -> dict[UnitNode, list[CellRow]]:
    """Cells by unit; unknown or out-of-scope units, repeated cells and mixed splits rejected."""
    by_unit: dict[UnitNode, list[CellRow]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        node, problem = scope.check(row.unit)
        first = seen.setdefault((row.unit, row.field), row.line)
        if node is None:
            report.add(row.line, "unit", problem or "unknown unit")
        elif first != row.line:
            report.add(
                row.line, "field", f"unit {row.unit} field {row.field!r} repeats line {first}"
            )
        elif by_unit[node] and (by_unit[node][0].field == "") != (row.field == ""):
            report.add(row.line, "field", f"unit {row.unit} mixes rows with and without a field")
        else:
            by_unit[node].append(row)
    return by_unit


async def _store(
    session: AsyncSession,
    actor: Actor,
    scope: ImportScope,
    by_unit: dict[UnitNode, list[CellRow]],
    origin: str,
) -> tuple[list[str], int]:
    round_ = scope.round
    added, totals = [], {}
    for node, cells in sorted(by_unit.items(), key=lambda item: item[0].code):
        await session.execute(
            delete(FrameCell).where(FrameCell.round_id == round_.id, FrameCell.unit_id == node.id)
        )
        session.add_all(
            FrameCell(
                round_id=round_.id, unit_id=node.id, field=c.field, transactions=c.transactions
            )
            for c in cells
        )
        totals[node.code] = total = sum(c.transactions for c in cells)
        current = await session.get(RoundUnit, (round_.id, node.id))
        if current is None or current.volume != total:
            unit = await session.get_one(Unit, node.id)
            await set_volume(session, actor, round_, unit, total)
        if node.id not in scope.covered:
            added.append(node.code)
    await session.flush()
    changes = {"origin": origin, "units": totals, "added": added}
    await record(session, actor, "frame.set", "round", round_.code, scope.anchor, changes)
    return added, sum(totals.values())


async def put_cells(
    session: AsyncSession, actor: Actor, scope: ImportScope, cells: Sequence[CellIn]
) -> FrameOut:
    """Set the frame of the units listed (422 with the rejected cells, nothing stored)."""
    report = Rejections(rows=len(cells))
    rows = [CellRow(i, c.unit, c.field, c.transactions) for i, c in enumerate(cells, start=1)]
    by_unit = check_cells(rows, scope, report)
    report.raise_if_any()
    await _store(session, actor, scope, by_unit, "api")
    return await frame_of(session, scope.round)


async def import_volumes(
    session: AsyncSession, actor: Actor, scope: ImportScope, file: IO[bytes]
) -> ImportReport:
    """Import a volumes file (CSV or XLSX): all rows or none."""
    started = time.perf_counter()
    report = Rejections()
    by_unit = check_cells(volume_rows(open_table(file), report), scope, report)
    report.raise_if_any()
    added, total = await _store(session, actor, scope, by_unit, "import")
    return ImportReport(
        kind="volumes",
        rows=report.rows,
        units=len(by_unit),
        added_units=added,
        total=total,
        seconds=round(time.perf_counter() - started, 3),
    )


async def frame_of(session: AsyncSession, round_: Round) -> FrameOut:
    """Every covered unit with its N_h and its cells (none when only the volume is known)."""
    units = await session.execute(
        select(Unit.id, Unit.code, Unit.name, RoundUnit.volume)
        .join(RoundUnit, RoundUnit.unit_id == Unit.id)
        .where(RoundUnit.round_id == round_.id)
        .order_by(Unit.code)
    )
    cells: dict[int, list[CellOut]] = defaultdict(list)
    for row in await session.scalars(
        select(FrameCell).where(FrameCell.round_id == round_.id).order_by(FrameCell.field)
    ):
        cells[row.unit_id].append(CellOut(field=row.field, transactions=row.transactions))
    frames = [
        UnitFrame(unit=code, name=name, volume=volume, cells=cells[uid])
        for uid, code, name, volume in units
    ]
    total = sum(f.volume or 0 for f in frames)
    return FrameOut(round=round_.code, total=total, units=frames)
