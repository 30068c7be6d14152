"""Rounds pages: list in scope, create from an instrument for chosen counters with volumes,
and the status steps draft → open → closed → published (manager, CSRF, audited)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI
from sqlalchemy import select

from app.audit.service import CLI
from app.models import AuditEvent, Round, RoundUnit, Unit
from app.rounds.service import create_round, set_volume
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province, province_today

TODAY = province_today()


def new_round(csrf: str, **extra: str) -> dict[str, str | list[str]]:
    body: dict[str, str | list[str]] = {
        "csrf_token": csrf,
        "root": "D1",
        "code": "R-NEW",
        "name": "Đợt quý IV",
        "form": "one-stop-counter",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        "unit": ["C11", "C12"],
        "volume_C11": "1.200",
        "volume_C12": "",
    }
    body.update(extra)
    return body


async def stored(app: FastAPI, code: str) -> tuple[Round | None, dict[str, int | None]]:
    """The round and its volumes by unit code, as stored."""
    async with app.state.db.sessions() as session:
        round_ = await session.scalar(select(Round).where(Round.code == code))
        if round_ is None:
            return None, {}
        rows = await session.execute(
            select(Unit.code, RoundUnit.volume)
            .join(Unit, Unit.id == RoundUnit.unit_id)
            .where(RoundUnit.round_id == round_.id)
        )
        return round_, {unit_code: volume for unit_code, volume in rows}


async def test_manager_creates_a_round_for_two_counters(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "m@x.vn", [("manager", "D1")]) as (client, csrf):
        step1 = await client.get("/console/rounds/new?root=D1", headers=HTML)
        assert step1.status_code == 200
        assert 'name="unit" value="C11" checked' in step1.text and "C21" not in step1.text
        created = await client.post("/console/rounds", data=new_round(csrf))
        assert created.status_code == 303
        assert created.headers["location"] == "/console/rounds/R-NEW?done=round-created"
        page = await client.get(created.headers["location"], headers=HTML)
        assert "Đã tạo đợt khảo sát" in page.text and "Nháp" in page.text
        assert "Mở đợt khảo sát" in page.text
    round_, volumes = await stored(app, "R-NEW")
    assert (
        round_ is not None and round_.status == "draft" and round_.form_code == "one-stop-counter"
    )
    assert volumes == {"C11": 1200, "C12": None}
    async with app.state.db.sessions() as session:
        actions = set(
            await session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == "R-NEW"))
        )
    assert actions == {"round.create", "round.volume"}


async def test_round_form_refuses_bad_input_per_field(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "m@x.vn", [("manager", "D1")]) as (client, csrf):
        cases = {
            "ends_on": new_round(csrf, ends_on=(TODAY - timedelta(days=1)).isoformat()),
            "unit": new_round(csrf, unit=[]),
            "volume_C11": new_round(csrf, volume_C11="-5"),
            "code": new_round(csrf, code="R2026"),
            "form": new_round(csrf, form="no-such-form"),
            "starts_on": new_round(csrf, starts_on="31/02/2026"),
        }
        for field, body in cases.items():
            answer = await client.post("/console/rounds", data=body)
            assert answer.status_code == 422, field
            assert f'href="#f-{field}"' in answer.text, field
        decimal = await client.post("/console/rounds", data=new_round(csrf, volume_C11="1.5"))
        assert decimal.status_code == 422  # not read as 15
        foreign = await client.post("/console/rounds", data=new_round(csrf, unit=["C21"]))
        assert foreign.status_code == 422 and "ngoài phạm vi" in foreign.text
        # A root outside one's scope is refused outright.
        assert (
            await client.post("/console/rounds", data=new_round(csrf, root="P"))
        ).status_code == 403
        assert (await client.get("/console/rounds/new?root=P", headers=HTML)).status_code == 403
        no_csrf = await client.post("/console/rounds", data=new_round("forged"))
        assert no_csrf.status_code == 403
    assert (await stored(app, "R-NEW"))[0] is None


async def test_status_moves_one_step_at_a_time_and_is_audited(app: FastAPI):
    await make_province(app, status="draft")
    async with staff_client(app, "m@x.vn", [("manager", "P")]) as (client, csrf):
        skip = await client.post(
            "/console/rounds/R2026/status", data={"csrf_token": csrf, "to": "closed"}
        )
        assert skip.status_code == 409
        for step in ("open", "closed", "published"):
            moved = await client.post(
                "/console/rounds/R2026/status", data={"csrf_token": csrf, "to": step}
            )
            assert moved.status_code == 303, step
            assert (await stored(app, "R2026"))[0].status == step  # type: ignore[union-attr]
            if step == "closed":  # the page publishes through the freeze, with its figures
                closed = (await client.get("/console/rounds/R2026", headers=HTML)).text
                assert 'href="/console/rounds/R2026/revisions">Chốt và công bố' in closed
                assert 'value="published"' not in closed
        done = await client.get("/console/rounds/R2026", headers=HTML)
        assert "Đã công bố" in done.text and 'name="to"' not in done.text
        again = await client.post(
            "/console/rounds/R2026/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert again.status_code == 409
    async with app.state.db.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "round.status")
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [(e.changes["from"], e.changes["to"]) for e in events] == [
        ("draft", "open"),
        ("open", "closed"),
        ("closed", "published"),
    ]
    assert all(e.unit_id is not None for e in events)  # filed under the round's units


async def test_status_needs_manager_on_every_unit_and_csrf(app: FastAPI):
    await make_province(app, status="draft")
    async with staff_client(app, "d1@x.vn", [("manager", "D1")]) as (client, csrf):
        partial = await client.post(
            "/console/rounds/R2026/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert partial.status_code == 403  # R2026 also covers C21
        page = await client.get("/console/rounds/R2026", headers=HTML)
        assert page.status_code == 200 and 'name="to"' not in page.text
        assert "<code>C11</code>" in page.text and "<code>C21</code>" not in page.text
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        viewer = await client.post(
            "/console/rounds/R2026/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert viewer.status_code == 403
    async with staff_client(app, "p@x.vn", [("manager", "P")]) as (client, _):
        forged = await client.post(
            "/console/rounds/R2026/status", data={"csrf_token": "x", "to": "open"}
        )
        assert forged.status_code == 403
    assert (await stored(app, "R2026"))[0].status == "draft"  # type: ignore[union-attr]


async def test_a_round_without_units_cannot_open(app: FastAPI):
    await make_province(app)
    async with app.state.db.write_sessions.begin() as session:
        await create_round(
            session,
            CLI,
            code="EMPTY",
            name="Trống",
            form_code="one-stop-counter",
            starts_on=TODAY,
            ends_on=TODAY,
        )
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, csrf):
        answer = await client.post(
            "/console/rounds/EMPTY/status", data={"csrf_token": csrf, "to": "open"}
        )
    assert answer.status_code == 409 and "chưa có đơn vị nào" in answer.text


async def test_rounds_outside_scope_are_neither_listed_nor_shown(app: FastAPI):
    await make_province(app, volumes={"C21": 10})
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, _):
        listing = await client.get("/console/rounds", headers=HTML)
        assert "R2026" not in listing.text and "Chưa có đợt khảo sát" in listing.text
        assert (await client.get("/console/rounds/R2026", headers=HTML)).status_code == 403


async def draft_rounds(app: FastAPI, rounds: dict[str, tuple[date, list[str]]]) -> None:
    """Draft rounds of 30 days from their first day, covering the given units."""
    async with app.state.db.write_sessions.begin() as session:
        units = {u.code: u for u in await session.scalars(select(Unit))}
        for code, (starts_on, covered) in rounds.items():
            round_ = await create_round(
                session,
                CLI,
                code=code,
                name=f"Đợt {code}",
                form_code="one-stop-counter",
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=30),
            )
            for unit_code in covered:
                await set_volume(session, CLI, round_, units[unit_code], None)


async def test_a_round_does_not_open_where_another_open_round_serves(app: FastAPI):
    await make_province(app, volumes={"C11": 1000, "C12": 500})  # R2026 open around today
    later = TODAY + timedelta(days=31)  # R2026 ends at TODAY + 30
    await draft_rounds(
        app, {"Q4": (TODAY, ["C12", "C21"]), "LATER": (later, ["C11"]), "ELSE": (TODAY, ["C21"])}
    )
    async with staff_client(app, "m@x.vn", [("manager", "P")]) as (client, csrf):
        refused = await client.post(
            "/console/rounds/Q4/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert refused.status_code == 409 and 'id="errors"' in refused.text
        assert "đang mở tại C12 trong cùng thời gian với đợt Q4" in refused.text
        assert "hãy đóng đợt R2026 hoặc bỏ các đơn vị này khỏi đợt Q4" in refused.text
        assert 'value="open"' in refused.text  # the page again, its status form kept
        client.cookies.set("sipas_lang", "en")
        english = await client.post(
            "/console/rounds/Q4/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert "is open at C12 during round Q4" in english.text
        for code in ("LATER", "ELSE"):  # another period, or other counters
            opened = await client.post(
                f"/console/rounds/{code}/status", data={"csrf_token": csrf, "to": "open"}
            )
            assert opened.status_code == 303, code
    statuses = [(await stored(app, c))[0] for c in ("Q4", "LATER", "ELSE")]
    assert [r.status for r in statuses if r] == ["draft", "open", "open"]


def details(csrf: str, **extra: str) -> dict[str, str]:
    body = {
        "csrf_token": csrf,
        "name": "Đợt năm 2026 (gia hạn)",
        "starts_on": (TODAY - timedelta(days=30)).isoformat(),
        "ends_on": (TODAY + timedelta(days=60)).isoformat(),
    }
    body.update(extra)
    return body


async def test_a_manager_renames_a_round_and_moves_its_period(app: FastAPI):
    await make_province(app)  # R2026 open: 30 days ago to 30 days ahead
    async with staff_client(app, "m@x.vn", [("manager", "P")]) as (client, csrf):
        page = await client.get("/console/rounds/R2026", headers=HTML)
        assert 'action="/console/rounds/R2026/details"' in page.text
        saved = await client.post("/console/rounds/R2026/details", data=details(csrf))
        assert saved.status_code == 303
        shown = await client.get(saved.headers["location"], headers=HTML)
        assert "Đã lưu tên và thời gian của đợt khảo sát." in shown.text
        assert "Đợt năm 2026 (gia hạn)" in shown.text
    round_ = (await stored(app, "R2026"))[0]
    assert round_ is not None and round_.name == "Đợt năm 2026 (gia hạn)"
    assert round_.ends_on == TODAY + timedelta(days=60)
    async with app.state.db.sessions() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "round.edit"))
    assert event is not None and event.unit_id is not None
    assert event.changes["ends_on"] == {
        "from": (TODAY + timedelta(days=30)).isoformat(),
        "to": (TODAY + timedelta(days=60)).isoformat(),
    }
    assert "starts_on" not in event.changes  # only what changed


async def test_round_edits_refuse_bad_dates_overlaps_closed_rounds_and_outsiders(app: FastAPI):
    await make_province(app, volumes={"C11": 1000, "C12": 500})  # R2026 open, ends TODAY + 30
    later = TODAY + timedelta(days=31)
    await draft_rounds(app, {"LATER": (later, ["C11"])})
    async with staff_client(app, "m@x.vn", [("manager", "P")]) as (client, csrf):
        for body, field in (
            (details(csrf, ends_on=(TODAY - timedelta(days=31)).isoformat()), "ends_on"),
            (details(csrf, starts_on="31/02/2026"), "starts_on"),
            (details(csrf, name=""), "name"),
        ):
            refused = await client.post("/console/rounds/R2026/details", data=body)
            assert refused.status_code == 422, field
            assert f'id="f-{field}"' in refused.text and "<details" in refused.text
            assert f'value="{body["name"]}"' in refused.text  # the values kept
        opened = await client.post(
            "/console/rounds/LATER/status", data={"csrf_token": csrf, "to": "open"}
        )
        assert opened.status_code == 303
        overlap = await client.post(
            "/console/rounds/LATER/details", data=details(csrf, starts_on=TODAY.isoformat())
        )
        assert overlap.status_code == 409 and "Chưa lưu được thay đổi" in overlap.text
        assert (await stored(app, "LATER"))[0].starts_on == later  # type: ignore[union-attr]
        await client.post("/console/rounds/R2026/status", data={"csrf_token": csrf, "to": "closed"})
        closed = await client.post("/console/rounds/R2026/details", data=details(csrf))
        assert closed.status_code == 409 and "đang soạn hoặc đang mở" in closed.text
        assert 'action="/console/rounds/R2026/details"' not in closed.text
        forged = await client.post("/console/rounds/LATER/details", data=details("x"))
        assert forged.status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        assert (
            'action="/console/rounds/LATER/details"'
            not in (await client.get("/console/rounds/LATER", headers=HTML)).text
        )
        viewer = await client.post("/console/rounds/LATER/details", data=details(csrf))
        assert viewer.status_code == 403
    unchanged = (await stored(app, "R2026"))[0]
    assert unchanged is not None and unchanged.name != "Đợt năm 2026 (gia hạn)"
