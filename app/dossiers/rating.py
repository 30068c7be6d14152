"""Per-dossier rating: a returned dossier's own single-use rating code, and satisfaction by the
dossier's procedure, field, channel and timeliness.

The code is the integrity issue's receipt code (app/integrity/receipts.py) for the round open
at the dossier's unit: the citizen rates *that* transaction at /r/<code>, once. The response
stores the keyed hash of the dossier reference (``response.receipt_hash``); the dossier's
returned event stores the same hash (``rating_hash``) when its code is issued. The join of the
two is the link; neither the response nor any report holds the dossier number.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.dossiers.schemas import (
    DossierSatisfactionOut,
    DossierSatisfactionRow,
    EventError,
    RatingCode,
)
from app.errors import Gone
from app.forms.schema import Instrument
from app.integrity.receipts import issue_code, parse_code, receipt_url, round_key
from app.models import DossierEvent, Round
from app.rounds.service import open_round_for_unit
from app.statistics.cells import Spec
from app.units.service import UnitTree

RatingBy = Literal["procedure", "field", "channel", "timeliness"]
GROUP_SQL = {
    "procedure": "d.procedure_code",
    "field": "d.field",
    "channel": "d.channel",
    "timeliness": (
        "CASE WHEN d.due_on IS NULL THEN 'no_due' WHEN d.returned_on < d.due_on THEN 'early' "
        "WHEN d.returned_on = d.due_on THEN 'on_time' ELSE 'late' END"
    ),
}


def _refused(number: str, code: str, message: str) -> RatingCode:
    return RatingCode(
        number=number, status="rejected", error=EventError(code=code, message=message)
    )


async def issue_rating(
    session: AsyncSession,
    principal: Principal,
    tree: UnitTree,
    number: str,
    secret_key: str,
    base_url: str,
    today: date,
) -> RatingCode:
    """The rating code of a returned dossier of the key's units (the same code if asked again)."""
    event = await session.scalar(
        select(DossierEvent).where(DossierEvent.number == number, DossierEvent.kind == "returned")
    )
    if event is None:
        return _refused(number, "not_returned", "no returned event with this number")
    if not principal.feeds(event.unit_id, tree):
        return _refused(number, "out_of_scope", "outside your key's units")
    try:
        round_ = await open_round_for_unit(session, event.unit_id, today)
    except Gone:
        return _refused(number, "no_open_round", "no round is open at the dossier's unit")
    code = issue_code(round_key(secret_key, round_.code), tree.by_id[event.unit_id].code, number)
    event.rating_round_id = round_.id
    event.rating_hash = parse_code(code).dossier_hash(secret_key, round_.code)
    return RatingCode(
        number=number,
        status="issued",
        round=round_.code,
        code=code,
        url=receipt_url(base_url, code),
    )


def _row(group: str, row: Any) -> DossierSatisfactionRow:
    answered, satisfied = int(row.answered or 0), int(row.satisfied or 0)
    return DossierSatisfactionRow(
        group=group,
        responses=int(row.responses or 0),
        answered=answered,
        satisfied=satisfied,
        index=100.0 * satisfied / answered if answered else None,
    )


async def dossier_satisfaction(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    unit_ids: set[int] | None,
    by: RatingBy,
) -> DossierSatisfactionOut:
    """Valid responses linked to a fed dossier, by the dossier's ``by``: the pooled share of
    satisfied criterion answers (Σ satisfied ÷ Σ answered, unweighted), and its total."""
    ctes, params = Spec.of(instrument).ctes()
    params["round_id"] = round_.id
    scope = ""
    if unit_ids is not None:
        scope = f"AND r.unit_id IN ({', '.join(str(int(u)) for u in sorted(unit_ids)) or 'NULL'})"
    sql = f"""
    WITH {ctes},
    linked AS (
      SELECT r.id AS response_id, {GROUP_SQL[by]} AS grp
      FROM response r
      JOIN dossier_event d ON d.rating_hash = r.receipt_hash AND d.kind = 'returned'
        AND d.rating_round_id = r.round_id
      WHERE r.round_id = :round_id AND r.status = 'valid' AND r.receipt_hash IS NOT NULL {scope}
    ),
    scored AS (
      SELECT l.grp, l.response_id, CASE WHEN s.question IS NULL THEN 0 ELSE 1 END AS y
      FROM linked l
      JOIN answer a ON a.response_id = l.response_id AND a.value IS NOT NULL
      JOIN crit c ON c.question = a.question
      LEFT JOIN satlev s ON s.question = a.question AND s.level = a.value
    )"""
    measures = "COUNT(DISTINCT response_id) AS responses, COUNT(*) AS answered, SUM(y) AS satisfied"
    by_group = f"{sql} SELECT grp, {measures} FROM scored GROUP BY grp"
    rows = list(await session.execute(text(by_group), params))
    totals = (await session.execute(text(f"{sql} SELECT {measures} FROM scored"), params)).one()
    return DossierSatisfactionOut(
        round=round_.code,
        by=by,
        rows=[_row(str(r.grp), r) for r in sorted(rows, key=lambda r: str(r.grp))],
        total=_row("", totals),
    )
