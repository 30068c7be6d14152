"""Registered kiosks: one device serving many citizens at a counter, registered only by staff
of another unit (or the province), its responses on the kiosk channel under the counter's
burst limit instead of the one-per-device limit; a revoked kiosk is an ordinary device."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Kiosk, Response
from tests.factories import CRITERIA, make_province
from tests.integrity.helpers import HTML, aged_sid, device_of, post_form, statuses
from tests.sampling.helpers import signed_in


def _form(i: int) -> dict[str, str]:
    return {"field": "land", **{c: str(3 + (i + j) % 3) for j, c in enumerate(CRITERIA)}}


async def test_a_counter_cannot_register_its_own_kiosk(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, integrity=None)
    csrf = await signed_in(app, client, "d1-admin@p.vn", [("admin", "D1")])
    refused = await client.post("/api/v1/kiosks", json={"unit": "C11"}, headers=csrf)
    assert refused.status_code == 403 and "không xem xét" in refused.text
    async with app.state.db.sessions() as session:
        assert (await session.scalars(select(Kiosk))).all() == []


async def test_a_kiosk_serves_citizen_after_citizen_until_revoked(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, integrity=None)
    csrf = await signed_in(app, client, "province@p.vn", [("admin", "P")])
    made = await client.post(
        "/api/v1/kiosks", json={"unit": "C11", "name": "Máy tính bảng 1"}, headers=csrf
    )
    assert made.status_code == 201, made.text
    link = made.json()["activation_url"].removeprefix("https://khaosat.example.vn")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as tablet:
        assert (await tablet.get(link)).headers["location"] == "/s/C11?kiosk=1"
        await tablet.get("/s/C11?kiosk=1", headers=HTML)
        for i in range(3):  # three citizens in a row: none of them is "the same device again"
            sid = aged_sid(app, "C11", device_of(tablet), 70)
            assert (await post_form(tablet, "C11", sid, _form(i))).headers["location"] == (
                "/s/C11/thanks"
            )
        async with app.state.db.sessions() as session:
            channels = set(await session.scalars(select(Response.channel)))
        assert channels == {"kiosk"}
        revoked = await client.post(f"/api/v1/kiosks/{made.json()['id']}/revoke", headers=csrf)
        assert revoked.status_code == 200 and revoked.json()["revoked"] is True
        sid = aged_sid(app, "C11", device_of(tablet), 70)
        await post_form(tablet, "C11", sid, _form(10))
        sid = aged_sid(app, "C11", device_of(tablet), 70)
        second = await post_form(tablet, "C11", sid, _form(11))
        assert second.headers["location"] == "/s/C11/thanks?held=1"  # a phone's limit now
    assert await statuses(app) == {"valid": 4, "held": 1}  # five: within the burst limit
    assert (await client.get("/k/not-a-kiosk", headers=HTML)).status_code == 404
