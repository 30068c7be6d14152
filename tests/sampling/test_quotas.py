"""Quotas: hard ones stop accepting, soft ones mark (and may exclude); counted atomically."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, Invitation, Quota, Response
from app.sampling.quotas import QuotaFull
from tests.conftest import LiveServer
from tests.factories import add_response, form_body, make_province, ratings
from tests.sampling.invitation_helpers import (
    HTML,
    count_rows,
    invite,
    opened_together,
    redeem_now,
    sid_of,
    signed_in_admin,
)

QUOTAS = "/api/v1/rounds/R2026/quotas"


async def put_quotas(
    client: httpx.AsyncClient, headers: dict[str, str], *quotas: dict[str, object]
) -> httpx.Response:
    return await client.put(QUOTAS, json={"quotas": list(quotas)}, headers=headers)


async def submit(client: httpx.AsyncClient, unit: str) -> httpx.Response:
    sid = sid_of((await client.get(f"/s/{unit}")).text)
    return await client.post(f"/s/{unit}", data=form_body(sid), headers=HTML)


async def filled(app: FastAPI) -> dict[tuple[str, str], int]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(select(Quota.unit_id, Quota.stratum, Quota.filled))
        return {(str(u), s): n for u, s, n in rows}


async def test_quotas_are_set_listed_replaced_and_audited(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    for _ in range(3):
        await add_response(app, province, "C11", ratings({}))
    csrf = await signed_in_admin(app, client)
    quota = {"unit": "C11", "target": 5}
    put = await put_quotas(client, csrf, quota, {"unit": "C12", "stratum": "A", "target": 2})
    assert put.status_code == 200, put.text
    listed = (await client.get(QUOTAS)).json()
    assert listed == [
        {"unit": "C11", "stratum": None, "target": 5, "mode": "hard", "exclude_over": False}
        | {"filled": 3},  # a new quota counts the responses already stored
        {"unit": "C12", "stratum": "A", "target": 2, "mode": "hard", "exclude_over": False}
        | {"filled": 0},
    ]
    soft = {"unit": "C11", "target": 4, "mode": "soft", "exclude_over": True}
    replaced = await put_quotas(client, csrf, soft)
    assert replaced.json() == [soft | {"stratum": None, "filled": 3}]  # the count is kept
    async with app.state.db.sessions() as session:
        actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-4:] == ["quota.set", "quota.set", "quota.delete", "quota.set"]

    assert (await put_quotas(client, csrf, quota, quota)).status_code == 400  # given twice
    assert (await put_quotas(client, csrf, {"unit": "P", "target": 1})).status_code == 400
    assert (await put_quotas(client, csrf, {"unit": "C11", "target": -1})).status_code == 422
    assert (await put_quotas(client, {}, quota)).status_code == 403  # no CSRF token


async def test_hard_quota_stops_accepting_and_a_retry_does_not_count_twice(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    await put_quotas(client, csrf, {"unit": "C11", "target": 2, "mode": "hard"})
    sid, late = [sid_of((await client.get("/s/C11")).text) for _ in range(2)]
    for _ in range(3):  # the same form three times: stored and counted once
        assert (await client.post("/s/C11", data=form_body(sid))).status_code == 303
    assert list((await filled(app)).values()) == [1]
    assert (await submit(client, "C11")).status_code == 303
    full = await client.post("/s/C11", data=form_body(late))  # opened before it filled up
    assert full.status_code == 410
    assert "đã nhận đủ số phiếu" in full.text and "cảm ơn" in full.text
    page = await client.get("/s/C11", headers=HTML)  # told before filling anything in
    assert page.status_code == 410 and "đủ số phiếu" in page.text
    assert (await submit(client, "C12")).status_code == 303  # other units are not affected
    assert await count_rows(app, Response) == 3
    assert list((await filled(app)).values()) == [2]


async def test_soft_quota_accepts_marked_and_excludes_when_told(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    await put_quotas(
        client,
        csrf,
        {"unit": "C11", "target": 1, "mode": "soft"},
        {"unit": "C12", "target": 1, "mode": "soft", "exclude_over": True},
    )
    for unit in ("C11", "C11", "C12", "C12"):
        assert (await submit(client, unit)).status_code == 303
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(Response.unit_id, Response.over_quota, Response.status).order_by(Response.id)
        )
        stored = [(over, status) for _, over, status in rows]
    assert stored == [(False, "valid"), (True, "valid"), (False, "valid"), (True, "excluded")]
    assert sorted((await filled(app)).values()) == [2, 2]


async def test_stratum_quota_counts_its_invitations_and_the_unit_quota_counts_all(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    csrf = await signed_in_admin(app, client)
    await put_quotas(
        client,
        csrf,
        {"unit": "C11", "target": 10},
        {"unit": "C11", "stratum": "A", "target": 1},
    )
    first, second = await invite(app, province, "C11", 2, stratum="A")
    [other] = await invite(app, province, "C11", 1, stratum="B")
    page, late = [await client.get(f"/t/{token}") for token in (first, second)]
    assert (await client.post(f"/t/{first}", data=form_body(sid_of(page.text)))).status_code == 303
    blocked = await client.get(f"/t/{second}", headers=HTML)
    assert blocked.status_code == 410 and "đủ số phiếu" in blocked.text
    refused = await client.post(f"/t/{second}", data=form_body(sid_of(late.text)))
    assert refused.status_code == 410 and "đủ số phiếu" in refused.text
    assert await count_rows(app, Invitation, Invitation.redeemed_at.is_not(None)) == 1
    page = await client.get(f"/t/{other}")
    assert (await client.post(f"/t/{other}", data=form_body(sid_of(page.text)))).status_code == 303
    assert (await submit(client, "C11")).status_code == 303
    listed = {(q["stratum"], q["filled"]) for q in (await client.get(QUOTAS)).json()}
    assert listed == {(None, 3), ("A", 1)}


async def test_fifty_concurrent_submissions_against_a_hard_quota_of_ten_store_ten(
    app: FastAPI, client: httpx.AsyncClient, live_server: LiveServer
):
    await make_province(app)
    csrf = await signed_in_admin(app, client)
    await put_quotas(client, csrf, {"unit": "C11", "target": 10, "mode": "hard"})
    async with httpx.AsyncClient(base_url=live_server.url, timeout=120) as live:
        pages = await asyncio.gather(*(live.get("/s/C11") for _ in range(50)))
        bodies = [form_body(sid_of(page.text)) for page in pages]
        # Each form posted twice at once, as a double tap would: never counted twice.
        posts = [live.post("/s/C11", data=body) for body in bodies for _ in range(2)]
        answers = await asyncio.gather(*posts)
    statuses = [a.status_code for a in answers]
    pairs = list(zip(statuses[::2], statuses[1::2], strict=True))
    assert sorted(pairs) == [(303, 303)] * 10 + [(410, 410)] * 40  # a retry sees its outcome
    assert await count_rows(app, Response) == 10
    assert list((await filled(app)).values()) == [10]


async def test_a_full_quota_inside_the_transaction_rolls_the_redemption_back(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    csrf = await signed_in_admin(app, client)
    await put_quotas(client, csrf, {"unit": "C11", "target": 1})
    first, second = await invite(app, province, "C11", 2)
    opened = await opened_together(app, [first, second])  # while the quota had room
    await redeem_now(app, opened[0])
    with pytest.raises(QuotaFull):
        await redeem_now(app, opened[1])
    assert await count_rows(app, Response) == 1
    assert await count_rows(app, Invitation, Invitation.redeemed_at.is_not(None)) == 1
    assert list((await filled(app)).values()) == [1]
