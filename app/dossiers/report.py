"""The feed's indicators for a selection of units and a period, as rows (API, CSV, console)."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.dossiers.indicators import By, Counts, returned_counts
from app.dossiers.schemas import IndicatorRow, IndicatorsOut
from app.dossiers.scores import COMPONENTS, points, rated_counts, ratings_as_of
from app.dossiers.tally import freshness
from app.units.service import UnitTree

CSV_HEADER = (
    "# Dossier indicators from the one-stop system's feed (definitions: docs/dossiers.md).\n"
    "# transactions: returned in the period and not cancelled; shares in %% of with_due "
    "(timeliness) or of transactions (online).\n"
    "# period: %s to %s\n"
    "# counted as of: %s; events not yet counted: %d; rated dossiers as of: %s\n"
)


def _row(
    code: str | None, name: str | None, group: str, counts: Counts, rated: tuple[int, int]
) -> IndicatorRow:
    shares = counts.shares()
    answered, satisfied = rated
    shares["satisfaction_share"] = 100.0 * satisfied / answered if answered else None
    return IndicatorRow(
        unit=code,
        unit_name=name,
        group=group,
        transactions=counts.transactions,
        with_due=counts.with_due,
        early=counts.early,
        on_time=counts.on_time,
        late=counts.late,
        online=counts.online,
        received=counts.received,
        rated_answered=answered,
        rated_satisfied=satisfied,
        **shares,
        **points(shares),
    )


async def indicators(
    session: AsyncSession,
    tree: UnitTree,
    unit_ids: set[int] | None,
    period: tuple[date, date],
    by: By = "none",
) -> IndicatorsOut:
    """Rows per unit (and group) with data in the period, by unit code; and their total."""
    folded_at, pending = await freshness(session)
    found = await returned_counts(session, period, unit_ids, by)
    rated = await rated_counts(session, period, unit_ids, by)
    total, total_rated = Counts(), (0, 0)
    rows = []
    for unit_id, group in sorted(
        set(found) | set(rated), key=lambda key: (tree.by_id[key[0]].code, key[1])
    ):
        node, counts = tree.by_id[unit_id], found.get((unit_id, group), Counts())
        answered, satisfied = rated.get((unit_id, group), (0, 0))
        rows.append(_row(node.code, node.name, group, counts, (answered, satisfied)))
        total.add(counts)
        total_rated = (total_rated[0] + answered, total_rated[1] + satisfied)
    return IndicatorsOut(
        period_from=period[0],
        period_to=period[1],
        by=by,
        rows=rows,
        total=_row(None, None, "", total, total_rated),
        as_of=folded_at,
        pending=pending,
        ratings_as_of=await ratings_as_of(session),
        components=list(COMPONENTS),
    )


def as_csv(report: IndicatorsOut) -> str:
    """The report as CSV: its definitions as '# ' lines, one line per row, the total last."""
    out = io.StringIO()
    as_of = report.as_of.isoformat(timespec="seconds") if report.as_of else "not yet"
    rated = report.ratings_as_of
    rated_as_of = rated.isoformat(timespec="seconds") if rated else "not yet"
    out.write(
        CSV_HEADER % (report.period_from, report.period_to, as_of, report.pending, rated_as_of)
    )
    for c in report.components:
        out.write(f"# {c.code}_points ({c.basis}; Decision 766/QĐ-TTg, {c.group}): {c.rule}\n")
    fields = list(IndicatorRow.model_fields)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in [*report.rows, report.total]:
        writer.writerow(row.model_dump(include=set(fields)))
    return out.getvalue()
