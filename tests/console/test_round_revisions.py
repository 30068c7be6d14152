"""The round's publishing page: freeze a closed round's figures as a revision (content hash
shown, the same the API lists), after a confirmation; unchanged figures write nothing, a
correction writes the next revision; an open round is refused (close it first); refusals
re-rendered, and scope."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from app.models import ReportSnapshot
from app.rounds.service import get_round
from tests.console.helpers import HTML, staff_client
from tests.console.test_round_frame import cells
from tests.factories import add_response, make_province, ratings
from tests.sampling.invitation_helpers import count_rows

PAGE = "/console/rounds/R2026/revisions"
FREEZE = "/console/rounds/R2026/freeze"
STATUS = "/console/rounds/R2026/status"


async def test_an_open_round_is_closed_before_its_figures_are_frozen(app: FastAPI):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}, default=5))
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        page = await client.get(PAGE, headers=HTML)
        # Only a provisional revision may be frozen while it collects (its form says so).
        assert 'id="close-first"' in page.text and 'id="provisional-hint"' in page.text
        assert 'name="provisional" value="1"' in page.text
        assert 'href="/console/rounds/R2026"' in page.text
        refused = await client.post(FREEZE, data={"csrf_token": csrf, "confirm": "1"})
        assert refused.status_code == 422 and "Chưa chốt được số liệu." in refused.text
        assert "đợt R2026 vẫn đang mở: hãy đóng đợt khảo sát trước" in refused.text
        async with app.state.db.sessions() as session:
            assert (await get_round(session, "R2026")).status == "open"
        assert await count_rows(app, ReportSnapshot) == 0

        closed = await client.post(STATUS, data={"csrf_token": csrf, "to": "closed"})
        assert closed.status_code == 303
        page = await client.get(PAGE, headers=HTML)
        assert f'action="{FREEZE}"' in page.text and 'id="close-first"' not in page.text
        assert 'name="provisional"' not in page.text
        assert 'name="confirm" value="1" required' in page.text
        unconfirmed = await client.post(FREEZE, data={"csrf_token": csrf, "note": "x"})
        assert unconfirmed.status_code == 422 and 'href="#f-confirm"' in unconfirmed.text
        assert await count_rows(app, ReportSnapshot) == 0
        frozen = await client.post(FREEZE, data={"csrf_token": csrf, "confirm": "1"})
        assert frozen.headers["location"] == f"{PAGE}?done=round-frozen"
    async with app.state.db.sessions() as session:
        assert (await get_round(session, "R2026")).status == "published"


async def test_freeze_publishes_revisions_with_their_content_hash(app: FastAPI):
    province = await make_province(app, status="closed")
    for unit, score in (("C11", 5), ("C12", 4), ("C21", 3)):
        await add_response(app, province, unit, ratings({}, default=score))
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        confirmed = {"csrf_token": csrf, "confirm": "1"}
        before = await client.get(PAGE, headers=HTML)
        assert 'id="no-revision"' in before.text and 'id="close-first"' not in before.text
        sent = await client.post(FREEZE, data={**confirmed, "note": "Lần đầu"})
        assert sent.status_code == 303 and sent.headers["location"] == f"{PAGE}?done=round-frozen"
        same = await client.post(FREEZE, data={**confirmed, "note": ""})
        assert same.headers["location"] == f"{PAGE}?done=freeze-unchanged"
        await add_response(app, province, "C21", ratings({}, default=1))  # a late correction
        again = await client.post(FREEZE, data={**confirmed, "note": "Bổ sung phiếu"})
        assert again.headers["location"] == f"{PAGE}?done=round-frozen"
        page = (await client.get(again.headers["location"], headers=HTML)).text
        listed = (await client.get("/api/v1/rounds/R2026/revisions")).json()
    async with app.state.db.sessions() as session:
        hashes = (
            await session.scalars(
                select(ReportSnapshot.content_hash).order_by(ReportSnapshot.revision.desc())
            )
        ).all()
        assert (await get_round(session, "R2026")).status == "published"
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert [r["content_hash"] for r in listed] == list(hashes)
    assert f'<code id="content-hash">{hashes[0]}</code>' in page
    rows = cells(page, "revisions")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("2", "6", "Bổ sung phiếu"),
        ("1", "6", "Lần đầu"),
    ]
    assert rows[1][2] == f"{hashes[1][:16]}…"


async def test_freeze_refusals_are_explained_and_write_nothing(app: FastAPI):
    await make_province(app, form_code="tt01-2018", status="closed")
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        confirmed = {"csrf_token": csrf, "confirm": "1"}
        long = await client.post(FREEZE, data={**confirmed, "note": "x" * 501})
        assert long.status_code == 422 and 'href="#f-note"' in long.text
        points = await client.post(FREEZE, data={**confirmed, "note": "thử"})
        assert points.status_code == 422 and "Chưa chốt được số liệu." in points.text
        assert "bộ câu hỏi tt01-2018 tính điểm" in points.text
        client.cookies.set("sipas_lang", "en")
        english = await client.post(FREEZE, data=confirmed)
        assert "form tt01-2018 is scored in points" in english.text
    assert await count_rows(app, ReportSnapshot) == 0
    async with app.state.db.sessions() as session:
        assert (await get_round(session, "R2026")).status == "closed"


async def test_revisions_page_follows_scope_and_role(app: FastAPI):
    await make_province(app, status="closed")
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        assert (await client.get(PAGE, headers=HTML)).status_code == 403
        assert (await client.post(FREEZE, data={"csrf_token": csrf})).status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(PAGE, headers=HTML)
        assert page.status_code == 200 and f'action="{FREEZE}"' not in page.text
        assert (await client.post(FREEZE, data={"csrf_token": csrf})).status_code == 403
    assert await count_rows(app, ReportSnapshot) == 0
