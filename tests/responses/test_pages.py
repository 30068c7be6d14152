"""Console pages for responses, through real HTTP: list, detail, exclude and restore forms."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth_helpers import sign_in
from tests.comment_factories import respond
from tests.comments.test_pages import SECRET, page, submit
from tests.factories import make_province, make_user


async def test_response_pages_exclude_and_restore(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    rid = await respond(app, province, "C11", SECRET)
    await respond(app, province, "C21", "D2")
    await make_user(app, "m@x.vn", [("manager", "D1")])
    await make_user(app, "v@x.vn", [("viewer", "D1")])
    await sign_in(client, "m@x.vn")

    listing = await page(client, "/console/responses?round=R2026&unit=&since=&until=&status=")
    assert f'href="/console/responses/{rid}"' in listing
    assert listing.count('href="/console/responses/') == 1  # D2's response is out of scope
    assert "/api/v1/responses.csv?round=R2026" in listing
    detail = await page(client, f"/console/responses/{rid}")
    assert "09******78" in detail and "0912345678" not in detail
    done = await submit(client, f"/console/responses/{rid}/exclude", detail, reason="Trùng lặp")
    assert done.status_code == 303
    excluded = await page(client, done.headers["location"])
    assert "Bị loại" in excluded and "Trùng lặp" in excluded and "Khôi phục phiếu" in excluded
    assert "Bị loại" in await page(client, "/console/responses?status=excluded")
    await submit(client, f"/console/responses/{rid}/restore", excluded, reason="")
    assert "Loại phiếu" in await page(client, f"/console/responses/{rid}")

    client.cookies.clear()
    await sign_in(client, "v@x.vn")
    read_only = await page(client, f"/console/responses/{rid}")
    assert "/exclude" not in read_only  # viewers see no form
    refused = await submit(client, f"/console/responses/{rid}/exclude", read_only, reason="x")
    assert refused.status_code == 403


async def test_response_pages_speak_english_throughout(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch
):
    from app.responses import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 1)  # two responses: a second page
    province = await make_province(app)
    rid = await respond(app, province, "C11", SECRET)
    await respond(app, province, "C12", "Một góp ý khác")
    await make_user(app, "v@x.vn", [("viewer", "D1")])
    await sign_in(client, "v@x.vn")
    client.cookies.set("sipas_lang", "en")
    listing = await page(client, "/console/responses")
    for english in ("Unit (and the units under it)", ">Valid</span>", "Older »", ">All<"):
        assert english in listing, english
    for vietnamese in ("Đơn vị (gồm", "Hợp lệ", "Cũ hơn", "Tất cả"):
        assert vietnamese not in listing, vietnamese
    detail = await page(client, f"/console/responses/{rid}")
    assert ">Valid</span>" in detail and "Hợp lệ" not in detail
