"""Draws from a round's list frame, following the round's current plan, stored with their seed.

A draw needs the plan's N_h to match the list frame (the count of listed dossiers of each
stratum): a plan computed from other figures would give wrong probabilities, so a mismatch is
refused (409) with the strata that differ. Dossiers are sorted by code (in Python, so that
both databases' collations give the same order) and selected per stratum (app.sampling.
selection); each selection stores π = n_h / N_h, the base of its design weight 1/π.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import Conflict, NotFound
from app.models import Dossier, Round, SampleDraw, SampleSelection, SampleStratum, Unit
from app.sampling.plans import current_plan, plan_out
from app.sampling.schemas import DrawDetail, DrawOut, PlanOut, SelectionOut
from app.sampling.scope import ImportScope
from app.sampling.selection import DrawMethod, select_positions

BATCH = 5000
# Core, not ORM, bulk INSERT: the ORM path slowed down batch after batch (measured).
SELECTIONS = cast(Table, SampleSelection.__table__)
Listed = tuple[int, str, int]  # dossier id, code, unit id


def latest_draw_id(round_id: int) -> Any:
    """The id of the round's latest draw, as a scalar subquery."""
    return (
        select(SampleDraw.id)
        .where(SampleDraw.round_id == round_id)
        .order_by(SampleDraw.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def _listed_by_stratum(
    session: AsyncSession, scope: ImportScope, strata: list[SampleStratum]
) -> dict[str, list[Listed]]:
    stratum_of = {scope.tree.get(code).id: s.stratum for s in strata for code in s.members}
    rows = await session.execute(
        select(Dossier.id, Dossier.code, Dossier.unit_id).where(Dossier.round_id == scope.round.id)
    )
    groups: dict[str, list[Listed]] = defaultdict(list)
    for dossier_id, code, unit_id in rows:
        if unit_id in stratum_of:  # units the plan excluded are not drawn from
            groups[stratum_of[unit_id]].append((dossier_id, code, unit_id))
    for listed in groups.values():
        listed.sort(key=lambda d: d[1])
    return groups


def _check_counts(strata: list[SampleStratum], groups: dict[str, list[Listed]]) -> None:
    differ = [
        f"{s.stratum} (plan N = {s.population}, listed {len(groups.get(s.stratum, []))})"
        for s in strata
        if s.population != len(groups.get(s.stratum, []))
    ]
    if differ:
        raise Conflict(
            "the plan does not match the list frame: "
            + "; ".join(differ[:10])
            + ". Compute the plan again from the dossiers (source 'dossiers')."
        )


async def create_draw(
    session: AsyncSession,
    actor: Actor,
    scope: ImportScope,
    seed: int | None = None,
    method: DrawMethod = "srs",
) -> DrawOut:
    """Draw the current plan's sample from the list frame; store and audit it."""
    plan, strata = await current_plan(session, scope.round)
    groups = await _listed_by_stratum(session, scope, strata)
    _check_counts(strata, groups)
    seed = secrets.randbits(63) if seed is None else seed
    snapshot = plan_out(scope.round, plan, strata, scope.tree)
    draw = SampleDraw(
        round_id=scope.round.id,
        plan_id=plan.id,
        plan=snapshot.model_dump(mode="json"),
        seed=seed,
        method=method,
        selected=plan.total,
        created_by=actor.label,
        user_id=actor.user_id,
    )
    session.add(draw)
    await session.flush()
    rows: list[dict[str, Any]] = []
    for s in strata:
        listed = groups.get(s.stratum, [])
        positions = select_positions(method, [d[1] for d in listed], s.size, seed, s.stratum)
        probability = s.size / s.population
        rows += [
            {
                "draw_id": draw.id,
                "dossier_id": listed[p][0],
                "unit_id": listed[p][2],
                "stratum": s.stratum,
                "probability": probability,
            }
            for p in positions
        ]
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(SELECTIONS), rows[start : start + BATCH])
    changes = {"draw": draw.id, "seed": seed, "method": method, "plan_version": plan.version}
    await record(
        session, actor, "sample_draw.create", "round", scope.round.code, scope.anchor, changes
    )
    return _draw_out(scope.round, draw, snapshot)


def _draw_out(round_: Round, draw: SampleDraw, snapshot: PlanOut) -> DrawOut:
    return DrawOut(
        id=draw.id,
        round=round_.code,
        plan_version=snapshot.version,
        seed=draw.seed,
        method=draw.method,
        selected=draw.selected,
        created_at=draw.created_at,
        created_by=draw.created_by,
        strata=snapshot.strata,
    )


async def _draw(session: AsyncSession, round_: Round, draw_id: int) -> SampleDraw:
    draw = await session.get(SampleDraw, draw_id)
    if draw is None or draw.round_id != round_.id:
        raise NotFound(f"round {round_.code} has no draw {draw_id}")
    return draw


async def list_draws(session: AsyncSession, round_: Round) -> list[DrawOut]:
    """The round's draws, newest first (the plan each followed, without the selections)."""
    draws = await session.scalars(
        select(SampleDraw).where(SampleDraw.round_id == round_.id).order_by(SampleDraw.id.desc())
    )
    return [_draw_out(round_, d, PlanOut.model_validate(d.plan)) for d in draws]


async def draw_summary(
    session: AsyncSession, round_: Round, draw_id: int
) -> tuple[DrawOut, dict[str, int]]:
    """A draw without its selections, and how many dossiers it selected per stratum."""
    draw = await _draw(session, round_, draw_id)
    counts = await session.execute(
        select(SampleSelection.stratum, func.count())
        .where(SampleSelection.draw_id == draw.id)
        .group_by(SampleSelection.stratum)
    )
    selected = {stratum: n for stratum, n in counts}
    return _draw_out(round_, draw, PlanOut.model_validate(draw.plan)), selected


async def draw_detail(session: AsyncSession, round_: Round, draw_id: int) -> DrawDetail:
    """A draw and its selected dossiers (codes, never contacts), by stratum and code."""
    draw = await _draw(session, round_, draw_id)
    rows = await session.execute(
        select(
            SampleSelection.id,
            Dossier.code,
            Unit.code,
            Dossier.field,
            SampleSelection.stratum,
            SampleSelection.probability,
        )
        .join(Dossier, Dossier.id == SampleSelection.dossier_id)
        .join(Unit, Unit.id == SampleSelection.unit_id)
        .where(SampleSelection.draw_id == draw.id)
    )
    selections = sorted(
        (
            SelectionOut(id=i, dossier=c, unit=u, field=f, stratum=s, probability=p)
            for i, c, u, f, s, p in rows
        ),
        key=lambda sel: (sel.stratum, sel.dossier),
    )
    out = _draw_out(round_, draw, PlanOut.model_validate(draw.plan))
    return DrawDetail(**out.model_dump(), selections=selections)


CSV_COLUMNS = ("selection_id", "dossier", "unit", "field", "stratum", "probability", "weight")


def selections_csv(detail: DrawDetail) -> str:
    """The selected list as CSV (UTF-8 with a BOM, so that Excel reads Vietnamese names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for s in detail.selections:
        weight = 1 / s.probability if s.probability else ""
        writer.writerow([s.id, s.dossier, s.unit, s.field, s.stratum, repr(s.probability), weight])
    return "\ufeff" + buffer.getvalue()
