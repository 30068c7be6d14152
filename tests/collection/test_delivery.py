"""What citizens' phones and uptime monitors receive: a standalone QR SVG, HEAD, compression,
long-cached static files, a Vietnamese 404, codes in any letter case, a useful error summary."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import httpx
from fastapi import FastAPI

from app.collection.answers import MSG_REQUIRED
from tests.collection.test_form import token_of
from tests.factories import CRITERIA, make_province

HTML = {"accept": "text/html"}


async def test_qr_svg_is_a_standalone_svg_file(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    svg = await client.get("/s/C11/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<?xml")
    root = ElementTree.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "Đơn vị C11"


async def test_head_answers_like_get_without_a_body(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    for path in ("/s/C11", "/healthz", "/s/C11/qr.png"):
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == 200 == got.status_code, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
    qr = await client.head("/s/C11/qr.png")
    assert int(qr.headers["content-length"]) == len((await client.get("/s/C11/qr.png")).content)
    assert (await client.head("/s/NOPE")).status_code == 404


async def test_pages_styles_scripts_and_json_are_compressed(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    page = await client.get("/s/C11", headers={**HTML, "accept-encoding": "gzip"})
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any(".css" in a for a in assets) and any(".js" in a for a in assets)
    for path in ["/s/C11", "/openapi.json", *assets]:
        answer = await client.get(path, headers={"accept-encoding": "gzip"})
        if path.endswith(".svg") or "favicon" in path:
            continue  # tiny: under the threshold
        assert answer.headers.get("content-encoding") == "gzip", path
        assert "accept-encoding" in answer.headers["vary"].lower()
    plain = await client.get("/s/C11", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_static_files_have_hashed_urls_cached_for_a_year(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    page = await client.get("/s/C11", headers=HTML)
    css = re.search(r'href="(/static/form\.css\?v=([0-9a-f]{12}))"', page.text)
    assert css, "the stylesheet's URL names its content"
    cached = await client.get(css.group(1))
    assert cached.status_code == 200
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/form.css", "/static/form.css?v=000000000000"):
        answer = await client.get(stale)
        assert answer.headers["cache-control"] == "no-cache", stale  # revalidated, not kept


async def test_unknown_counter_page_is_vietnamese(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    for answer in (
        await client.get("/s/KHONG-CO", headers=HTML),
        await client.post("/s/KHONG-CO", data={"sid": "x"}),
    ):
        assert answer.status_code == 404
        assert "Không tìm thấy điểm khảo sát có mã này" in answer.text
        assert "Ông/Bà" in answer.text
        text = re.sub(r"<[^>]+>", " ", answer.text)
        assert not re.search(r"\b(unknown|unit|not found|error)\b", text, re.IGNORECASE), text


async def test_unit_codes_in_public_urls_ignore_letter_case(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    for typed, canonical in (
        ("/s/c11", "/s/C11"),
        ("/s/c11?kiosk=1", "/s/C11?kiosk=1"),
        ("/s/c11/thanks", "/s/C11/thanks"),
        ("/s/c11/qr.svg", "/s/C11/qr.svg"),
    ):
        moved = await client.get(typed, headers=HTML)
        assert moved.status_code == 301, typed
        assert moved.headers["location"] == canonical
        assert (await client.get(canonical, headers=HTML)).status_code == 200
    followed = await client.get("/s/c11", headers=HTML, follow_redirects=True)
    assert followed.status_code == 200 and 'name="sid"' in followed.text


async def test_error_summary_names_each_unanswered_question(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    answered = {"sid": token, "field": "land", "ACC1": "5", "ACC2": "7"}  # 7: off the scale
    page = await client.post("/s/C11", data=answered)
    assert page.status_code == 422
    summary = re.search(r'<div class="alert" role="alert" id="errors".*?</div>', page.text, re.S)
    assert summary
    links = re.findall(r'<li><a href="#q-([^"]+)">([^<]+)</a>([^<]*)</li>', summary.group(0))
    codes = [code for code, _, _ in links]
    assert set(codes) == set(CRITERIA) - {"ACC1"}  # one link per question in error
    texts = [text for _, text, _ in links]
    assert len(set(texts)) == len(texts), "every link names its own question"
    assert MSG_REQUIRED not in summary.group(0)
    reasons = {code: reason for code, _, reason in links}
    assert reasons["ACC2"].startswith(": ")  # an invalid answer says why
    assert all(reasons[c] == "" for c in codes if c != "ACC2")
