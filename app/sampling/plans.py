"""Sample plans stored per round. Versioned: every computation adds a version (the highest is
current) and an audit event; draws keep a snapshot of the version they followed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import NotFound, Unprocessable
from app.forms.registry import Catalogue
from app.models import Dossier, Round, RoundUnit, SamplePlan, SampleStratum
from app.sampling.planning import PlanSpec, Sizing, Spread, size_strata
from app.sampling.schemas import ExcludedOut, PlanIn, PlanOut, Source, StratumOut
from app.sampling.scope import ImportScope
from app.sampling.spread import Moments, previous_moments
from app.sampling.strata import FrameUnit, Stratum, form_strata
from app.units.service import UnitTree


async def default_source(session: AsyncSession, round_id: int) -> Source:
    """The list frame when the round has one (draws need its counts), else the volumes."""
    listed = await session.scalar(select(exists().where(Dossier.round_id == round_id)))
    return "dossiers" if listed else "volumes"


async def frame_units(
    session: AsyncSession, round_id: int, source: Source, tree: UnitTree
) -> list[FrameUnit]:
    """Covered units with N from round_unit.volume, or from the count of listed dossiers."""
    covered = await session.execute(
        select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_id)
    )
    populations = {uid: volume for uid, volume in covered}
    if source == "dossiers":
        counts = await session.execute(
            select(Dossier.unit_id, func.count())
            .where(Dossier.round_id == round_id)
            .group_by(Dossier.unit_id)
        )
        listed = {uid: n for uid, n in counts}
        populations = {uid: listed.get(uid, 0) for uid in populations}
    units = []
    for uid, population in populations.items():
        node = tree.by_id[uid]
        parent = tree.by_id.get(node.parent_id) if node.parent_id is not None else None
        units.append(
            FrameUnit(uid, node.code, population, node.parent_id, parent.code if parent else None)
        )
    return units


async def stratum_spreads(
    session: AsyncSession,
    catalogue: Catalogue,
    round_: Round,
    strata: Sequence[Stratum],
    tree: UnitTree,
) -> dict[str, Spread]:
    """S_h per stratum key from the members' previous rounds (members' sums pooled)."""
    ids = {code: tree.get(code).id for s in strata for code in s.members}
    found = await previous_moments(session, catalogue, round_, sorted(ids.values()))
    spreads = {}
    for stratum in strata:
        parts = [found[ids[c]] for c in stratum.members if ids[c] in found]
        pooled = sum((m for _, m in parts), Moments(0, 0.0, 0.0))
        if pooled.sd is not None:
            rounds = ", ".join(sorted({code for code, _ in parts}))
            spreads[stratum.key] = Spread(pooled.sd, f"{rounds} ({pooled.n} responses)")
    return spreads


def _spec(params: PlanIn) -> PlanSpec:
    """The arithmetic's part of the request (strata and source are settled before)."""
    return PlanSpec(**params.model_dump(exclude={"threshold", "small", "source"}))


async def _size(
    session: AsyncSession,
    catalogue: Catalogue,
    scope: ImportScope,
    params: PlanIn,
    strata: list[Stratum],
) -> Sizing:
    neyman = params.method == "allocate" and params.allocation == "neyman"
    spreads = (
        await stratum_spreads(session, catalogue, scope.round, strata, scope.tree) if neyman else {}
    )
    try:
        return size_strata(_spec(params), strata, spreads)
    except ValueError as exc:
        raise Unprocessable(str(exc)) from None


async def compute_plan(
    session: AsyncSession, catalogue: Catalogue, actor: Actor, scope: ImportScope, params: PlanIn
) -> PlanOut:
    """Compute the plan from the round's frame and store it as the next version (audited)."""
    round_ = scope.round
    source = params.source or await default_source(session, round_.id)
    units = await frame_units(session, round_.id, source, scope.tree)
    strata, excluded = form_strata(units, params.threshold, params.small)
    if not strata:
        raise Unprocessable(f"nothing to sample: no unit of round {round_.code} has {source}")
    sizing = await _size(session, catalogue, scope, params, strata)
    latest = await session.scalar(
        select(func.max(SamplePlan.version)).where(SamplePlan.round_id == round_.id)
    )
    plan = SamplePlan(
        round_id=round_.id,
        version=(latest or 0) + 1,
        source=source,
        params=params.model_dump(mode="json"),
        total=sizing.total,
        excluded=[e.__dict__ for e in excluded],
        notes=sizing.notes,
        created_by=actor.label,
        user_id=actor.user_id,
    )
    session.add(plan)
    await session.flush()
    rows = [
        SampleStratum(
            plan_id=plan.id,
            stratum=s.stratum.key,
            unit_id=s.stratum.unit_id,
            members=list(s.stratum.members),
            population=s.stratum.population,
            size=s.size,
            spread=s.spread,
            note=s.note,
        )
        for s in sizing.strata
    ]
    session.add_all(rows)
    await session.flush()
    summary = {"version": plan.version, "source": source, "total": plan.total, **plan.params}
    await record(session, actor, "sample_plan.create", "round", round_.code, scope.anchor, summary)
    return plan_out(round_, plan, rows, scope.tree)


async def current_plan(
    session: AsyncSession, round_: Round
) -> tuple[SamplePlan, list[SampleStratum]]:
    """The latest version of the round's plan (404 when none was computed)."""
    plan = await session.scalar(
        select(SamplePlan)
        .where(SamplePlan.round_id == round_.id)
        .order_by(SamplePlan.version.desc())
        .limit(1)
    )
    if plan is None:
        raise NotFound(f"round {round_.code} has no sample plan yet: PUT its plan first")
    rows = await session.scalars(
        select(SampleStratum)
        .where(SampleStratum.plan_id == plan.id)
        .order_by(SampleStratum.stratum)
    )
    return plan, list(rows.all())


def plan_out(
    round_: Round, plan: SamplePlan, rows: Sequence[SampleStratum], tree: UnitTree
) -> PlanOut:
    strata = [stratum_out(r, tree.by_id[r.unit_id].code) for r in rows]
    return PlanOut(
        round=round_.code,
        version=plan.version,
        source=plan.source,
        params=plan.params,
        population=sum(s.population for s in strata),
        total=plan.total,
        strata=strata,
        excluded=[ExcludedOut.model_validate(e) for e in plan.excluded],
        notes=plan.notes,
        created_at=plan.created_at,
        created_by=plan.created_by,
    )


def stratum_out(row: SampleStratum, unit_code: str) -> StratumOut:
    return StratumOut(
        stratum=row.stratum,
        unit=unit_code,
        members=row.members,
        population=row.population,
        size=row.size,
        probability=row.size / row.population if row.population else 0.0,
        spread=row.spread,
        note=row.note,
    )
