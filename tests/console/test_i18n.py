"""Translations: every marked message has an English translation; the language switch."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.i18n.catalogue import extract, problems
from tests.auth_helpers import hidden
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province


def test_every_message_in_templates_and_code_has_an_english_translation():
    messages = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    # The extractor sees templates (_(), trans) and Python (N_, Message): spot-check both.
    assert {"Gửi đánh giá", "Đăng nhập", "Tổng quan", "Xin Ông/Bà trả lời câu này."} <= messages
    assert "Xin Ông/Bà ghi một số từ %(start)s đến %(end)s." in messages
    found = problems("en")
    assert not found, "translate these in app/locale/en/LC_MESSAGES/messages.po:\n" + "\n".join(
        map(str, found)
    )


async def test_language_switch_sets_a_cookie_and_returns(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "an@x.vn", [("admin", "P")]) as (client, _):
        page = await client.get("/console/units", headers=HTML)
        assert '<html lang="vi">' in page.text and ">Đơn vị</a>" in page.text
        assert 'href="/lang/en?next=%2Fconsole%2Funits"' in page.text
        switched = await client.get("/lang/en?next=/console/units")
        assert switched.status_code == 303 and switched.headers["location"] == "/console/units"
        assert "sipas_lang=en" in switched.headers["set-cookie"]
        english = await client.get("/console/units", headers=HTML)
        assert '<html lang="en">' in english.text and ">Units</a>" in english.text
        assert ">Đơn vị</a>" not in english.text
        # ?lang= wins for one page; the switch link drops it from where it returns to.
        once = await client.get("/console/units?lang=vi&q=C1", headers=HTML)
        assert '<html lang="vi">' in once.text
        assert 'href="/lang/en?next=%2Fconsole%2Funits%3Fq%3DC1"' in once.text
        back = await client.get("/lang/vi?next=/console/units")
        assert "sipas_lang=vi" in back.headers["set-cookie"]
        assert '<html lang="vi">' in (await client.get("/console/units", headers=HTML)).text


async def test_citizen_pages_ignore_the_staff_language_cookie(app: FastAPI, client):
    await make_province(app)
    client.cookies.set("sipas_lang", "en")
    form = await client.get("/s/C11", headers=HTML)
    assert '<html lang="vi">' in form.text and "Gửi đánh giá" in form.text
    english = await client.get("/s/C11?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text and ">Submit</button>" in english.text
    assert 'href="/s/C11?lang=vi"' in english.text


async def test_switch_refuses_unknown_languages_and_foreign_targets(
    app: FastAPI, client: httpx.AsyncClient
):
    assert (await client.get("/lang/fr", headers=HTML)).status_code == 404
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = await client.get("/lang/en", params={"next": target})
        assert answer.status_code == 303 and answer.headers["location"] == "/", target


async def test_messages_from_code_are_translated_with_their_parameters(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "an@x.vn", [("viewer", "P")]) as (client, csrf):
        client.cookies.set("sipas_lang", "en")
        body = {"csrf_token": csrf, "current": "correct horse battery", "new": "short"}
        answer = await client.post("/account/password", data=body)
        assert answer.status_code == 400
        assert "A password needs at least 10 characters." in answer.text
        refused = await client.get("/console/keys", headers=HTML)  # viewer: not an admin
        assert refused.status_code == 403 and "Access denied" in refused.text


async def test_citizen_errors_follow_the_form_language(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    page = await client.get("/s/C11?lang=en")
    assert 'action="/s/C11?lang=en"' in page.text
    token = hidden(page.text, "sid")
    answer = await client.post("/s/C11?lang=en", data={"sid": token})
    assert answer.status_code == 422 and '<html lang="en">' in answer.text
    assert "Please answer this question." in answer.text
    assert "Xin Ông/Bà trả lời câu này." not in answer.text
