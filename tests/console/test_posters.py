"""QR posters (A4, one page per counter) and kiosk mode on a desk tablet."""

from __future__ import annotations

import re

import httpx
import segno
from fastapi import FastAPI

from app.audit.service import CLI
from app.units.lineage import MergeRequest, merge_units
from tests.console.helpers import HTML, staff_client
from tests.factories import form_body, make_province, province_today

BASE = "https://khaosat.example.vn"


async def test_one_click_prints_every_counter_under_a_unit(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("viewer", "D1")]) as (client, _):
        page = (await client.get("/console/qr/D1", headers=HTML)).text
        single = (await client.get("/console/qr/C12", headers=HTML)).text
        css = (await client.get("/static/console.css")).text
        assert (await client.get("/console/qr/D2", headers=HTML)).status_code == 403
        assert (await client.get("/console/qr/P", headers=HTML)).status_code == 403
    posters = re.findall(r'<article class="poster">.*?</article>', page, re.S)
    assert len(posters) == 2
    for poster, code in zip(posters, ("C11", "C12"), strict=True):
        url = f"{BASE}/s/{code}"
        assert f'<p class="url">{url}</p>' in poster and f"Đơn vị {code}" in poster
        # The inline SVG is exactly segno's QR code of the counter's URL.
        expected = segno.make(url, error="m").svg_inline(
            scale=1, omitsize=True, border=2, title=url
        )
        assert expected in poster
    assert len(re.findall(r'<article class="poster">', single)) == 1 and "/s/C12" in single
    assert "@page{size:A4" in css and "break-after:page" in css
    assert "<script" not in page.split("</main>")[0]  # the print button's script is external


async def test_posters_of_a_round_only_cover_its_counters(app: FastAPI):
    await make_province(app, volumes={"C11": 10})
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        page = (await client.get("/console/qr/P?round=R2026", headers=HTML)).text
        listing = (await client.get("/console/qr", headers=HTML)).text
    assert page.count('<article class="poster">') == 1 and "/s/C11" in page
    assert "/console/qr/P" in listing and "/s/C11?kiosk=1" in listing


async def test_links_only_where_a_form_is_served_today(app: FastAPI):
    """R2026 covers C11 and C12; C12 is then merged into C11; C21 has no open round."""
    await make_province(app, volumes={"C11": 10, "C12": 10})
    async with app.state.db.write_sessions.begin() as session:
        await merge_units(session, CLI, MergeRequest(["C12"], "C11", province_today()))
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, _):
        listing = (await client.get("/console/qr", headers=HTML)).text
        d1 = (await client.get("/console/qr/D1", headers=HTML)).text
        d2 = await client.get("/console/qr/D2", headers=HTML)
        planned = await client.get("/console/qr/D1?round=R2026", headers=HTML)
    assert '<a href="/s/C11?kiosk=1">' in listing and '<a href="/console/qr/C11">' in listing
    assert "In áp phích (1 quầy)" in listing  # D1: C11 only
    for dead in ("/s/C12?kiosk=1", "/console/qr/C12", "/s/C21?kiosk=1", "/console/qr/C21"):
        assert f'href="{dead}' not in listing, dead
    assert '"/console/qr/D2"' not in listing
    assert '<span class="badge">đã sáp nhập</span>' in listing  # C12
    assert listing.count("không có đợt khảo sát đang mở") == 2  # D2 and C21
    assert d1.count('<article class="poster">') == 1 and "/s/C11" in d1
    assert d2.status_code == 404
    assert planned.text.count('<article class="poster">') == 2  # the round's own posters


async def test_kiosk_form_returns_to_a_fresh_form(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    page = await client.get("/s/C11?kiosk=1", headers=HTML)
    html = page.text
    assert page.headers["cache-control"] == "no-store"
    assert 'data-kiosk-home="/s/C11?kiosk=1"' in html and 'data-kiosk-idle="90"' in html
    assert 'action="/s/C11?kiosk=1"' in html and 'autocomplete="off"' in html
    scripts = [re.sub(r"\?v=[0-9a-f]{12}", "", s) for s in re.findall(r"<script[^>]*>", html)]
    assert scripts == [
        '<script src="/static/form.js" defer>',
        '<script src="/static/kiosk.js" defer>',
    ]
    token = re.search(r'name="sid" value="([^"]+)"', html)
    assert token is not None
    posted = await client.post("/s/C11?kiosk=1", data=form_body(token.group(1)))
    assert posted.status_code == 303 and posted.headers["location"] == "/s/C11/thanks?kiosk=1"
    thanks = await client.get(posted.headers["location"], headers=HTML)
    assert thanks.headers["cache-control"] == "no-store"
    refresh = '<meta http-equiv="refresh" content="30;url=/s/C11?kiosk=1">'
    assert f"<noscript>{refresh}</noscript>" in thanks.text  # kiosk.js does it with scripts
    assert 'data-kiosk-return="30"' in thanks.text and "/static/kiosk.js" in thanks.text
    assert "set-cookie" not in thanks.headers and "set-cookie" not in posted.headers
    # In English the language stays with the citizen, and kiosk mode with the page.
    english = await client.get("/s/C11?kiosk=1&lang=en", headers=HTML)
    assert 'action="/s/C11?lang=en&amp;kiosk=1"' in english.text
    assert 'href="/s/C11?kiosk=1&amp;lang=vi"' in english.text


async def test_ordinary_form_has_no_kiosk_behaviour(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    html = (await client.get("/s/C11", headers=HTML)).text
    assert "data-kiosk" not in html and "kiosk.js" not in html and 'action="/s/C11"' in html
    token = re.search(r'name="sid" value="([^"]+)"', html)
    assert token is not None
    posted = await client.post("/s/C11", data=form_body(token.group(1)))
    thanks = await client.get(posted.headers["location"], headers=HTML)
    assert "http-equiv" not in thanks.text and "kiosk" not in thanks.text
