"""Provisional figures ("tạm tính"): a round still collecting may freeze a provisional
revision and make it public; it is labelled wherever shown, the round stays open, reports keep
serving current figures, and the final revision after closing replaces it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.models import Round
from tests.factories import add_response, make_province, ratings
from tests.public.helpers import make_public
from tests.public.test_pages import text_of
from tests.reporting.helpers import audit_actions, staff_client

FREEZE = "/api/v1/rounds/R2026/freeze"


async def round_status(app: FastAPI) -> str:
    async with app.state.db.sessions() as session:
        round_ = await session.get(Round, 1)
        assert round_ is not None
        return round_.status


async def test_an_open_round_publishes_provisional_figures_until_its_final_ones(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    province = await make_province(app, status="open")
    for unit in ("C11", "C11", "C11", "C12"):
        await add_response(app, province, unit, ratings({}, default=5))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])

    refused = await client.post(FREEZE, json={"note": "x"})  # final figures: close first
    assert refused.status_code == 409
    frozen = await client.post(FREEZE, json={"note": "tạm tính", "provisional": True})
    assert frozen.status_code == 200 and frozen.json()["status"] == "done", frozen.text
    result = frozen.json()["result"]
    assert result["revision"] == 1 and result["provisional"] and result["created"]
    assert await round_status(app) == "open"  # citizens still answer
    audit = await audit_actions(app, "round.freeze")
    assert audit == 1

    # Reports keep serving current figures; the provisional revision only when asked for.
    await add_response(app, province, "C21", ratings({}, default=1))
    live = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert live["snapshot"] is None and live["respondents"] == 5
    asked = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P&revision=1")).json()
    assert asked["snapshot"]["provisional"] is True and asked["respondents"] == 4
    listed = (await client.get("/api/v1/rounds/R2026/revisions")).json()
    assert [(r["revision"], r["provisional"]) for r in listed] == [(1, True)]

    # Made public: labelled on every page, in the widget, the data package and the feed.
    await make_public(client)
    page = await anonymous.get("/public/R2026")
    assert page.status_code == 200 and 'id="provisional"' in page.text
    assert "Số liệu tạm tính" in text_of(page.text)
    assert "Số liệu tạm tính đã chốt: đợt R2026, phiên bản 1." in text_of(page.text)
    assert 'id="headline-unranked"' in page.text  # the province: no peers in its round
    unit = (await anonymous.get("/public/R2026/units/D1")).text
    assert 'id="headline-unranked"' not in unit
    english = text_of((await anonymous.get("/public/R2026?lang=en")).text)
    assert "Provisional figures" in english and "Not ranked" in english
    for path in ("/public/R2026/method", "/public/R2026/units/D1", "/public/R2026/embed"):
        assert 'id="provisional"' in (await anonymous.get(path)).text, path
    package = (await anonymous.get("/open-data/R2026/1/datapackage.json")).json()
    assert package["sipas"]["provisional"] is True and "provisional" in package["title"]
    feed = (await anonymous.get("/open-data/feed.json")).json()
    assert feed["items"][0]["_sipas"]["provisional"] is True
    assert "tạm tính" in text_of((await anonymous.get("/public")).text)

    # Closed: provisional refused, final figures frozen (a new revision although the
    # provisional one is of the same kind of figures), published without the label.
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(status="closed"))
    late = await client.post(FREEZE, json={"provisional": True})
    assert late.status_code == 409 and "while the round is open" in late.json()["error"]["message"]
    final = (await client.post(FREEZE, json={"note": "chính thức"})).json()["result"]
    assert final["revision"] == 2 and not final["provisional"] and final["created"]
    assert await round_status(app) == "published"
    served = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert served["snapshot"]["revision"] == 2 and not served["snapshot"]["provisional"]
    await make_public(client, revision=2)
    page = await anonymous.get("/public/R2026")
    assert 'id="provisional"' not in page.text and "Số liệu đã chốt" in text_of(page.text)
    older = await anonymous.get("/public/R2026?revision=1")
    assert 'id="provisional"' in older.text  # the provisional one stays readable, labelled


async def test_provisional_freeze_repeated_with_unchanged_figures_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, status="open")
    await add_response(app, province, "C11", ratings({}, default=4))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    first = (await client.post(FREEZE, json={"provisional": True})).json()["result"]
    again = (await client.post(FREEZE, json={"provisional": True})).json()["result"]
    assert first["revision"] == again["revision"] == 1 and again["created"] is False


async def test_console_freezes_provisional_figures_of_an_open_round(app: FastAPI):
    from tests.console.helpers import HTML
    from tests.console.helpers import staff_client as console_client

    province = await make_province(app, status="open")
    await add_response(app, province, "C11", ratings({}, default=4))
    async with console_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        form = {"csrf_token": csrf, "confirm": "1", "provisional": "1", "note": "tháng 1"}
        sent = await client.post("/console/rounds/R2026/freeze", data=form)
        assert sent.status_code == 303 and sent.headers["location"].endswith("done=round-frozen")
        page = (await client.get("/console/rounds/R2026/revisions", headers=HTML)).text
        assert 'id="provisional-1"' in page and 'id="provisional-hint"' in page
    assert await round_status(app) == "open"
