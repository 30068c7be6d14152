"""Replicate factors are stored: the worker's ``statistics.replicates`` step builds a round's
replicate set (a raked round's replicates raked again) once, reports read it without
re-drawing or re-raking (their ``design.replicates_as_of`` is the set's build time, unchanged
from request to request), the stored factors are the drawn ones bit for bit, and a change of
the responses makes the next reader build a new set."""

from __future__ import annotations

from datetime import datetime

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from app.config import Settings
from app.models import ReplicateChunk, ReplicateSet
from app.models.base import as_utc
from app.rounds.service import get_round
from app.statistics.load import round_engine
from app.statistics.replicate_engine import keep
from app.statistics.replicate_store import draw
from app.units.service import load_tree
from tests.factories import bearer, make_key
from tests.statistics.design_data import apply_case, seed
from tests.statistics.test_calibrated_variance import weigh, weights_request

CASES = {
    # name: (variance, replicates, (weighting, strata, psu, fpc, spread), raked)
    "bootstrap-unit-strata-day-psu": ("bootstrap", 30, ("volume", "unit", "day", False, True), 0),
    "jk1-raked": ("jk1", 80, ("raked", None, None, False, False), 1),
}


async def _stored(app: FastAPI) -> ReplicateSet | None:
    async with app.state.db.sessions() as session:
        return await session.scalar(select(ReplicateSet))


async def _report_as_of(client: httpx.AsyncClient) -> datetime:
    report = (await client.get("/api/v1/rounds/R2026/satisfaction")).json()
    assert report["design"]["variance"] in ("bootstrap", "jk1")
    return as_utc(datetime.fromisoformat(report["design"]["replicates_as_of"]))


@pytest.mark.parametrize("name", list(CASES))
async def test_replicates_are_built_once_and_served(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, name: str
):
    variance, replicates, case, raked = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            text("UPDATE round SET design_variance = :v, design_replicates = :n WHERE id = :r"),
            {"v": variance, "n": replicates, "r": province.round.id},
        )
    await app.state.db.engine.dispose()
    if raked:
        await weigh(app, province, weights_request("rake", None))
    form = app.state.catalogue.get("one-stop-counter")
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
    bind = app.state.db.engine
    assert await _stored(app) is None
    assert await keep(bind, round_, form, settings.timezone)  # the worker builds the set
    assert not await keep(bind, round_, form, settings.timezone)  # nothing changed since
    stored = await _stored(app)
    assert stored is not None and stored.kind == variance
    assert stored.calibration == ("rake" if raked else None)
    assert stored.rows == ("response" if raked else "psu")
    assert stored.encoding == ("u1" if variance == "bootstrap" else "f8")
    built = as_utc(stored.as_of)

    client.headers.update(bearer(await make_key(app, "P")))
    assert await _report_as_of(client) == built  # served, not drawn or raked again
    assert await _report_as_of(client) == built
    again = await _stored(app)
    assert again is not None and as_utc(again.as_of) == built

    async with app.state.db.sessions() as session:  # the stored factors are the drawn ones
        round_ = await get_round(session, "R2026")
        engine = await round_engine(
            session, round_, form, settings.timezone, await load_tree(session), live=True
        )
        chunks = await session.scalar(select(func.count()).select_from(ReplicateChunk))
    layout = engine.replicate_layout
    assert layout is not None and engine.replicates is not None and chunks
    if raked:
        assert engine.replicate_weights is not None
        assert engine.replicate_weights.shape == (len(layout.psu_cell), len(layout.responses))
    else:
        assert np.array_equal(engine.replicates.factors, draw(engine.design, layout).factors)

    async with app.state.db.write_sessions.begin() as session:  # a response leaves the round
        await session.execute(
            text("DELETE FROM response WHERE id = (SELECT MAX(id) FROM response)")
        )
    await app.state.db.engine.dispose()
    if raked:  # its weight set no longer covers the responses: weigh again
        await weigh(app, province, weights_request("rake", None))
    assert await _report_as_of(client) > built  # built anew over the responses now
    rebuilt = await _stored(app)
    assert rebuilt is not None and rebuilt.responses == stored.responses - 1
