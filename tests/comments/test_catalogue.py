"""Every string of the responses and comments pages is marked and has an English translation."""

from __future__ import annotations

from pathlib import Path

import httpx
from babel.messages.pofile import read_po
from fastapi import FastAPI
from jinja2.ext import babel_extract

from tests.auth_helpers import sign_in
from tests.comment_factories import comment_of, respond
from tests.factories import make_province, make_user

APP = Path(__file__).resolve().parents[2] / "app"
CATALOGUE = APP / "locale" / "en" / "LC_MESSAGES" / "messages.po"
TEMPLATES = [
    *sorted((APP / "templates" / "responses").glob("*.html")),
    *sorted((APP / "templates" / "comments").glob("*.html")),
    APP / "templates" / "_pakn.html",
]


def catalogue() -> dict[str, str]:
    """msgid -> msgstr of the English catalogue."""
    with CATALOGUE.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if isinstance(m.id, str) and m.id}


def msgids() -> set[str]:
    found = set()
    for path in TEMPLATES:
        with path.open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ["_"], [], {}):
                found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_string_has_an_english_translation():
    english = catalogue()
    assert msgids() - set(english) == set()
    assert all(english[m] for m in msgids())


async def test_pages_render_in_english_with_the_catalogue(app: FastAPI, client: httpx.AsyncClient):
    english = catalogue()
    env = app.state.templates.env
    env.install_gettext_callables(  # as the console's i18n will, with the merged catalogue
        gettext=lambda s: english.get(s, s),
        ngettext=lambda s, p, n: english.get(s if n == 1 else p, s if n == 1 else p),
        newstyle=True,
    )
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11", "Chờ lâu"))
    await make_user(app, "a@x.vn", [("admin", "P")])
    await sign_in(client, "a@x.vn")
    page = (await client.get(f"/console/comments/{cid}")).text
    assert f"Comment #{cid}" in page and "Record reply" in page and "Assign to" in page
    listing = (await client.get("/console/comments")).text
    assert "Comments, complaints and suggestions" in listing
    on_time = (await client.get("/console/comments/on-time")).text
    assert "As of " in on_time and "On-time share" in on_time
    responses = (await client.get("/console/responses")).text
    assert "Download CSV" in responses
