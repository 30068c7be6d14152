"""A province with frozen figures: D1's counters C11 (reliable) and C12 (one response:
withheld), D2's counter C21 (no response)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.factories import Province, add_response, make_province, ratings
from tests.reporting.helpers import staff_client


async def frozen_province(app: FastAPI, client: httpx.AsyncClient) -> Province:
    """The province's round closed, answered, frozen (revision 1, not public); ``client``
    signed in as its admin."""
    province = await make_province(app, status="closed")
    for values in ({}, {"ACC1": 2}, {"ACC2": 1, "PRO1": 2}, {"TIM1": 3}):
        await add_response(app, province, "C11", ratings(values, default=5))
    await add_response(app, province, "C12", ratings({}, default=4))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    frozen = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
    assert frozen.status_code == 200, frozen.text
    return province


async def make_public(client: httpx.AsyncClient, revision: int = 1, public: bool = True) -> dict:
    answer = await client.put(
        f"/api/v1/rounds/R2026/revisions/{revision}/public", json={"public": public}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
