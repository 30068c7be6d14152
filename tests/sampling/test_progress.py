"""Response-rate accounting per unit and stratum, live, for the units in the caller's scope."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.models import Quota
from tests.auth_helpers import sign_in
from tests.factories import (
    add_response,
    bearer,
    form_body,
    make_key,
    make_province,
    make_user,
    ratings,
)
from tests.sampling.invitation_helpers import invite, sid_of, signed_in_admin

PROGRESS = "/api/v1/rounds/R2026/progress"
ZERO = {"selected": 0, "invited": 0, "redeemed": 0, "responded": 0, "valid": 0, "over_quota": 0}
NO_QUOTA = {"quota_target": None, "quota_filled": None, "quota_mode": None}


async def answer(client: httpx.AsyncClient, token: str) -> None:
    sid = sid_of((await client.get(f"/t/{token}")).text)
    assert (await client.post(f"/t/{token}", data=form_body(sid))).status_code == 303


async def test_progress_counts_frame_invitations_responses_and_quotas(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, volumes={"C11": 1000, "C12": None, "C21": 300})
    csrf = await signed_in_admin(app, client)
    quotas = [{"unit": "C11", "target": 4, "mode": "soft", "exclude_over": True}]
    quotas.append({"unit": "C11", "stratum": "A", "target": 2})
    await client.put("/api/v1/rounds/R2026/quotas", json={"quotas": quotas}, headers=csrf)
    plain = await invite(app, province, "C11", 4)
    in_a = await invite(app, province, "C11", 2, stratum="A")
    for token in (plain[0], in_a[0], in_a[1]):
        await answer(client, token)
    for _ in range(2):  # counter responses: no invitation; the second is over the soft quota
        await add_response(app, province, "C11", ratings({}))
    await add_response(app, province, "C21", ratings({}))

    progress = (await client.get(PROGRESS)).json()
    rows = {(r["unit"], r["stratum"]): r for r in progress["strata"]}
    assert list(rows) == [("C11", None), ("C11", "A"), ("C12", None), ("C21", None)]
    assert rows[("C11", None)] == {
        "unit": "C11",
        "name": "Đơn vị C11",
        "stratum": None,
        "frame_n": 1000,
        "selected": 0,
        "invited": 6,
        "redeemed": 3,
        "responded": 5,
        "valid": 4,
        "over_quota": 1,
        "quota_target": 4,
        "quota_filled": 5,
        "quota_mode": "soft",
        "response_rate": 50.0,
    }
    assert rows[("C11", "A")] == {
        "unit": "C11",
        "name": "Đơn vị C11",
        "stratum": "A",
        "frame_n": None,
        **ZERO,
        "invited": 2,
        "redeemed": 2,
        "responded": 2,
        "valid": 2,
        "quota_target": 2,
        "quota_filled": 2,
        "quota_mode": "hard",
        "response_rate": 100.0,
    }
    assert rows[("C12", None)] == {
        "unit": "C12",
        "name": "Đơn vị C12",
        "stratum": None,
        "frame_n": None,
        **ZERO,
        **NO_QUOTA,
        "response_rate": None,
    }
    assert rows[("C21", None)]["responded"] == 1 and rows[("C21", None)]["frame_n"] == 300
    total = progress["total"]
    assert (total["unit"], total["frame_n"]) == (None, None)  # C12's volume is unknown
    assert (total["invited"], total["redeemed"], total["responded"], total["valid"]) == (6, 3, 6, 5)
    assert total["response_rate"] == 50.0


async def test_progress_is_live_and_filtered_to_the_callers_scope(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    [token] = await invite(app, province, "C21", 1)
    key = await make_key(app, "D2")
    before = (await client.get(PROGRESS, headers=bearer(key))).json()
    assert [r["unit"] for r in before["strata"]] == ["C21"]
    assert (before["total"]["frame_n"], before["total"]["response_rate"]) == (300, 0.0)
    await answer(client, token)
    after = (await client.get(PROGRESS, headers=bearer(key))).json()
    assert after["total"]["response_rate"] == 100.0

    await make_user(app, "d1@x.vn", [("viewer", "D1")])
    await make_user(app, "c12@x.vn", [("viewer", "C12")])
    await sign_in(client, "d1@x.vn")
    seen = (await client.get(PROGRESS)).json()
    assert [r["unit"] for r in seen["strata"]] == ["C11", "C12"]
    assert seen["total"]["frame_n"] == 1500
    async with httpx.AsyncClient(transport=client._transport, base_url="https://t") as other:
        await sign_in(other, "c12@x.vn")
        assert [r["unit"] for r in (await other.get(PROGRESS)).json()["strata"]] == ["C12"]
    assert (await client.get("/api/v1/rounds/NOPE/progress")).status_code == 404
    province_key = await make_key(app, "P")
    async with app.state.db.write_sessions.begin() as session:  # a quota shows where it is set
        session.add(Quota(round_id=province.round.id, unit_id=province.units["C21"].id, target=9))
    rows = (await client.get(PROGRESS, headers=bearer(province_key))).json()["strata"]
    assert [r["unit"] for r in rows] == ["C11", "C12", "C21"]
    assert [rows[2][f"quota_{k}"] for k in ("target", "filled", "mode")] == [9, 0, "hard"]


async def test_progress_refuses_a_caller_with_no_unit_of_the_round(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app, volumes={"C21": 10})
    key = await make_key(app, "D1")
    assert (await client.get(PROGRESS, headers=bearer(key))).status_code == 403
