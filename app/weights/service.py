"""Weight sets: computed idempotently into named versions, listed, shown, activated."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from anyio import to_thread
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import Conflict, NotFound
from app.forms.schema import Instrument
from app.models import Response, Round, WeightSet, WeightValue
from app.rounds.service import round_unit_id
from app.weights.calibration import Categories
from app.weights.data import CHUNK, Progress, ResponseData, load_responses, strata_variable
from app.weights.pipeline import Adjusted, adjust
from app.weights.schemas import ComputeRequest, Coverage, WeightingInputs
from app.weights.summary import describe, weight_stats

UNNEST_VALUES = text(
    "INSERT INTO weight_value (weight_set_id, response_id, weight) "
    "SELECT :set, id, weight FROM unnest(CAST(:ids AS bigint[]), CAST(:weights AS float8[])) "
    "AS v(id, weight)"
)


def canonical_hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


async def _existing(
    session: AsyncSession, round_: Round, name: str, inputs_hash: str, data_hash: str
) -> WeightSet | None:
    return await session.scalar(
        select(WeightSet)
        .where(WeightSet.round_id == round_.id, WeightSet.name == name)
        .where(WeightSet.inputs_hash == inputs_hash, WeightSet.data_hash == data_hash)
        .order_by(WeightSet.version.desc())
        .limit(1)
    )


def _summary(data: ResponseData, adjusted: Adjusted, strata: str) -> dict[str, Any]:
    described = describe(adjusted.weights, Categories.of(strata, data.values[strata]))
    return {**described, "iterations": adjusted.iterations, "base": weight_stats(data.base)}


async def compute_weight_set(
    session: AsyncSession,
    actor: Actor,
    round_: Round,
    instrument: Instrument,
    request: ComputeRequest,
    progress: Progress | None = None,
) -> tuple[WeightSet, bool]:
    """The weight set for these inputs over the round's current valid responses.

    Same name, inputs and data as an existing version: that version (False). Otherwise a new
    version (True), stored with its weights and summary; audited. Raises WeightingError (422).
    """
    inputs = WeightingInputs.model_validate(request.model_dump(exclude={"name", "activate"}))
    inputs_json = inputs.model_dump(mode="json")
    name = request.name or inputs.method
    strata = strata_variable(round_)
    variables = list(dict.fromkeys([*inputs.variables(), strata]))
    data = await load_responses(session, round_, instrument, variables, progress)
    inputs_hash = canonical_hash(inputs_json)
    found = await _existing(session, round_, name, inputs_hash, data.fingerprint)
    created = found is None
    if found is None:
        adjusted = await to_thread.run_sync(adjust, data.base, data.values, inputs)
        found = await _store(session, round_, name, inputs_json, inputs_hash, data, actor)
        found.summary = _summary(data, adjusted, strata)
        await _store_values(session, found, data.ids, adjusted.weights.tolist(), progress)
        await record(
            session,
            actor,
            "weight_set.compute",
            "weight_set",
            found.id,
            await round_unit_id(session, round_),
            {"round": round_.code, "name": name, "version": found.version, "method": found.method},
        )
    if request.activate:
        await activate_weight_set(session, actor, round_, found.id)
    return found, created


async def _store(
    session: AsyncSession,
    round_: Round,
    name: str,
    inputs: dict[str, Any],
    inputs_hash: str,
    data: ResponseData,
    actor: Actor,
) -> WeightSet:
    latest = await session.scalar(
        select(func.max(WeightSet.version)).where(
            WeightSet.round_id == round_.id, WeightSet.name == name
        )
    )
    weight_set = WeightSet(
        round_id=round_.id,
        name=name,
        version=(latest or 0) + 1,
        method=inputs["method"],
        inputs=inputs,
        inputs_hash=inputs_hash,
        data_hash=data.fingerprint,
        responses=len(data.ids),
        active=False,
        created_by=actor.label,
        summary={},
    )
    session.add(weight_set)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"weight set {name!r} was computed at the same time; retry") from None
    return weight_set


async def _store_values(
    session: AsyncSession,
    weight_set: WeightSet,
    ids: list[int],
    weights: list[float],
    progress: Progress | None,
) -> None:
    """One statement per chunk; on PostgreSQL two arrays unnested (a row per parameter
    would cost seconds at 100,000 responses)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    step = CHUNK * 10 if postgres else CHUNK
    for start in range(0, len(ids), step):
        part_ids, part_weights = ids[start : start + step], weights[start : start + step]
        if postgres:
            await session.execute(
                UNNEST_VALUES, {"set": weight_set.id, "ids": part_ids, "weights": part_weights}
            )
        else:
            rows = [
                {"weight_set_id": weight_set.id, "response_id": rid, "weight": w}
                for rid, w in zip(part_ids, part_weights, strict=True)
            ]
            await session.execute(insert(WeightValue.metadata.tables["weight_value"]), rows)
        if progress:
            progress("storing weights", start + len(part_ids), len(ids))


async def list_weight_sets(session: AsyncSession, round_: Round) -> list[WeightSet]:
    """The round's weight sets, newest first."""
    stmt = select(WeightSet).where(WeightSet.round_id == round_.id).order_by(WeightSet.id.desc())
    return list((await session.scalars(stmt)).all())


async def get_weight_set(session: AsyncSession, round_: Round, weight_set_id: int) -> WeightSet:
    found = await session.get(WeightSet, weight_set_id)
    if found is None or found.round_id != round_.id:
        raise NotFound(f"round {round_.code} has no weight set {weight_set_id}")
    return found


async def activate_weight_set(
    session: AsyncSession, actor: Actor, round_: Round, weight_set_id: int
) -> WeightSet:
    """Make the set the round's weights: the round's weighting becomes 'raked'; audited."""
    chosen = await get_weight_set(session, round_, weight_set_id)
    await session.execute(
        update(WeightSet)
        .where(WeightSet.round_id == round_.id, WeightSet.id != chosen.id, WeightSet.active)
        .values(active=False)
    )
    await session.flush()
    previous = round_.weighting
    chosen.active, round_.weighting = True, "raked"
    try:
        await session.flush()
    except IntegrityError:  # another set was activated at the same moment
        raise Conflict("another weight set was activated at the same time; retry") from None
    await record(
        session,
        actor,
        "weight_set.activate",
        "weight_set",
        chosen.id,
        await round_unit_id(session, round_),
        {
            "round": round_.code,
            "name": chosen.name,
            "version": chosen.version,
            "weighting": [previous, "raked"],
        },
    )
    return chosen


async def active_weight_set(session: AsyncSession, round_: Round) -> WeightSet | None:
    """The weight set the round's estimates use: its active set when weighted 'raked'."""
    if round_.weighting != "raked":
        return None
    return await session.scalar(
        select(WeightSet).where(WeightSet.round_id == round_.id, WeightSet.active)
    )


async def coverage(session: AsyncSession, weight_set: WeightSet) -> Coverage:
    """How the set matches the round's valid responses now (stale: it no longer does)."""
    valid = Response.status == "valid"
    total = await session.scalar(
        select(func.count()).where(Response.round_id == weight_set.round_id, valid)
    )
    covered = await session.scalar(
        select(func.count())
        .select_from(WeightValue)
        .join(Response, Response.id == WeightValue.response_id)
        .where(WeightValue.weight_set_id == weight_set.id, valid)
    )
    missing, dropped = (total or 0) - (covered or 0), weight_set.responses - (covered or 0)
    return Coverage(
        valid_responses=total or 0, missing=missing, dropped=dropped, stale=bool(missing or dropped)
    )
