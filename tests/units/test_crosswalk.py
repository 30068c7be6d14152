"""Crosswalk import: one validated batch of events, all or nothing, every problem listed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import add_response, make_province, province_today, ratings
from tests.reporting.helpers import audit_actions, staff_client

PAST = province_today() - timedelta(days=10)
HEADER = "old_code,new_code,share,date,new_name\n"


async def post(client: httpx.AsyncClient, text: str, dry_run: bool = False) -> httpx.Response:
    return await client.post(
        f"/api/v1/units/crosswalk/import?dry_run={str(dry_run).lower()}",
        files={"file": ("crosswalk.csv", text.encode(), "text/csv")},
    )


async def events(client: httpx.AsyncClient) -> list[dict]:
    return (await client.get("/api/v1/units/events")).json()


async def test_a_valid_crosswalk_is_previewed_then_applied_as_one_batch(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 2), ("C21", 5)]:
        await add_response(app, province, unit, ratings({}, default=level))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    text = HEADER + (
        f"C11,C1X,1,{PAST},Một cửa liên xã\n"
        f"C12,C1X,1,{PAST},\n"
        f"C21,C21A,0.7,{PAST},Quầy A\n"
        f"C21,C21B,0.3,{PAST},Quầy B\n"
        f"D1,D1,1,{PAST},\n"
    )
    preview = await post(client, text, dry_run=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["written"], body["counts"]) == (False, {"merge": 2, "split": 1, "unchanged": 1})
    assert [p["action"] for p in body["preview"]] == [
        "merge",
        "merge",
        "split",
        "split",
        "unchanged",
    ]
    assert await events(client) == []  # a preview keeps nothing

    applied = await post(client, text)
    assert applied.status_code == 200, applied.text
    assert applied.json()["written"] is True
    assert sorted(e["kind"] for e in await events(client)) == ["merge", "split"]
    assert await audit_actions(app, "unit.crosswalk") == 1
    now = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1&as_of=now")).json()
    assert {c["code"]: c["index"] for c in now["children"]} == {"C1X": pytest.approx(100 / 3)}


async def test_a_crosswalk_with_problems_is_refused_whole_with_every_problem_listed(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    later = {"kind": "rename", "unit": "C21", "name": "Sau", "effective": str(PAST)}
    assert (await client.post("/api/v1/units/events", json=later)).status_code == 200
    early = PAST - timedelta(days=5)
    text = HEADER + (
        f"C11,C12,1,{PAST},\n"  # line 2: cycle with line 3
        f"C12,C11,1,{PAST},\n"  # line 3
        f"NOPE,C1X,1,{PAST},Mới\n"  # line 4: unknown old code
        f"D1,ZZZ,1,{PAST},\n"  # line 5: unknown new code, no name
        f"D2,D2A,0.5,{PAST},A\n"  # lines 6-7: shares sum to 0.9
        f"D2,D2B,0.4,{PAST},B\n"
        f"C21,C2X,1,{early},Mới\n"  # line 8: C21 was renamed after that date
    )
    refused = await post(client, text)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["written"] is False
    found = {(e["line"], e["column"]) for e in body["errors"]}
    assert {(2, "new_code"), (3, "new_code")} <= found  # the cycle
    assert (4, "old_code") in found and (5, "new_code") in found
    assert {(6, "share"), (7, "share")} <= found
    assert (8, "date") in found
    assert any("0.9" in e["reason"] for e in body["errors"])
    assert [e["kind"] for e in await events(client)] == ["rename"]  # nothing of the batch
    assert await audit_actions(app, "unit.crosswalk") == 0
