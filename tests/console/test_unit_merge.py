"""Units page: merge units A and B into C from a date — a confirmation page showing what the
lineage service would do (nothing written), the merge itself, and the lineage shown after."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from app.units.history import hierarchy_as_of
from tests.console.helpers import HTML, staff_client
from tests.console.test_units import unit as stored
from tests.factories import make_province, province_today
from tests.reporting.helpers import audit_actions

DAY = province_today() + timedelta(days=7)
MERGE = {"sources": ["C11", "C12"], "into": "C1X", "name": "Một cửa liên xã", "effective": str(DAY)}


async def successor_of(app: FastAPI, code: str) -> str | None:
    unit = await stored(app, code)
    assert unit is not None
    if unit.successor_id is None:
        return None
    async with app.state.db.sessions() as session:
        return await session.scalar(select(Unit.code).where(Unit.id == unit.successor_id))


def plan_of(page: str) -> str:
    found = re.search(r'<dl class="summary" id="merge-plan">(.*?)</dl>', page, re.S)
    assert found, "no confirmation"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def hidden_fields(page: str, action: str) -> list[tuple[str, str]]:
    form = re.search(rf'<form method="post" action="{action}".*?</form>', page, re.S)
    assert form, action
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0))


async def submit(client: httpx.AsyncClient, url: str, fields: list[tuple[str, str]]):
    """Post a form's fields as a browser does (a name may repeat)."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    return await client.post(url, content=urlencode(fields), headers=form)


async def post(client: httpx.AsyncClient, url: str, csrf: str, body: dict) -> httpx.Response:
    return await client.post(url, data={"csrf_token": csrf, **body}, headers=HTML)


async def test_merge_confirms_then_merges_and_the_units_page_shows_the_lineage(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        form = await client.get("/console/units/merge?source=C11", headers=HTML)
        assert '<option value="C11" selected>' in form.text
        assert '<option value="C21"' not in form.text  # outside the admin's scope
        preview = await post(client, "/console/units/merge", csrf, MERGE)
        assert preview.status_code == 200, preview.text
        plan = plan_of(preview.text)
        assert "Đơn vị C11 C11" in plan and "Đơn vị C12 C12" in plan
        assert "Đơn vị tiếp nhận (tạo mới) Một cửa liên xã C1X Quầy" in plan
        assert "trực thuộc Đơn vị D1 D1" in plan
        assert await stored(app, "C1X") is None and await successor_of(app, "C11") is None
        assert await audit_actions(app, "unit.merge") == 0  # the dry run left nothing behind

        fields = hidden_fields(preview.text, "/console/units/merge/confirm")
        merged = await submit(client, "/console/units/merge/confirm", fields)
        assert merged.status_code == 303
        assert merged.headers["location"] == "/console/units?q=C1X&done=units-merged"
        found = (await client.get(merged.headers["location"], headers=HTML)).text
        tree = (await client.get("/console/units", headers=HTML)).text
    assert "Đã sáp nhập đơn vị." in found
    assert re.search(r"Tiếp nhận từ\s*<a[^>]*>Đơn vị C11</a> <code>C11</code>", found)
    node = re.search(r"<code>C12</code>.*?</div>", tree, re.S)
    assert node and "Một cửa liên xã" in node.group(0)
    assert "Sẽ sáp nhập" in node.group(0) and "Đã sáp nhập" not in node.group(0)  # from DAY
    assert DAY.strftime("%d") in node.group(0)
    assert (await successor_of(app, "C11"), await successor_of(app, "C12")) == ("C1X", "C1X")
    c11 = await stored(app, "C11")
    assert c11 is not None and c11.inactive_from == DAY
    assert await audit_actions(app, "unit.merge") == 3


async def test_merging_into_an_existing_unit_can_move_the_children(app: FastAPI):
    await make_province(app)
    body = {"sources": ["D2"], "into": "D1", "effective": str(DAY)}
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, csrf):
        staying = plan_of((await post(client, "/console/units/merge", csrf, body)).text)
        moving = await post(client, "/console/units/merge", csrf, {**body, "move_children": "1"})
        assert "Đơn vị tiếp nhận (đã có) Đơn vị D1 D1" in staying
        assert "vẫn thuộc đơn vị cũ Đơn vị C21 C21" in staying
        assert "chuyển sang đơn vị tiếp nhận Đơn vị C21 C21" in plan_of(moving.text)
        fields = hidden_fields(moving.text, "/console/units/merge/confirm")
        assert ("move_children", "1") in fields
        done = await submit(client, "/console/units/merge/confirm", fields)
        assert done.status_code == 303
    c21, d1, d2 = await stored(app, "C21"), await stored(app, "D1"), await stored(app, "D2")
    assert c21 is not None and d1 is not None and d2 is not None
    # The merge is dated ahead (DAY): today's structure keeps C21 under D2 until then (the
    # worker applies it when due); the hierarchy from DAY has it under D1 (docs/reform.md).
    assert c21.parent_id == d2.id
    async with app.state.db.sessions() as session:
        then = await hierarchy_as_of(session, DAY)
        today = await hierarchy_as_of(session, province_today())
    assert then.by_code["C21"].parent_id == d1.id and today.by_code["C21"].parent_id == d2.id
    assert await successor_of(app, "D2") == "D1"


INVALID = [
    ({**MERGE, "sources": []}, "sources", "Vui lòng chọn ít nhất một đơn vị được sáp nhập."),
    ({**MERGE, "sources": ["C11", "C21"]}, "sources", "Vui lòng chọn một giá trị trong danh sách."),
    ({**MERGE, "into": "C11"}, "into", "Không thể sáp nhập C11 vào chính nó."),
    ({**MERGE, "into": "C21"}, "into", "Bạn không có quyền quản trị đơn vị này."),
    ({**MERGE, "into": "a b"}, "into", "Mã chỉ gồm chữ không dấu"),
    ({**MERGE, "name": ""}, "name", "Chưa có đơn vị C1X: nhập tên để tạo mới."),
    ({**MERGE, "sources": ["D1"], "parent": "C11"}, "parent", "không thể nằm bên trong"),
    ({**MERGE, "effective": "31/02/2026"}, "effective", "Vui lòng nhập ngày hợp lệ."),
    ({**MERGE, "parent": "D2"}, "parent", "Vui lòng chọn một giá trị trong danh sách."),
]


@pytest.mark.parametrize(("body", "field", "message"), INVALID)
async def test_an_invalid_merge_is_refused_on_the_form(
    app: FastAPI, body: dict, field: str, message: str
):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        for url in ("/console/units/merge", "/console/units/merge/confirm"):
            answer = await post(client, url, csrf, body)
            assert answer.status_code == 422, (url, answer.text)
            assert message in answer.text
            assert re.search(rf'<a href="#f-{field}">', answer.text), field
    assert await successor_of(app, "C11") is None and await stored(app, "C1X") is None
    assert await audit_actions(app, "unit.merge") == 0


async def test_levels_parents_and_the_top_are_for_the_service_to_refuse(app: FastAPI):
    await make_province(app)
    url = "/console/units/merge"
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, csrf):
        levels = await post(client, url, csrf, {**MERGE, "sources": ["C11", "D2"], "parent": "P"})
        parents = await post(client, url, csrf, {**MERGE, "sources": ["C11", "C21"]})
        merged = await post(client, f"{url}/confirm", csrf, MERGE)
        assert merged.status_code == 303
        again = await post(client, url, csrf, {**MERGE, "into": "C11", "sources": ["C21"]})
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        top = await post(client, url, csrf, {**MERGE, "sources": ["P"], "into": "Q"})
    assert levels.status_code == 422 and "khác cấp nhau" in levels.text
    assert '<a href="#f-level">' in levels.text
    assert parents.status_code == 422 and "cấp trên khác nhau" in parents.text
    assert again.status_code == 422 and "Đơn vị C11 đã ngừng hoạt động" in again.text
    assert top.status_code == 422 and "Chỉ quản trị viên cấp cao nhất" in top.text
    assert await stored(app, "Q") is None


async def test_merge_is_for_admins_of_the_units(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        page = await client.get("/console/units/merge?source=C11", headers=HTML)
        assert page.status_code == 403
        assert (
            await client.get("/console/units/merge?source=NOPE", headers=HTML)
        ).status_code == 404
        foreign = await post(client, "/console/units/merge/confirm", csrf, MERGE)
        assert foreign.status_code == 422  # C11 and C12 are not among D2's units
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        assert (await client.get("/console/units/merge", headers=HTML)).status_code == 403
        assert (await post(client, "/console/units/merge/confirm", csrf, MERGE)).status_code == 403
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, _):
        forged = await post(client, "/console/units/merge/confirm", "forged", MERGE)
        assert forged.status_code == 403
    assert await successor_of(app, "C11") is None
