"""Audit page: events of one's admin scope, filters, the CSV link."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI

from tests.comment_factories import respond
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province, province_today


async def test_audit_page_shows_scope_and_filters(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, _):
        page = (await client.get("/console/audit", headers=HTML)).text
        assert "<code>unit.create</code>" in page and "<code>C11</code>" in page
        assert "<code>C21</code>" not in page  # D2's events belong to another scope
        rounds = (await client.get("/console/audit?action=round", headers=HTML)).text
        assert "<code>round.volume</code>" in rounds and "<code>unit.create</code>" not in rounds
        assert 'href="/api/v1/audit.csv?action=round"' in rounds
        today = app.state.settings.today().isoformat()  # the province's day
        dated = await client.get(f"/console/audit?since={today}&until={today}", headers=HTML)
        assert dated.status_code == 200 and "<code>unit.create</code>" in dated.text
        csv_link = dated.text.split('href="/api/v1/audit.csv?', 1)[1].split('"', 1)[0]
        csv = await client.get("/api/v1/audit.csv?" + csv_link.replace("&amp;", "&"))
        assert csv.status_code == 200 and "unit.create" in csv.text and "C21" not in csv.text
        future = (province_today() + timedelta(days=2)).isoformat()
        later = (await client.get(f"/console/audit?since={future}", headers=HTML)).text
        assert "Không có sự kiện nào." in later
        bad = await client.get("/console/audit?until=31-12-2026", headers=HTML)
        assert bad.status_code == 422 and "Vui lòng nhập ngày hợp lệ." in bad.text


async def test_audit_page_names_actions_and_details_in_the_users_language(app: FastAPI):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "Góp ý")
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        data = {"csrf_token": csrf, "reason": "Trùng lặp"}
        assert (
            await client.post(f"/console/responses/{rid}/exclude", data=data)
        ).status_code == 303
        page = (await client.get("/console/audit?action=response", headers=HTML)).text
        row = re.search(r"<tr>(?:(?!</tr>).)*response\.exclude.*?</tr>", page, re.S)
        assert row is not None
        assert "Loại phiếu khỏi thống kê" in row.group(0)
        assert "<code>response.exclude</code>" in row.group(0)  # the code, to search by
        assert '<span title="from">Từ</span>: Hợp lệ' in row.group(0)
        assert '<span title="to">Thành</span>: Bị loại' in row.group(0)
        assert '<span title="reason">Lý do</span>: Trùng lặp' in row.group(0)
        client.cookies.set("sipas_lang", "en")
        english = (await client.get("/console/audit?action=response", headers=HTML)).text
        assert "Exclude a response from the statistics" in english
        assert '<span title="to">To</span>: Excluded' in english
        grants = (await client.get("/console/audit?action=user.grant", headers=HTML)).text
        assert '<span title="role">Role</span>: Administrator' in grants
        merged = (await client.get("/console/audit?action=unit", headers=HTML)).text
        assert "Create a unit" in merged and "<code>unit.create</code>" in merged
