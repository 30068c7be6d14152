"""Units page: the tree of one's scope, search, create and edit (admin, CSRF, audited)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, Unit
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province


async def unit(app: FastAPI, code: str) -> Unit | None:
    async with app.state.db.sessions() as session:
        found: Unit | None = await session.scalar(select(Unit).where(Unit.code == code))
        return found


async def test_tree_shows_the_scope_collapsible_without_script(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("viewer", "D1")]) as (client, _):
        page = (await client.get("/console/units", headers=HTML)).text
    assert "<code>D1</code>" in page and "<code>C11</code>" in page and "<code>C12</code>" in page
    assert "<code>D2</code>" not in page and "<code>C21</code>" not in page
    assert "<code>P</code>" not in page
    assert "<details open>" in page and "<summary>" in page
    assert "/edit" not in page  # a viewer edits nothing


async def test_search_ignores_case_and_diacritics(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        by_name = (await client.get("/console/units?q=DON VI c2", headers=HTML)).text
        by_code = (await client.get("/console/units?q=c1", headers=HTML)).text
    assert "<code>C21</code>" in by_name and "<code>C11</code>" not in by_name
    assert "<code>C11</code>" in by_code and "<code>C12</code>" in by_code
    assert "<code>C21</code>" not in by_code


async def test_admin_creates_a_unit_under_their_scope(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        form = {"csrf_token": csrf, "code": "C13", "name": "Quầy Tư pháp", "level": "counter"}
        created = await client.post("/console/units", data={**form, "parent": "D1"})
        assert created.status_code == 303
        assert created.headers["location"] == "/console/units?q=C13&done=unit-created"
        page = await client.get(created.headers["location"], headers=HTML)
        assert "Đã tạo đơn vị." in page.text and "Quầy Tư pháp" in page.text
        # Elsewhere, or without a parent (only a superadmin adds a top unit): refused per field.
        outside = await client.post("/console/units", data={**form, "code": "C22", "parent": "D2"})
        top = await client.post("/console/units", data={**form, "code": "X", "parent": ""})
        again = await client.post("/console/units", data={**form, "parent": "D1"})
        bad = await client.post("/console/units", data={**form, "code": "a b", "parent": "D1"})
    assert outside.status_code == 422 and "không có quyền quản trị" in outside.text
    assert top.status_code == 422 and "Vui lòng chọn đơn vị cấp trên." in top.text
    assert again.status_code == 422 and "Mã này đã được dùng." in again.text
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert 'value="Quầy Tư pháp"' in bad.text  # what was typed is kept
    created_unit = await unit(app, "C13")
    assert (
        created_unit is not None and await unit(app, "C22") is None and await unit(app, "X") is None
    )
    async with app.state.db.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "unit.create", AuditEvent.object_id == "C13"
            )
        )
    assert event is not None and event.actor.endswith("d1@x.vn")
    assert event.unit_id == created_unit.id and event.changes["parent"] == "D1"


async def test_admin_edits_and_moves_a_unit_within_scope(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        form = {"csrf_token": csrf, "name": "Quầy mới", "level": "counter"}
        moved = await client.post("/console/units/C12", data={**form, "parent": "D2"})
        assert moved.status_code == 303
        cycle = await client.post("/console/units/D1", data={**form, "parent": "C11"})
        assert cycle.status_code == 422 and "bên trong chính nó" in cycle.text
        edit = await client.get("/console/units/C11/edit", headers=HTML)
        assert 'value="Đơn vị C11"' in edit.text
        assert '<option value="D1" selected>' in edit.text
        assert '<option value="C11"' not in edit.text  # not under itself
    c12 = await unit(app, "C12")
    d2 = await unit(app, "D2")
    assert c12 is not None and d2 is not None
    assert (c12.name, c12.parent_id) == ("Quầy mới", d2.id)


async def test_edit_refuses_outside_scope_and_missing_csrf(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        form = {"csrf_token": csrf, "name": "X", "level": "counter", "parent": "D1"}
        assert (await client.post("/console/units/C11", data=form)).status_code == 403
        assert (await client.get("/console/units/C11/edit", headers=HTML)).status_code == 403
        no_csrf = {**form, "parent": "D2", "csrf_token": "forged"}
        assert (await client.post("/console/units/C21", data=no_csrf)).status_code == 403
        missing = await client.post("/console/units/NOPE", data=form)
        assert missing.status_code == 404
    c21 = await unit(app, "C21")
    assert c21 is not None and c21.name == "Đơn vị C21"


async def test_a_unit_whose_parent_is_outside_scope_keeps_it(app: FastAPI):
    """An admin granted on D1 itself may rename D1 without being able to choose P."""
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        page = await client.get("/console/units/D1/edit", headers=HTML)
        assert '<option value="P" selected>' in page.text
        form = {"csrf_token": csrf, "name": "Sở mới", "level": "department", "parent": "P"}
        assert (await client.post("/console/units/D1", data=form)).status_code == 303
    d1 = await unit(app, "D1")
    assert d1 is not None and d1.name == "Sở mới"
