"""The console shell: every page renders for each role, navigation follows the role, the
overview counts only what is in scope, and nothing answers 500."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from app.rounds.service import get_round
from tests.auth.test_routes import EXAMPLES
from tests.comment_factories import comment_of, respond
from tests.console.helpers import HTML, staff_client
from tests.factories import add_response, make_province, ratings

VIEWER_PAGES = [
    "/console/overview",
    "/console/improvement",
    "/console/improvement/progress",
    "/console/units",
    "/console/units?q=c1",
    "/console/instruments",
    "/console/instruments/one-stop-counter",
    "/console/instruments/one-stop-counter/preview",
    "/console/rounds",
    "/console/rounds/R2026",
    "/console/rounds/R2026/statistics",
    "/console/rounds/R2026/statistics?unit=C11",
    "/console/rounds/R2026/frame",
    "/console/rounds/R2026/plan",
    "/console/rounds/R2026/draws",
    "/console/rounds/R2026/tokens",
    "/console/rounds/R2026/quotas",
    "/console/rounds/R2026/weights",
    "/console/rounds/R2026/revisions",
    "/console/qr",
    "/console/qr/D1",
    "/account/password",
]
ADMIN_PAGES = [
    "/console/units/new",
    "/console/units/C11/edit",
    "/console/units/import",
    "/console/units/merge",
    "/console/units/merge?source=C11",
    "/console/rounds/new",
    "/console/rounds/new?root=D1",
    "/console/keys",
    "/console/webhooks",
    "/console/audit",
    "/admin/users",
]


def nav_labels(page: str) -> list[str]:
    nav = re.search(r'<nav class="nav".*?</nav>', page, re.S)
    return re.findall(r">([^<>]+)</a></li>", nav.group(0)) if nav else []


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_every_page_renders_with_the_layout(app: FastAPI, lang: str):
    await make_province(app)
    async with staff_client(app, "an@x.vn", [("admin", "P")]) as (client, _):
        client.cookies.set("sipas_lang", lang)
        for url in VIEWER_PAGES + ADMIN_PAGES:
            page = await client.get(url, headers=HTML)
            assert page.status_code == 200, url
            assert f'<html lang="{lang}">' in page.text, url
            if "/preview" not in url:  # the preview is the citizens' page itself
                assert 'class="skip" href="#main"' in page.text and 'id="main"' in page.text, url
                assert "Đăng xuất" in page.text or "Sign out" in page.text, url


async def test_navigation_shows_what_the_role_allows(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "viewer@x.vn", [("viewer", "D1")]) as (client, _):
        page = (await client.get("/console/units", headers=HTML)).text
        assert nav_labels(page) == [
            *("Tổng quan", "Đơn vị", "Bộ câu hỏi", "Đợt khảo sát", "Mã QR"),
            *("Phiếu trả lời", "Góp ý", "Cải thiện"),
        ]
        assert '<a href="/console/units" aria-current="page">' in page
        for url in ADMIN_PAGES:
            assert (await client.get(url, headers=HTML)).status_code == 403, url
    async with staff_client(app, "admin@x.vn", [("admin", "D1")]) as (client, _):
        page = (await client.get("/console/overview", headers=HTML)).text
        assert nav_labels(page)[-5:] == [
            "Người dùng",
            "Khóa API",
            "Webhook",
            "Thông báo",
            "Nhật ký",
        ]


async def test_entry_points_lead_to_the_overview(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "viewer@x.vn", [("viewer", "D1")]) as (client, _):
        console = await client.get("/console", headers=HTML)
        assert console.status_code == 303 and console.headers["location"] == "/console/overview"
        account = await client.get("/account", headers=HTML)
        assert account.headers["location"] == "/console"
    async with staff_client(app, "nobody@x.vn", []) as (client, _):
        assert (await client.get("/account")).headers["location"] == "/account/password"
        assert (await client.get("/console/overview", headers=HTML)).status_code == 403


async def test_anonymous_visitors_are_sent_to_sign_in(app: FastAPI, client: httpx.AsyncClient):
    answer = await client.get("/console/rounds?x=1", headers=HTML)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/console/rounds%3Fx%3D1"


async def test_overview_counts_only_responses_in_scope(app: FastAPI):
    province = await make_province(app)
    for unit in ("C11", "C11", "C12", "C21"):
        await add_response(app, province, unit, ratings({}))
    async with staff_client(app, "d1@x.vn", [("viewer", "D1")]) as (client, _):
        page = (await client.get("/console/overview", headers=HTML)).text
    row = re.search(r"<tr>\s*<td><a href=\"/console/rounds/R2026\">.*?</tr>", page, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]+)</td>', row.group(0)) == ["2", "3"]
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        page = (await client.get("/console/overview", headers=HTML)).text
    assert '<td class="num">3</td>' in page and '<td class="num">4</td>' in page


@pytest.mark.parametrize(
    "url",
    [
        "/console/units/NOPE/edit",
        "/console/rounds/NOPE",
        "/console/rounds/NOPE/statistics",
        "/console/rounds/R2026/statistics?unit=NOPE",
        "/console/qr/NOPE",
        "/console/instruments/nope",
        "/console/instruments/nope/preview",
        "/console/rounds/new?root=NOPE",
        "/console/units/new?parent=NOPE",
        "/console/qr/D1?round=NOPE",
        "/console/audit?since=yesterday",
    ],
)
async def test_unknown_or_bad_input_is_a_4xx_page(app: FastAPI, url: str):
    await make_province(app)
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        answer = await client.get(url, headers=HTML)
    assert 400 <= answer.status_code < 500, (url, answer.status_code)
    assert "<html" in answer.text


async def test_every_post_refuses_a_missing_or_wrong_csrf_token(app: FastAPI):
    """Every state-changing staff route, including ones added later (from EXAMPLES)."""
    province = await make_province(app)
    response = await respond(app, province, "C11", "Góp ý")
    comment = await comment_of(app, response)
    posts = [example.url for (method, _), example in EXAMPLES.items() if method == "POST"]
    assert "/console/rounds/R2026/status" in posts
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        for url in posts:
            target = url.format(target=1, response=response, comment=comment, webhook=1)
            for token in ({}, {"csrf_token": "forged"}):
                answer = await client.post(target, data={**token, "to": "open", "name": "x"})
                assert answer.status_code in (403, 404), (target, answer.status_code)
                if answer.status_code == 404:  # refused before: nothing to change there
                    assert "/revoke" in target or "/reset" in target, target
    async with app.state.db.sessions() as session:
        assert (await get_round(session, "R2026")).status == "open"  # nothing moved
