"""A scripted stuffing attack on the demo — 40 forms from one phone, 40 from fresh cookies,
40 through a registered kiosk, all "1" — moves the counter's published index by less than a
point, and the integrity report names the counter first, with the rules that fired."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.audit.service import CLI
from app.demo import DEMO_ADMIN, DEMO_PASSWORD, seed, seed_access
from app.integrity.tasks import refresh_reports
from app.models import Round
from app.rounds.service import change_status, get_round
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import CRITERIA, bearer
from tests.integrity.helpers import HTML, aged_sid, answers_all, device_of, open_form, post_form

COUNTER = "SH-HOALAC-MC"
ONES = answers_all("1", CRITERIA)
URL = f"/api/v1/rounds/DEMO-2026/satisfaction?unit={COUNTER}"


def _nearly_ones(i: int) -> dict[str, str]:
    """All "1" but one criterion: forms that differ, as a script would make them."""
    return {**ONES, CRITERIA[i % len(CRITERIA)]: str(2 + i // len(CRITERIA))}


async def _index(client: httpx.AsyncClient, key: dict[str, str]) -> float:
    answer = await client.get(URL, headers=key)
    assert answer.status_code == 200, answer.text
    return float(answer.json()["index"])


async def test_stuffing_the_demo_moves_its_published_index_less_than_a_point(
    app: FastAPI, client: httpx.AsyncClient
):
    settings = app.state.settings
    async with app.state.db.write_sessions.begin() as session:
        await seed(session, app.state.catalogue, settings.today())
        key = bearer(await seed_access(session))
    before = await _index(client, key)
    transport = httpx.ASGITransport(app=app)

    # 1. One phone, 40 forms in five minutes (each opened 7 s before it is sent), each a
    # little different (the same form sent again would be taken for the Back button's).
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
        await open_form(phone, COUNTER)
        for i in range(40):
            sid = aged_sid(app, COUNTER, device_of(phone), 7)
            assert (await post_form(phone, COUNTER, sid, _nearly_ones(i))).status_code == 303
    # 2. Forty fresh cookies, each form opened as a person would (two minutes before).
    for _ in range(40):
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as phone:
            await open_form(phone, COUNTER)
            sid = aged_sid(app, COUNTER, device_of(phone), 120)
            assert (await post_form(phone, COUNTER, sid, ONES)).status_code == 303
    # 3. A registered kiosk at the counter (registered by the province's admin).
    await sign_in(client, DEMO_ADMIN, DEMO_PASSWORD)
    csrf = {"x-csrf-token": await csrf_of(client)}
    made = await client.post("/api/v1/kiosks", json={"unit": COUNTER}, headers=csrf)
    assert made.status_code == 201, made.text
    activation = made.json()["activation_url"].removeprefix(settings.public_base_url)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as tablet:
        opened = await tablet.get(activation)
        assert opened.status_code == 303 and opened.headers["location"] == f"/s/{COUNTER}?kiosk=1"
        for i in range(40):
            await tablet.get(f"/s/{COUNTER}?kiosk=1", headers=HTML)
            sid = aged_sid(app, COUNTER, device_of(tablet), 90)
            sent = await post_form(tablet, COUNTER, sid, _nearly_ones(i))
            assert sent.status_code == 303

    after = await _index(client, key)
    assert abs(after - before) < 1.0, (before, after)
    # Published: the round closed and frozen, its revision shows the same figure.
    async with app.state.db.write_sessions.begin() as session:
        await change_status(session, CLI, await get_round(session, "DEMO-2026"), "closed")
    frozen = await client.post("/api/v1/rounds/DEMO-2026/freeze", json={}, headers=csrf)
    assert frozen.status_code == 200, frozen.text
    revision = frozen.json()["result"]["revision"]
    published = await client.get(URL + f"&revision={revision}", headers=key)
    assert abs(published.json()["index"] - before) < 1.0

    async with app.state.db.write_sessions.begin() as session:  # the report's rounds
        await session.execute(update(Round).values(status="closed"))
    # DEMO-2026 and the previous year's DEMO-2025 (the reorganisation's round)
    assert await refresh_reports(app.state.db, app.state.catalogue, settings.timezone) == 2
    report = (await client.get("/api/v1/rounds/DEMO-2026/integrity", headers=key)).json()
    assert report["as_of"] is not None
    top = report["units"][0]
    assert top["unit"] == COUNTER
    assert {"device_repeat", "burst", "too_fast"} <= set(top["flags"])
    assert top["channels"]["kiosk"] == 40 and top["review"]["pending"] >= 119
    assert abs(top["index"] - before) < 1.0 and top["index_with_held"] < before - 20
    others = report["units"][1:]
    assert all(u["suspicion"] == 0 for u in others)  # the honest counters raise nothing
