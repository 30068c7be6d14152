"""Console forms for a single split, partial transfer and rename (admin scope, CSRF, audit;
a refusal shows the form again and writes nothing)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Unit, UnitEvent, UnitLink
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province, province_today
from tests.reporting.helpers import audit_actions

DAY = str(province_today() - timedelta(days=3))


async def counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.db.sessions() as session:
        units = await session.scalar(select(func.count()).select_from(Unit))
        events = await session.scalar(select(func.count()).select_from(UnitEvent))
    return int(units or 0), int(events or 0)


def split_form(csrf: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "unit": "C11",
        "effective": DAY,
        "code1": "S1",
        "share1": "0,6",
        "name1": "Quầy Bắc",
        "code2": "S2",
        "share2": "0,4",
        "name2": "Quầy Nam",
        **extra,
    }


async def test_a_split_is_recorded_from_the_form(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        page = await client.get("/console/units/split?unit=C11", headers=HTML)
        assert page.status_code == 200 and "Chia tách đơn vị" in page.text
        assert '<option value="C11" selected>' in page.text
        before = await counts(app)
        no_csrf = {k: v for k, v in split_form(csrf).items() if k != "csrf_token"}
        assert (await client.post("/console/units/split", data=no_csrf)).status_code == 403
        wrong = await client.post("/console/units/split", data=split_form(csrf, share2="0,3"))
        assert wrong.status_code == 422 and "cộng lại bằng 1" in wrong.text
        # Refused after the successors were created: the savepoint leaves nothing behind.
        late = await client.post("/console/units/split", data=split_form(csrf, children="C99=S1"))
        assert late.status_code == 404 and "C99" in late.text
        assert await counts(app) == before
        done = await client.post("/console/units/split", data=split_form(csrf))
        assert done.status_code == 303
        assert done.headers["location"] == "/console/units/events?done=unit-split"
        listed = await client.get(done.headers["location"], headers=HTML)
        assert "Đã ghi nhận việc chia tách đơn vị." in listed.text and "Chia tách" in listed.text
    async with app.state.db.sessions() as session:
        shares = (await session.scalars(select(UnitLink.share).order_by(UnitLink.share))).all()
        c11 = await session.scalar(select(Unit).where(Unit.code == "C11"))
    assert list(shares) == [0.4, 0.6] and c11 is not None and c11.inactive_from is not None
    assert await audit_actions(app, "unit.split") == 1


async def test_a_transfer_and_a_rename_from_the_forms(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        page = await client.get("/console/units/transfer", headers=HTML)
        assert page.status_code == 200 and "Điều chuyển một phần đơn vị" in page.text
        body = {"csrf_token": csrf, "source": "C11", "to": "C12", "effective": DAY}
        bad = await client.post("/console/units/transfer", data={**body, "share": "1,5"})
        assert bad.status_code == 422 and "Nhập tỷ lệ từ 0 đến 1" in bad.text
        moved = await client.post("/console/units/transfer", data={**body, "share": "0,25"})
        assert moved.status_code == 303, moved.text
        renamed = await client.post(
            "/console/units/rename",
            data={"csrf_token": csrf, "unit": "C12", "name": "Quầy mới", "effective": DAY},
        )
        assert renamed.status_code == 303
    async with app.state.db.sessions() as session:
        link = await session.scalar(select(UnitLink))
        c12 = await session.scalar(select(Unit).where(Unit.code == "C12"))
    assert link is not None and link.share == 0.25
    assert c12 is not None and c12.name == "Quầy mới"
    assert await audit_actions(app, "unit.transfer") == 1
    assert await audit_actions(app, "unit.rename") == 1


async def test_the_forms_keep_to_the_admins_scope(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        page = await client.get("/console/units/rename", headers=HTML)
        assert '<option value="C21"' not in page.text
        assert (await client.get("/console/units/rename?unit=C21", headers=HTML)).status_code == 403
        outside = await client.post(
            "/console/units/rename",
            data={"csrf_token": csrf, "unit": "C21", "name": "X", "effective": DAY},
        )
        assert outside.status_code == 422
    async with staff_client(app, "viewer@x.vn", [("viewer", "P")]) as (client, _csrf):
        assert (await client.get("/console/units/split", headers=HTML)).status_code == 403
    assert await counts(app) == (6, 0)


async def test_a_relevel_a_move_and_a_dissolution_from_the_forms(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        for kind, title in (
            ("relevel", "Đổi cấp đơn vị"),
            ("move", "Chuyển đơn vị sang đơn vị cấp trên khác"),
            ("dissolve", "Giải thể đơn vị"),
        ):
            page = await client.get(f"/console/units/{kind}?unit=C11", headers=HTML)
            assert page.status_code == 200 and title in page.text
        # A unit cannot move inside itself: the form again, nothing written.
        inside = await client.post(
            "/console/units/move",
            data={"csrf_token": csrf, "unit": "D1", "parent": "C11", "effective": DAY},
        )
        assert inside.status_code == 422 and "bên trong chính nó" in inside.text
        assert await counts(app) == (6, 0)
        forged = await client.post(
            "/console/units/dissolve", data={"csrf_token": "x", "unit": "C21", "effective": DAY}
        )
        assert forged.status_code == 403
        posted = {
            "relevel": {"unit": "C12", "level": "desk"},
            "move": {"unit": "C11", "parent": "D2"},
            "dissolve": {"unit": "C21"},
        }
        for kind, body in posted.items():
            done = await client.post(
                f"/console/units/{kind}", data={"csrf_token": csrf, "effective": DAY, **body}
            )
            assert done.status_code == 303, done.text
        listed = await client.get(done.headers["location"], headers=HTML)
        assert "Đã ghi nhận việc giải thể đơn vị." in listed.text
    async with app.state.db.sessions() as session:
        rows = {u.code: u for u in await session.scalars(select(Unit))}
        d2 = rows["D2"].id
    assert rows["C12"].level == "desk" and rows["C11"].parent_id == d2
    assert rows["C21"].inactive_from is not None
    for action in ("unit.relevel", "unit.move", "unit.dissolve"):
        assert await audit_actions(app, action) == 1
    # Reversible: the latest event (the dissolution) is reverted from the events page.
    async with app.state.db.sessions() as session:
        last = await session.scalar(select(UnitEvent).order_by(UnitEvent.id.desc()))
    assert last is not None and last.kind == "dissolve"
    async with staff_client(app, "p2@x.vn", [("admin", "P")]) as (client, csrf):
        undone = await client.post(
            f"/console/units/events/{last.id}/revert", data={"csrf_token": csrf}
        )
        assert undone.status_code == 303, undone.text
    async with app.state.db.sessions() as session:
        c21 = await session.scalar(select(Unit).where(Unit.code == "C21"))
    assert c21 is not None and c21.inactive_from is None


async def test_a_move_is_refused_under_a_parent_outside_the_scope(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        page = await client.get("/console/units/move", headers=HTML)
        assert '<option value="D2"' not in page.text
        outside = await client.post(
            "/console/units/move",
            data={"csrf_token": csrf, "unit": "C11", "parent": "D2", "effective": DAY},
        )
        assert outside.status_code == 422
    assert await counts(app) == (6, 0)
