"""Scope on a three-level hierarchy: P → D1 (C11, C12), D2 (C21)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth_helpers import sign_in
from tests.factories import add_response, bearer, make_key, make_province, make_user, ratings


async def test_district_viewer_sees_its_counters_not_the_neighbours(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    for unit in ("C11", "C12", "C21"):
        await add_response(app, province, unit, ratings({}))
    await make_user(app, "d1@x.vn", [("viewer", "D1")])
    await sign_in(client, "d1@x.vn")

    def report(unit: str) -> str:
        return f"/api/v1/rounds/R2026/satisfaction?unit={unit}"

    assert (await client.get(report("D1"))).status_code == 200
    assert (await client.get(report("C12"))).status_code == 200
    assert (await client.get(report("C21"))).status_code == 403  # the neighbour's counter
    assert (await client.get(report("P"))).status_code == 403  # the province: not granted
    assert (await client.get(report("NOPE"))).status_code == 404  # unknown stays 404
    assert (await client.get("/api/v1/rounds/R2026/satisfaction")).status_code == 403
    units = (await client.get("/api/v1/units")).json()
    assert [u["code"] for u in units] == ["D1"]
    under = (await client.get("/api/v1/units?parent=D1")).json()
    assert [u["code"] for u in under] == ["C11", "C12"]
    assert (await client.get("/api/v1/units?parent=D2")).status_code == 403
    assert [r["code"] for r in (await client.get("/api/v1/rounds")).json()] == ["R2026"]


async def test_province_grant_sees_the_province(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await make_user(app, "p@x.vn", [("viewer", "P")])
    await sign_in(client, "p@x.vn")
    report = await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")
    assert report.status_code == 200
    assert {c["code"] for c in report.json()["children"]} == {"D1", "D2"}


async def test_rounds_outside_scope_are_not_listed(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, volumes={"C21": 10})  # the round covers only D2's counter
    key = await make_key(app, "D1")
    assert (await client.get("/api/v1/rounds", headers=bearer(key))).json() == []


async def test_api_key_scope_and_revocation(app: FastAPI, client: httpx.AsyncClient):
    from app.audit.service import CLI
    from app.auth.keys import revoke_key

    await make_province(app)
    key = await make_key(app, "D2")
    ok = await client.get("/api/v1/rounds/R2026/satisfaction?unit=C21", headers=bearer(key))
    assert ok.status_code == 200
    other = await client.get("/api/v1/rounds/R2026/satisfaction?unit=C11", headers=bearer(key))
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"

    async with app.state.db.write_sessions.begin() as session:
        await revoke_key(session, CLI, key.split("_")[0] + "_" + key.split("_")[1])
    revoked = await client.get("/api/v1/rounds/R2026/satisfaction?unit=C21", headers=bearer(key))
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"].startswith("Bearer")


async def test_key_use_is_recorded_at_most_once_a_minute(app: FastAPI, client: httpx.AsyncClient):
    from sqlalchemy import select

    from app.models import ApiKey

    await make_province(app)
    key = await make_key(app, "P")

    async def last_used():  # type: ignore[no-untyped-def]
        async with app.state.db.sessions() as session:
            return await session.scalar(select(ApiKey.last_used_at))

    assert await last_used() is None
    assert (await client.get("/api/v1/rounds", headers=bearer(key))).status_code == 200
    first = await last_used()
    assert first is not None
    assert (await client.get("/api/v1/rounds", headers=bearer(key))).status_code == 200
    assert await last_used() == first  # not rewritten within the minute


async def test_bad_and_expired_keys_are_refused(app: FastAPI, client: httpx.AsyncClient):
    from datetime import timedelta

    from app.audit.service import CLI
    from app.auth.keys import create_key
    from app.models.base import utcnow

    await make_province(app)
    async with app.state.db.write_sessions.begin() as session:
        expired = await create_key(session, CLI, "old", "P", utcnow() + timedelta(days=1))
        expired.record.expires_at = utcnow() - timedelta(seconds=1)  # a day later, as it were
    for key in (expired.key, "sk_nothing_here", "garbage", expired.key[:-2] + "xx"):
        answer = await client.get("/api/v1/rounds", headers=bearer(key))
        assert answer.status_code == 401, key


async def test_api_keys_cannot_use_staff_pages(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    key = await make_key(app, "P")
    answer = await client.get("/api/v1/audit", headers=bearer(key))
    assert answer.status_code == 401
