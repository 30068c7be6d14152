"""The round's targets page: score bands and each reported unit's target, stored through the
same service as the API (audited), then shown on the reports; refusals re-rendered with the
values kept and nothing stored; a viewer reads but cannot change."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import AuditEvent, Target
from tests.console.helpers import HTML, staff_client
from tests.factories import add_response, make_province, ratings

PAGE = "/console/rounds/R2026/targets"
BANDS = {"band-0": "A", "min-0": "90", "band-1": "B", "min-1": "80,5", "band-2": "C", "min-2": ""}


async def test_bands_and_targets_are_saved_and_reported(app: FastAPI):
    province = await make_province(app)
    for unit, score in (("C11", 5), ("C12", 4), ("C21", 2)):
        await add_response(app, province, unit, ratings({}, default=score))
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        blank = await client.get(PAGE, headers=HTML)
        assert blank.status_code == 200
        # Every unit the round reports on: the province, its departments, the counters.
        for code in ("P", "D1", "D2", "C11", "C12", "C21"):
            assert f'name="t-{code}" value=""' in blank.text
        form = {"csrf_token": csrf, **BANDS, "t-P": "89", "t-D2": "75,5", "t-C11": ""}
        sent = await client.post(PAGE, data=form)
        assert sent.status_code == 303
        assert sent.headers["location"] == f"{PAGE}?done=targets-saved"
        shown = await client.get(sent.headers["location"], headers=HTML)
        report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
        async with app.state.db.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Target)) == 2
            actions = (await session.scalars(select(AuditEvent.action))).all()
        # Clearing a target removes it.
        await client.post(PAGE, data={"csrf_token": csrf, **BANDS, "t-P": "89", "t-D2": ""})
    assert 'name="t-P" value="89"' in shown.text and 'name="t-D2" value="75.5"' in shown.text
    assert 'name="min-1" value="80.5"' in shown.text
    assert [b["label"] for b in report["bands"]] == ["A", "B", "C"]
    assert report["target"]["value"] == 89.0
    d2 = next(c for c in report["children"] if c["code"] == "D2")
    assert d2["target"]["value"] == 75.5 and d2["target"]["status"] in ("not_met", "undetermined")
    assert d2["band"] == "C"  # all answers 2: 0 %
    assert "round.bands" in actions and actions.count("round.target") == 6  # one per unit
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Target)) == 1


async def test_refusals_keep_the_values_and_store_nothing(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        over = await client.post(PAGE, data={"csrf_token": csrf, "t-P": "120", "t-D1": "abc"})
        assert over.status_code == 422
        assert "Chỉ tiêu là tỷ lệ phần trăm, từ 0 đến 100." in over.text
        assert 'name="t-P" value="120"' in over.text and 'href="#f-t-D1"' in over.text
        unordered = {"band-0": "A", "min-0": "80", "band-1": "B", "min-1": "90", "band-2": "C"}
        bands = await client.post(PAGE, data={"csrf_token": csrf, **unordered, "t-P": "50"})
        assert bands.status_code == 422 and "Các mức xếp loại chưa hợp lệ" in bands.text
        unlabelled = await client.post(PAGE, data={"csrf_token": csrf, "min-0": "90"})
        assert unlabelled.status_code == 422 and 'href="#f-band-0"' in unlabelled.text
        english = await client.post(f"{PAGE}?lang=en", data={"csrf_token": csrf, "t-P": "101"})
        assert "A target is a percentage, from 0 to 100." in english.text
    async with app.state.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Target)) == 0


async def test_a_viewer_reads_the_targets_without_a_form(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(PAGE, headers=HTML)
        assert page.status_code == 200 and "<form" not in page.text.split("<main", 1)[1]
        refused = await client.post(PAGE, data={"csrf_token": csrf, "t-P": "90"})
        assert refused.status_code == 403
