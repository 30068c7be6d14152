"""Public results pages over real HTTP: only public frozen revisions are reachable, withheld
units say why, pages are cacheable (ETag, 304) and the widget may be framed by the portal."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.models import Round
from tests.factories import add_response, make_province, province_today, ratings
from tests.public.helpers import frozen_province, make_public
from tests.reporting.helpers import audit_actions, staff_client

PAGES = ("/public/R2026", "/public/R2026/method", "/public/R2026/units/D1", "/public/R2026/embed")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("status", ["draft", "open", "closed"])
async def test_a_round_without_a_public_revision_is_not_reachable(
    app: FastAPI, anonymous: httpx.AsyncClient, status: str
):
    await make_province(app, status=status)
    for path in (*PAGES, "/open-data/R2026/1/units.csv"):
        assert (await anonymous.get(path)).status_code == 404, path
    assert "R2026" not in (await anonymous.get("/open-data/feed.json")).text


async def test_only_the_revisions_made_public_are_served(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    province = await frozen_province(app, client)
    # Frozen, not yet public: nothing.
    for path in PAGES:
        assert (await anonymous.get(path)).status_code == 404, path

    made = await make_public(client)
    assert made["public"] and made["page"].endswith("/public/R2026?revision=1")
    assert await audit_actions(app, "round.publish") == 1
    again = await make_public(client)  # already public: nothing new written or audited
    assert again["published_at"] == made["published_at"]
    assert await audit_actions(app, "round.publish") == 1
    for path in PAGES:
        page = await anonymous.get(path)
        assert page.status_code == 200, path
        assert "text/html" in page.headers["content-type"]

    # A correction is frozen as revision 2: the public still sees revision 1 ...
    await add_response(app, province, "C21", ratings({}, default=1))
    assert (await client.post("/api/v1/rounds/R2026/freeze")).json()["result"]["revision"] == 2
    assert 'id="m-revision">1<' in (await anonymous.get("/public/R2026/method")).text
    assert (await anonymous.get("/public/R2026?revision=2")).status_code == 404
    assert (await anonymous.get("/open-data/R2026/2/units.csv")).status_code == 404
    # ... until it is made public too; revision 1 stays readable.
    await make_public(client, revision=2)
    assert 'id="m-revision">2<' in (await anonymous.get("/public/R2026/method")).text
    assert (await anonymous.get("/public/R2026?revision=1")).status_code == 200

    # ... withdrawn: gone again, its files too.
    for revision in (1, 2):
        await make_public(client, revision, public=False)
    assert await audit_actions(app, "round.unpublish") == 2
    assert (await anonymous.get("/public/R2026")).status_code == 404
    assert (await anonymous.get("/open-data/R2026/1/revision.json")).status_code == 404


async def test_publishing_needs_an_admin_of_the_round(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    refused = await anonymous.put("/api/v1/rounds/R2026/revisions/1/public", json={"public": True})
    assert refused.status_code == 401
    viewer = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    )
    async with viewer:
        await staff_client(app, viewer, "viewer@x.vn", [("viewer", "P")])
        answer = await viewer.put("/api/v1/rounds/R2026/revisions/1/public", json={"public": True})
        assert answer.status_code == 403
    missing = await client.put("/api/v1/rounds/R2026/revisions/9/public", json={"public": True})
    assert missing.status_code == 404
    assert (await anonymous.get("/public/R2026")).status_code == 404


async def test_province_page_shows_figures_and_withheld_units_say_why(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    await make_public(client)
    api = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    page = await anonymous.get("/public/R2026")
    html = page.text
    shown = f"{api['index']:.1f}".replace(".", ",")  # Vietnamese decimal comma
    assert shown in text_of(html), text_of(html)[:1500]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert 'id="row-D1"' in html and 'id="row-D2"' in html
    d2 = html.split('id="row-D2"')[1].split("</tr>")[0]
    assert "Không có phiếu trả lời" in d2 and "%" not in text_of(d2)

    unit = (await anonymous.get("/public/R2026/units/D1")).text
    c12 = unit.split('id="row-C12"')[1].split("</tr>")[0]
    assert "Chưa đủ tin cậy: 1 phiếu, cần ít nhất 3" in text_of(c12)
    c12_live = next(
        c
        for c in (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()["children"]
        if c["code"] == "C12"
    )
    assert c12_live["index"] is not None  # the API shows it flagged; the public page does not
    assert f"{c12_live['index']:.1f}".replace(".", ",") not in text_of(c12)
    c11 = unit.split('id="row-C11"')[1].split("</tr>")[0]
    assert "Chưa đủ tin cậy" not in c11

    english = (await anonymous.get("/public/R2026/units/D1?lang=en")).text
    assert '<html lang="en">' in english
    assert "Not reliable enough: n = 1, at least 3 needed" in text_of(english)

    method = text_of((await anonymous.get("/public/R2026/method")).text)
    assert api["snapshot"]["content_hash"] in method
    assert "Đơn vị C12" in method  # listed among the withheld

    unknown = await anonymous.get("/public/R2026/units/NOPE", headers={"accept": "text/html"})
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]


async def test_public_pages_are_cacheable_and_answer_304(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    await make_public(client)
    for path in (
        "/public/R2026",
        "/public/R2026/units/C11?lang=en",
        "/open-data/R2026/1/units.csv",
        "/open-data/feed.json",
    ):
        first = await anonymous.get(path)
        etag = first.headers["etag"]
        assert first.headers["cache-control"].startswith("public, max-age="), path
        again = await anonymous.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"", path
        stale = await anonymous.get(path, headers={"if-none-match": '"other"'})
        assert stale.status_code == 200 and stale.content == first.content
    vi = (await anonymous.get("/public/R2026")).headers["etag"]
    en = (await anonymous.get("/public/R2026?lang=en")).headers["etag"]
    assert vi != en


async def test_a_page_rendered_once_follows_its_rows(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    """The province page, widget and method page are rendered once per state of the revision
    (app.state.public_pages): the same bytes and ETag again, but a renamed round or another
    revision made public is a new page, never the copy kept in memory."""
    province = await frozen_province(app, client)
    await make_public(client)
    paths = ("/public/R2026", "/public/R2026/embed", "/public/R2026/method?lang=en")
    first = {path: await anonymous.get(path) for path in paths}
    for path, page in first.items():
        again = await anonymous.get(path)
        assert again.content == page.content and again.headers["etag"] == page.headers["etag"]
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(name="Đợt khảo sát đã đổi tên"))
    for path, page in first.items():
        renamed = await anonymous.get(path, headers={"if-none-match": page.headers["etag"]})
        assert renamed.status_code == 200 and renamed.headers["etag"] != page.headers["etag"]
        assert "Đợt khảo sát đã đổi tên" in renamed.text, path
    await add_response(app, province, "C21", ratings({}, default=1))
    assert (await client.post("/api/v1/rounds/R2026/freeze")).json()["result"]["revision"] == 2
    before = await anonymous.get("/public/R2026?revision=1")
    await make_public(client, 2)  # the province page of revision 1 now links revision 2
    after = await anonymous.get("/public/R2026?revision=1")
    assert "?revision=2&amp;" not in before.text and "?revision=2&amp;" in after.text


async def test_only_the_widget_may_be_framed_and_only_by_the_portal(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    await frozen_province(app, client)
    await make_public(client)
    widget = await anonymous.get("/public/R2026/embed")
    assert "frame-ancestors https://portal.example.vn" in widget.headers["content-security-policy"]
    assert "x-frame-options" not in widget.headers
    page = await anonymous.get("/public/R2026")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_changes_in_points_and_places_and_the_trend_over_published_rounds(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    from datetime import timedelta

    from tests.reporting.helpers import add_round

    province = await make_province(app, status="closed")
    volumes = {"C11": 1000, "C12": 500, "C21": 300}
    last = await add_round(app, province, "R2025", province_today() - timedelta(days=400), volumes)
    for _ in range(3):  # last year D2 led; this year D1 does
        await add_response(app, last, "C11", ratings({"ACC1": 1, "ACC2": 1}, default=5))
        await add_response(app, last, "C21", ratings({}, default=5))
        await add_response(app, province, "C11", ratings({}, default=5))
        await add_response(app, province, "C21", ratings({"ACC1": 1, "PRO1": 2}, default=5))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    for code in ("R2025", "R2026"):
        assert (await client.post(f"/api/v1/rounds/{code}/freeze")).status_code == 200
        answer = await client.put(f"/api/v1/rounds/{code}/revisions/1/public", json={"public": 1})
        assert answer.status_code == 200, answer.text

    page = (await anonymous.get("/public/R2026")).text
    d1 = text_of(page.split('id="row-D1"')[1].split("</tr>")[0])
    d2 = text_of(page.split('id="row-D2"')[1].split("</tr>")[0])
    assert "tăng 1 bậc" in d1 and "+" in d1
    assert "giảm 1 bậc" in d2
    english = text_of((await anonymous.get("/public/R2026?lang=en")).text)
    assert "up by 1" in english

    unit = (await anonymous.get("/public/R2026/units/D1")).text
    assert 'id="trend-chart-t"' in unit
    trend = unit.split('id="trend-chart-t"')[1].split("</svg>")[0]
    assert ">R2025<" in trend and ">R2026<" in trend
    # The earlier round withdrawn: the trend keeps the round compared with (its index only).
    await client.put("/api/v1/rounds/R2025/revisions/1/public", json={"public": False})
    assert ">R2025<" in (await anonymous.get("/public/R2026/units/D1")).text


async def test_the_method_page_says_how_many_responses_the_screening_held(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
):
    from app.integrity.tasks import refresh_reports
    from tests.integrity.helpers import add_held

    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}, default=5))
    for _ in range(2):
        await add_held(app, province, "C21", ratings({"ACC1": 1}))
    await refresh_reports(app.state.db, app.state.catalogue, "Asia/Ho_Chi_Minh")
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(Round).values(status="closed"))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    assert (await client.post("/api/v1/rounds/R2026/freeze")).status_code == 200
    await make_public(client)
    method = (await anonymous.get("/public/R2026/method")).text
    assert 'id="m-held">2<' in method and 'id="m-rejected">0<' in method
    english = text_of((await anonymous.get("/public/R2026/method?lang=en")).text)
    assert "held for review" in english
