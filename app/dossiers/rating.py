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
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.dossiers.schemas import (
    DossierSatisfactionOut,
    DossierSatisfactionRow,
    EventError,
    RatingCode,
)
from app.errors import Gone
from app.integrity.receipts import issue_code, parse_code, receipt_url, round_key
from app.models import DossierEvent, DossierRatingState, DossierRatingTally, Round
from app.rounds.service import open_round_for_unit
from app.units.service import UnitTree

RatingBy = Literal["procedure", "field", "channel", "timeliness"]
T = DossierRatingTally
GROUP_COLUMN = {
    "procedure": T.procedure_code,
    "field": T.field,
    "channel": T.channel,
    "timeliness": T.timeliness,
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


def _row(group: str, responses: int, answered: int, satisfied: int) -> DossierSatisfactionRow:
    return DossierSatisfactionRow(
        group=group,
        responses=responses,
        answered=answered,
        satisfied=satisfied,
        index=100.0 * satisfied / answered if answered else None,
    )


async def dossier_satisfaction(
    session: AsyncSession, round_: Round, unit_ids: set[int] | None, by: RatingBy
) -> DossierSatisfactionOut:
    """Valid responses linked to a fed dossier, by the dossier's ``by``: the pooled share of
    satisfied criterion answers (Σ satisfied ÷ Σ answered, unweighted), and its total. Summed
    over the worker's rows (app/dossiers/rating_tally.py), as of their computation."""
    group = GROUP_COLUMN[by]
    sums = (func.sum(T.responses), func.sum(T.answered), func.sum(T.satisfied))
    query = select(group, *sums).where(T.round_id == round_.id)
    if unit_ids is not None:
        query = query.where(T.unit_id.in_(sorted(unit_ids)))
    rows = [
        _row(str(g), int(n or 0), int(a or 0), int(s or 0))
        for g, n, a, s in await session.execute(query.group_by(group))
    ]
    rows.sort(key=lambda r: r.group)
    as_of = await session.scalar(
        select(DossierRatingState.as_of).where(DossierRatingState.round_id == round_.id)
    )
    total = _row(
        "",
        sum(r.responses for r in rows),
        sum(r.answered for r in rows),
        sum(r.satisfied for r in rows),
    )
    return DossierSatisfactionOut(round=round_.code, by=by, rows=rows, total=total, as_of=as_of)
