"""Held responses count nowhere until a reviewer accepts them; accepted, they count exactly as
if they had been valid all along (checked against R's survey package); rejected, never. Only
managers who are not the unit's own staff decide."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.models import AuditEvent, Response
from app.rounds.service import get_round
from app.statistics.load import round_engine
from app.units.service import load_tree
from tests.factories import ratings
from tests.integrity.helpers import add_held
from tests.sampling.helpers import signed_in
from tests.statistics.design_data import CASES, DOMAINS, apply_case, layout_of, seed
from tests.statistics.r_design import export, reference
from tests.statistics.r_survey import require_r
from tests.statistics.test_design_based import compare

MIXED: dict[str, int | str] = {"ACC1": 4, "ACC2": 5, "PRO1": 1}


async def _matches_r(app: FastAPI, province, case, settings: Settings, workdir: Path) -> None:
    """Our estimates for every domain equal R's on the round's valid responses."""
    data = workdir / "data.csv"
    await export(app, layout_of(province, case), data, settings)
    form = app.state.catalogue.get("one-stop-counter")
    found = await reference(data, form.instrument, DOMAINS, case[1:4], workdir)
    async with app.state.db.sessions() as session:
        round_ = await get_round(session, "R2026")
        tree = await load_tree(session)
        engine = await round_engine(session, round_, form, settings.timezone, tree, live=False)
    ours = {d: engine.domain({province.units[u].id for u in us}) for d, us in DOMAINS.items()}
    assert compare(ours, found) == len(DOMAINS) * (16 + 5 + 1) + 2 * 16


@pytest.mark.parametrize("name", ["weights-only", "unit-strata-fpc"])
async def test_held_count_nowhere_and_accepted_count_as_if_valid_all_along(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path, name: str
):
    require_r()
    case = CASES[name]
    province = await seed(app)
    await apply_case(app, province, case)
    before = (
        await client.get("/api/v1/rounds/R2026/satisfaction?unit=P", headers=await _key(app))
    ).json()
    held = [await add_held(app, province, "C21", ratings(MIXED, default=2)) for _ in range(4)]
    key = await _key(app)
    while_held = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P", headers=key)).json()
    assert while_held["index"] == before["index"]  # in no estimate
    assert while_held["respondents"] == before["respondents"]
    (tmp_path / "held").mkdir()
    await _matches_r(app, province, case, settings, tmp_path / "held")

    csrf = await signed_in(app, client, "reviewer@p.vn", [("manager", "P")])
    decided = await client.post(
        "/api/v1/responses/review",
        json={
            "ids": held[:3],
            "decision": "accept",
            "reason": "gọi điện xác minh: đúng là người dân",
        },
        headers=csrf,
    )
    assert decided.status_code == 200, decided.text
    rejected = await client.post(
        "/api/v1/responses/review",
        json={"ids": held[3:], "decision": "reject", "reason": "nhập thử"},
        headers=csrf,
    )
    assert rejected.json() == {"decided": held[3:], "status": "excluded"}
    after = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P", headers=key)).json()
    assert after["respondents"] == before["respondents"] + 3
    assert after["index"] < before["index"]  # three dissatisfied answers now count
    (tmp_path / "accepted").mkdir()
    await _matches_r(app, province, case, settings, tmp_path / "accepted")
    again = await client.post(
        "/api/v1/responses/review",
        json={"ids": held[:1], "decision": "reject", "reason": "đổi ý"},
        headers=csrf,
    )
    assert again.status_code == 409  # decided once; a change goes through exclude/restore
    async with app.state.db.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("response.%"))
            )
        )
    assert sorted(actions) == ["response.accept"] * 3 + ["response.reject"]


async def _key(app: FastAPI) -> dict[str, str]:
    from tests.factories import bearer, make_key

    return bearer(await make_key(app, "P"))


async def test_a_units_own_staff_cannot_clear_its_held_responses(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await seed(app)
    held = await add_held(app, province, "C11", ratings({}, default=5))
    # D1's manager: C11 is a counter of D1, their own office.
    csrf = await signed_in(app, client, "d1@p.vn", [("manager", "D1")])
    body = {"ids": [held], "decision": "accept", "reason": "ổn"}
    refused = await client.post("/api/v1/responses/review", json=body, headers=csrf)
    assert refused.status_code == 403 and "không xem xét phiếu của chính đơn vị" in refused.text
    restore = await client.post(f"/api/v1/responses/{held}/restore", json={}, headers=csrf)
    assert restore.status_code == 409  # the exclude/restore door is closed to held responses
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(Response.status).where(Response.id == held)) == "held"
    listed = await client.get("/api/v1/rounds/R2026/held")
    assert [(i["id"], i["flags"]) for i in listed.json()["items"]] == [
        (held, ["straight_line", "too_fast"])
    ]
    assert (await client.post("/api/v1/responses/review", json=body)).status_code == 403  # CSRF
