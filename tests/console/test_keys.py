"""API keys page: the key is shown once, works, can be revoked; scope and CSRF hold."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.console.helpers import HTML, staff_client
from tests.factories import bearer, make_key, make_province


async def test_create_shows_the_key_once_and_revoke_stops_it(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (staff, csrf):
        created = await staff.post(
            "/console/keys", data={"csrf_token": csrf, "name": "Hệ thống A", "unit": "D1"}
        )
        assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
        key = re.search(r'<code class="secret" id="new-key">(sk_[^<]+)</code>', created.text)
        assert key is not None
        secret = key.group(1)
        assert (
            await client.get("/api/v1/units?parent=D1", headers=bearer(secret))
        ).status_code == 200
        listing = await staff.get("/console/keys", headers=HTML)
        prefix = "_".join(secret.split("_", 2)[:2])
        assert prefix in listing.text and secret not in listing.text
        revoked = await staff.post(f"/console/keys/{prefix}/revoke", data={"csrf_token": csrf})
        assert revoked.status_code == 303
        assert (await client.get("/api/v1/units", headers=bearer(secret))).status_code == 401
        assert "Đã thu hồi" in (await staff.get("/console/keys", headers=HTML)).text


async def test_keys_outside_scope_are_hidden_and_cannot_be_revoked(app: FastAPI):
    await make_province(app)
    other = await make_key(app, "D2", "other system")
    prefix = "_".join(other.split("_", 2)[:2])
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (staff, csrf):
        assert prefix not in (await staff.get("/console/keys", headers=HTML)).text
        refused = await staff.post(f"/console/keys/{prefix}/revoke", data={"csrf_token": csrf})
        assert refused.status_code == 403
        forged = await staff.post(f"/console/keys/{prefix}/revoke", data={"csrf_token": "x"})
        assert forged.status_code == 403
        missing = await staff.post("/console/keys/sk_nope/revoke", data={"csrf_token": csrf})
        assert missing.status_code == 404
        outside = await staff.post(
            "/console/keys", data={"csrf_token": csrf, "name": "x", "unit": "D2"}
        )
        assert outside.status_code == 422 and 'id="new-key"' not in outside.text
        unnamed = await staff.post("/console/keys", data={"csrf_token": csrf, "unit": "D1"})
        assert unnamed.status_code == 422
        bad_day = await staff.post(
            "/console/keys", data={"csrf_token": csrf, "name": "x", "unit": "D1", "expires": "soon"}
        )
        assert bad_day.status_code == 422
        no_csrf = await staff.post("/console/keys", data={"name": "x", "unit": "D1"})
        assert no_csrf.status_code == 403
    async with staff_client(app, "root@x.vn", superadmin=True) as (root, _):
        assert prefix in (await root.get("/console/keys", headers=HTML)).text


async def test_an_expiry_in_the_past_is_refused_in_the_form(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (staff, csrf):
        form = {"csrf_token": csrf, "name": "Hệ thống A", "unit": "D1"}
        past = await staff.post("/console/keys", data={**form, "expires": "2020-01-01"})
        assert past.status_code == 422 and 'id="new-key"' not in past.text
        assert "Ngày hết hạn đã qua" in past.text and 'id="e-expires"' in past.text
        assert 'value="2020-01-01"' in past.text  # kept, to be corrected
        listing = (await staff.get("/console/keys", headers=HTML)).text
        assert "Hệ thống A" not in listing and "Chưa có khóa API nào." in listing
        staff.cookies.set("sipas_lang", "en")
        english = await staff.post("/console/keys", data={**form, "expires": "2020-01-01"})
        assert "The expiry date has passed" in english.text
        today = app.state.settings.today().isoformat()  # valid through that whole local day
        kept = await staff.post("/console/keys", data={**form, "expires": today})
        assert kept.status_code == 200 and 'id="new-key"' in kept.text
