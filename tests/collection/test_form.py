"""The public form: render, submit once, errors re-render, never a 500."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Answer, Response
from tests.factories import CRITERIA, form_body, make_province

HTML = {"accept": "text/html"}


def token_of(page: str) -> str:
    match = re.search(r'name="sid" value="([^"]+)"', page)
    assert match, "form carries no submission id"
    return match.group(1)


async def count(app: FastAPI, model: type) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_form_renders_every_question_in_vietnamese(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    page = await client.get("/s/C11", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="vi">' in html
    assert "Gửi đánh giá" in html
    for code in CRITERIA:
        assert f'name="{code}" value="5"' in html
        assert f'name="{code}" value="na"' in html
    assert 'name="field" value="land"' in html
    # Usable without JavaScript: one small external script (the CSP forbids inline ones).
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 1
    assert re.fullmatch(r'<script src="/static/form\.js\?v=[0-9a-f]{12}" defer>', scripts[0])
    english = await client.get("/s/C11?lang=en")
    assert '<html lang="en">' in english.text and "Submit" in english.text


async def test_submission_is_stored_and_redirects_to_thanks(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    body = form_body(token, {"ACC1": "2", "FBK1": "na", "gender": "female", "comment": " Tốt "})
    posted = await client.post("/s/C11", data=body)
    assert posted.status_code == 303
    assert posted.headers["location"] == "/s/C11/thanks"
    thanks = await client.get(posted.headers["location"])
    assert thanks.status_code == 200 and "Xin cảm ơn" in thanks.text

    async with app.state.db.sessions() as session:
        response = (await session.scalars(select(Response))).one()
        answers = {
            a.question: (a.value, a.text)
            for a in await session.scalars(select(Answer).where(Answer.response_id == response.id))
        }
    assert response.channel == "qr" and response.status == "valid"
    assert answers["ACC1"] == (2.0, None)
    assert answers["FBK1"] == (None, "na")
    assert answers["gender"] == (None, "female")
    assert answers["comment"] == (None, "Tốt")
    assert answers["field"] == (None, "land")
    assert "age_band" not in answers  # optional and unanswered: nothing stored
    assert len(answers) == len(CRITERIA) + 3


async def test_duplicate_post_is_stored_once(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    first = await client.post("/s/C11", data=form_body(token))
    again = await client.post("/s/C11", data=form_body(token, {"ACC1": "1"}))
    assert first.status_code == again.status_code == 303
    assert await count(app, Response) == 1
    assert await count(app, Answer) == len(CRITERIA) + 1


async def test_missing_answers_rerender_with_answers_kept(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    body = form_body(token, {"comment": "Giữ lại nội dung này"})
    del body["PRO2"], body["field"]
    body["ACC1"] = "3"
    page = await client.post("/s/C11", data=body)
    assert page.status_code == 422
    assert 'href="#q-PRO2"' in page.text and 'href="#q-field"' in page.text
    assert 'name="ACC1" value="3" checked' in page.text
    assert "Giữ lại nội dung này</textarea>" in page.text
    assert token_of(page.text) == token  # the same submission id: a later fix is stored once
    assert await count(app, Response) == 0

    body.update({"PRO2": "4", "field": "land"})
    assert (await client.post("/s/C11", data=body)).status_code == 303
    assert await count(app, Response) == 1


async def test_garbage_values_are_refused_per_field(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    body = form_body(
        token,
        {
            "ACC1": "7",
            "ACC2": "<script>",
            "field": "moon",
            "gender": "x",
            "comment": "<script>alert(1)</script>",
        },
    )
    page = await client.post("/s/C11", data=body)
    assert page.status_code == 422
    for code in ("ACC1", "ACC2", "field", "gender"):
        assert f'id="e-{code}"' in page.text
    # The comment is echoed back into the re-rendered form, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page.text
    assert "<script>alert" not in page.text
    assert await count(app, Response) == 0


async def test_two_values_for_one_rating_are_refused(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    body = [*form_body(token).items(), ("ACC1", "1")]
    page = await client.post(
        "/s/C11",
        content=httpx.QueryParams(body).__str__(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 422 and 'id="e-ACC1"' in page.text


async def test_forged_or_foreign_submission_id_is_refused(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    forged = await client.post("/s/C11", data=form_body("not-a-signed-id"), headers=HTML)
    assert forged.status_code == 400 and "quét lại mã QR" in forged.text
    other_counter = token_of((await client.get("/s/C12")).text)
    foreign = await client.post("/s/C11", data=form_body(other_counter))
    assert foreign.status_code == 400
    assert await count(app, Response) == 0


async def test_expired_form_is_shown_again_with_a_fresh_id(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    app.state.signer._max_age = -1  # every id is now too old
    page = await client.post("/s/C11", data=form_body(token, {"ACC1": "2"}))
    assert page.status_code == 422 and "gửi lại" in page.text
    assert 'name="ACC1" value="2" checked' in page.text
    assert token_of(page.text) != token
    assert await count(app, Response) == 0


async def test_unknown_counter_gets_a_friendly_404_page(client: httpx.AsyncClient):
    page = await client.get("/s/NOT-A-COUNTER", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text
    posted = await client.post("/s/NOT-A-COUNTER", data={"sid": "x"})
    assert posted.status_code == 404 and "Không tìm thấy" in posted.text


async def test_counter_without_open_round_says_so(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app, status="closed")
    page = await client.get("/s/C11", headers=HTML)
    assert page.status_code == 410
    assert "không có đợt khảo sát nào đang mở" in page.text


async def test_oversized_body_is_refused_with_413(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    huge = form_body(token, {"comment": "x" * 200_000})
    assert (await client.post("/s/C11", data=huge)).status_code == 413

    async def chunks():  # no Content-Length: counted while streaming
        for _ in range(100):
            yield b"a" * 10_000

    streamed = await client.post(
        "/s/C11", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert streamed.status_code == 413
    assert await count(app, Response) == 0


async def test_overlong_comment_is_a_field_error(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    page = await client.post("/s/C11", data=form_body(token, {"comment": "ý" * 2001}))
    assert page.status_code == 422 and 'id="e-comment"' in page.text


async def test_qr_codes_point_at_the_public_url(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    svg = await client.get("/s/C11/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<?xml") and "Đơn vị C11" in svg.text  # a standalone file
    png = await client.get("/s/C11/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert (await client.get("/s/NOPE/qr.svg")).status_code == 404

    import io

    import segno

    expected = io.BytesIO()
    segno.make("https://khaosat.example.vn/s/C11", error="m").save(
        expected, kind="svg", scale=8, title="Đơn vị C11", xmldecl=True, svgns=True
    )
    assert svg.content == expected.getvalue()


async def test_multipart_and_undecodable_bodies(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    token = token_of((await client.get("/s/C11")).text)
    multipart = await client.post("/s/C11", files={"x": ("", b"")}, data=form_body(token))
    assert multipart.status_code == 303
    garbage = await client.post(
        "/s/C11",
        content=b"sid=\xff\xfe&ACC1=%FF%FE",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert garbage.status_code in (400, 422)
    assert await count(app, Response) == 1
