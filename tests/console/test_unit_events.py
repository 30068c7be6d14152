"""Console: the reorganisation events of an admin's units, and reverting one (CSRF, refusal
with its reason once a published round uses it)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI

from tests.console.helpers import HTML, staff_client
from tests.factories import make_province
from tests.reporting.helpers import audit_actions

FUTURE = date.today() + timedelta(days=400)
PAST = date.today() - timedelta(days=10)


async def test_events_are_listed_and_reverted_from_the_console(app: FastAPI):
    await make_province(app, status="closed")
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, csrf):
        client.headers["X-CSRF-Token"] = csrf
        merge = {
            "sources": ["C11", "C12"],
            "into": "C1X",
            "name": "Liên xã",
            "effective": str(FUTURE),
        }
        assert (await client.post("/api/v1/units/merge", json=merge)).status_code == 200
        rename = {"kind": "rename", "unit": "C21", "name": "Quầy mới", "effective": str(PAST)}
        renamed = (await client.post("/api/v1/units/events", json=rename)).json()
        del client.headers["X-CSRF-Token"]

        page = await client.get("/console/units/events", headers=HTML)
        assert page.status_code == 200
        assert "Sáp nhập" in page.text and "Đổi tên" in page.text and str(FUTURE) in page.text
        assert page.text.index(str(FUTURE)) < page.text.index(str(PAST))  # latest first
        assert (
            'href="/console/units/events"'
            in (await client.get("/console/units", headers=HTML)).text
        )

        url = f"/console/units/events/{renamed['id']}/revert"
        assert (await client.post(url, data={})).status_code == 403  # no CSRF token
        done = await client.post(url, data={"csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"].endswith(
            f"reverted={renamed['id']}"
        )
        after = await client.get(done.headers["location"], headers=HTML)
        assert "Đã hủy thay đổi số" in after.text and "Đã hủy" in after.text
        assert await audit_actions(app, "unit.revert") == 1

        # A published round whose period reaches the merge's date... none yet: publish one.
        assert (
            await client.post(
                "/api/v1/rounds/R2026/freeze", json={}, headers={"X-CSRF-Token": csrf}
            )
        ).status_code == 200
        rename2 = {"kind": "rename", "unit": "C21", "name": "Tên khác", "effective": str(PAST)}
        second = (
            await client.post("/api/v1/units/events", json=rename2, headers={"X-CSRF-Token": csrf})
        ).json()
        refused = await client.post(
            f"/console/units/events/{second['id']}/revert", data={"csrf_token": csrf}, headers=HTML
        )
        assert refused.status_code == 409 and "R2026" in refused.text
        assert await audit_actions(app, "unit.revert") == 1

    async with staff_client(app, "other@x.vn", [("viewer", "P")]) as (viewer, _):
        assert (await viewer.get("/console/units/events", headers=HTML)).status_code == 403
