"""Console: the reorganisation events of an admin's units, and reverting one (CSRF, refusal
with its reason once a published round uses it)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from tests.console.helpers import HTML, staff_client
from tests.factories import make_province, province_today
from tests.reporting.helpers import audit_actions

FUTURE = province_today() + timedelta(days=400)
PAST = province_today() - timedelta(days=10)


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


async def test_a_crosswalk_is_previewed_then_applied_from_the_console(app: FastAPI):
    await make_province(app)
    good = f"old_code,new_code,share,date,new_name\nC11,C1X,1,{PAST},Liên xã\nC12,C1X,1,{PAST},\n"
    bad = f"old_code,new_code,share,date\nC11,NOPE,0.5,{PAST}\n"
    async with staff_client(app, "admin@x.vn", [("admin", "P")]) as (client, csrf):
        url = "/console/units/crosswalk/import"
        assert "Áp dụng bảng chuyển đổi" in (await client.get(url, headers=HTML)).text
        refused = await client.post(
            url, data={"csrf_token": csrf}, files={"file": ("x.csv", bad.encode(), "text/csv")}
        )
        assert refused.status_code == 422
        assert "Mã đơn vị mới không có trong hệ thống" in refused.text
        assert "cộng lại bằng 0.5" in refused.text and 'name="sealed"' not in refused.text

        preview = await client.post(
            url, data={"csrf_token": csrf}, files={"file": ("c.csv", good.encode(), "text/csv")}
        )
        assert preview.status_code == 200 and 'id="changes"' in preview.text
        assert preview.text.count("Sáp nhập") >= 2
        assert (await client.get("/api/v1/units/events")).json() == []  # nothing kept yet
        sealed = preview.text.split('name="sealed" value="')[1].split('"')[0]
        done = await client.post(url, data={"csrf_token": csrf, "sealed": sealed})
        assert done.status_code == 303 and done.headers["location"].endswith("crosswalk=1")
        page = await client.get(done.headers["location"], headers=HTML)
        assert "Đã áp dụng bảng chuyển đổi." in page.text and "C1X" in page.text
        forged = await client.post(url, data={"csrf_token": csrf, "sealed": sealed + "x"})
        assert forged.status_code == 422
    assert await audit_actions(app, "unit.crosswalk") == 1
