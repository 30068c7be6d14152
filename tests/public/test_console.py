"""The console's button that makes a revision public (CSRF, admin, audited) and withdraws it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth_helpers import csrf_of
from tests.public.helpers import frozen_province
from tests.reporting.helpers import audit_actions


async def test_console_makes_a_revision_public_and_withdraws_it(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    page = await client.get("/console/rounds/R2026/revisions")
    assert page.status_code == 200 and "Công khai phiên bản 1" in page.text
    url = "/console/rounds/R2026/revisions/1/public"
    del client.headers["X-CSRF-Token"]
    forged = await client.post(url, data={"public": "1"})
    assert forged.status_code == 403
    assert (await anonymous.get("/public/R2026")).status_code == 404

    shown = await client.post(url, data={"public": "1", "csrf_token": await csrf_of(client)})
    assert shown.status_code == 303 and "done=revision-public" in shown.headers["location"]
    assert (await anonymous.get("/public/R2026")).status_code == 200
    listed = (await client.get("/console/rounds/R2026/revisions")).text
    assert 'href="/public/R2026?revision=1"' in listed and "Thôi công khai" in listed
    assert await audit_actions(app, "round.publish") == 1

    gone = await client.post(url, data={"public": "0", "csrf_token": await csrf_of(client)})
    assert "done=revision-withdrawn" in gone.headers["location"]
    assert (await anonymous.get("/public/R2026")).status_code == 404
    missing = await client.post(
        "/console/rounds/R2026/revisions/5/public",
        data={"public": "1", "csrf_token": await csrf_of(client)},
    )
    assert missing.status_code in (404, 422)
