"""Gaps and key drivers as served: computed by the background worker, read by requests.

Computing a unit's gaps or drivers reads the round's answers (the unit's subtree, its
siblings, the province): work that grows with the data, so no request does it once the worker
has been by. The worker (app/improvement/tasks.py) computes both for every reported unit of
every round (an ``improvement_figures`` row each, in Vietnamese) and again when the round's
figures have changed since (``basis``: app.reporting.published.data_changed_at — the last fold
of the tallies or the latest audited change to the round, such as targets), at most once per
``REFRESH_AFTER`` seconds per row. A request checks the reader's scope, reads the row, puts
the names in the language asked for and states ``freshness``: ``source`` 'worker', ``as_of``
when it was computed, ``stale`` when the round's figures changed since, ``pending`` when
responses are queued that the tallies have not taken in yet. A unit the worker has
not reached yet (just after a round opens) is not computed in the request (that work grows
with the data): the answer is ``PendingFigures`` (``status`` 'pending', HTTP 202), and an
``improvement_demand`` row makes the worker compute that unit before any other. The figures
are those of the functions that compute them
(app.improvement.gaps.unit_gaps, app.improvement.drivers.key_drivers), stored as JSON: equal
to the last bit (a float survives JSON's shortest repr exactly).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.db import Database, dialect_insert
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.improvement.drivers import key_drivers
from app.improvement.gaps import unit_gaps
from app.improvement.schemas import DriverReport, GapReport, PendingFigures
from app.models import ImprovementDemand, ImprovementFigures
from app.models.base import as_utc, utcnow
from app.reporting.moh import MOH, STORED_LANG, is_health, moh_block
from app.reporting.service import covered_children, report_target
from app.reporting.worker_figures import freshness_of
from app.statistics.design import Design
from app.statistics.moh import MohSums

KINDS = ("gaps", "drivers")  # of every satisfaction round; a health round's also MOH
PENDING = {
    "vi": "Số liệu của đơn vị chưa được tính: hệ thống đang tính (ưu tiên đơn vị này), "
    "vui lòng xem lại sau ít phút.",
    "en": "Not computed yet: the background worker computes this unit's figures next; "
    "ask again in a few minutes.",
}


async def compute(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str,
    kind: str,
    settings: Settings,
) -> dict[str, Any]:
    """The unit's gaps or drivers (full scope), as stored."""
    fn = unit_gaps if kind == "gaps" else key_drivers
    report = await fn(session, catalogue, round_code, unit_code, None, STORED_LANG, settings)
    return report.model_dump(mode="json", exclude={"freshness"})


def kinds_of(instrument: Instrument) -> tuple[str, ...]:
    """The kinds of row the worker keeps for a round of the instrument."""
    return (*KINDS, MOH) if is_health(instrument) else KINDS


async def compute_moh(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str,
    sums: MohSums,
    design: Design,
) -> dict[str, Any]:
    """The unit's ``moh`` block (app.reporting.moh), as stored, from the round's sums."""
    target = await report_target(session, catalogue, round_code, unit_code, None)
    children = covered_children(target, target.unit.id)
    block = moh_block(
        sums, target.form.instrument, target.tree, target.unit, children, STORED_LANG, design.ci
    )
    return block.model_dump(mode="json", exclude={"freshness"})


def relabel(report: GapReport | DriverReport, instrument: Instrument, lang: str) -> None:
    """Put the criteria's and elements' names in ``lang`` (the only language-bound fields)."""
    if lang == STORED_LANG:
        return
    names = instrument.names(lang)
    items = (
        [*report.criteria, *report.elements] if isinstance(report, GapReport) else report.drivers
    )
    for item in items:
        item.name = names.get(item.code, item.name)


async def demand(db: Database, round_id: int, unit_id: int) -> datetime:
    """Record that the unit's figures were asked for (once); when they first were."""
    async with db.writing() as session:
        stmt = dialect_insert(session, ImprovementDemand).values(
            round_id=round_id, unit_id=unit_id, requested_at=utcnow()
        )
        await session.execute(stmt.on_conflict_do_nothing())
        found = await session.get(ImprovementDemand, (round_id, unit_id))
    return as_utc(found.requested_at) if found else utcnow()


Served = GapReport | DriverReport | PendingFigures


async def _served(
    session: AsyncSession,
    catalogue: Catalogue,
    kind: str,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
    lang: str,
    db: Database | None,
) -> Served:
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    if target.form.instrument.aggregation.is_points:  # the worker computes none: say why
        raise Conflict(f"{target.form.instrument.code} is scored in points: no {kind}")
    row = await session.get(ImprovementFigures, (target.round.id, target.unit.id, kind))
    if row is None:
        asked = await demand(db, target.round.id, target.unit.id) if db else utcnow()
        return PendingFigures(
            kind=kind,
            round=target.round.code,
            unit=target.unit.code,
            requested_at=asked,
            message=PENDING["en" if lang == "en" else "vi"],
        )
    model = GapReport if kind == "gaps" else DriverReport
    report = model.model_validate(row.report)
    relabel(report, target.form.instrument, lang)
    report.freshness = await freshness_of(session, target.round, row.as_of, row.basis)
    return report


R = TypeVar("R", GapReport, DriverReport)


def _serving(kind: str, model: type[R]) -> Callable[..., Awaitable[R | PendingFigures]]:
    """``served_gaps`` / ``served_drivers``: (session, catalogue, round_code, unit_code,
    principal, lang="vi", db=None); ``db``: where to record a demand for pending figures."""

    async def served(
        session: AsyncSession,
        catalogue: Catalogue,
        round_code: str,
        unit_code: str | None,
        principal: Principal | None,
        lang: str = "vi",
        db: Database | None = None,
    ) -> R | PendingFigures:
        found = await _served(session, catalogue, kind, round_code, unit_code, principal, lang, db)
        assert isinstance(found, model | PendingFigures)
        return found

    served.__doc__ = (
        f"The unit's {kind} as the worker last computed them (scope checked), else pending."
    )
    return served


served_gaps = _serving("gaps", GapReport)
served_drivers = _serving("drivers", DriverReport)
