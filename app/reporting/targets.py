"""A round's score bands and its units' targets: set by admins, audited."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.errors import AppError
from app.forms.registry import Catalogue
from app.models import Round, Target
from app.reporting.comparisons import round_bands
from app.reporting.snapshots import reported_units
from app.rounds.service import covered_unit_ids, round_unit_id
from app.statistics.comparisons import Band, check_bands
from app.units.service import load_tree


async def set_bands(
    session: AsyncSession, actor: Actor, round_: Round, bands: Sequence[Band] | None
) -> list[Band]:
    """Replace the round's bands (best first; None or [] removes them); audited."""
    if bands and (problems := check_bands(bands)):
        raise AppError("; ".join(problems))
    before = [{"label": b.label, "min": b.min} for b in round_bands(round_)]
    after = [{"label": b.label.strip(), "min": b.min} for b in bands or ()]
    round_.bands = after or None
    await session.flush()
    changes = {"bands": [before, after]}
    unit_id = await round_unit_id(session, round_)
    await record(session, actor, "round.bands", "round", round_.code, unit_id, changes)
    return round_bands(round_)


async def set_targets(
    session: AsyncSession,
    actor: Actor,
    catalogue: Catalogue,
    round_: Round,
    targets: Sequence[tuple[str, float | None]],
    principal: Principal | None = None,
) -> dict[str, float]:
    """Set (or with None remove) units' targets for the round; admin on each unit; audited.

    A target is for a unit the round reports on (a covered unit or an ancestor of one), in
    the unit of the round's index: percent for shares, points for TT 01/2018.
    """
    tree = await load_tree(session)
    reported = {n.id for n in reported_units(tree, await covered_unit_ids(session, round_.id))}
    points = catalogue.get(round_.form_code).instrument.aggregation.is_points
    existing = {
        t.unit_id: t
        for t in await session.scalars(select(Target).where(Target.round_id == round_.id))
    }
    for code, value in targets:
        unit = tree.get(code)
        if principal is not None:
            require(principal, "admin", unit.id, tree)
        if unit.id not in reported:
            raise AppError(f"round {round_.code} does not report on unit {code}")
        if value is not None and not (math.isfinite(value) and (points or 0 <= value <= 100)):
            raise AppError(f"target for {code} must be a percentage (0 to 100)")
        row = existing.get(unit.id)
        before = row.value if row else None
        if value is None and row is not None:
            await session.delete(row)
        elif value is not None and row is None:
            session.add(Target(round_id=round_.id, unit_id=unit.id, value=value))
        elif value is not None and row is not None:
            row.value = value
        await session.flush()
        changes = {"unit": code, "value": [before, value]}
        await record(session, actor, "round.target", "round", round_.code, unit.id, changes)
    rows = await session.execute(
        select(Target.unit_id, Target.value).where(Target.round_id == round_.id)
    )
    return {tree.by_id[u].code: v for u, v in rows}
