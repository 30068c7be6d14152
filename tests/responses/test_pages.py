"""Console pages for responses, through real HTTP: list, detail, exclude and restore forms."""

from __future__ import annotations

import html
import re

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.models import Response
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


async def test_list_filters_by_channel_and_quota_and_explains_a_reversed_period(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    qr = await respond(app, province, "C11")
    paper = await respond(app, province, "C12")
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(
            update(Response).where(Response.id == paper).values(channel="paper", over_quota=True)
        )
    await make_user(app, "v@x.vn", [("viewer", "P")])
    await sign_in(client, "v@x.vn")

    def listed(html: str) -> set[int]:
        return {int(i) for i in re.findall(r'<tr id="response-(\d+)">', html)}

    everything = await page(client, "/console/responses")
    assert listed(everything) == {qr, paper}
    assert '<select id="f-channel" name="channel">' in everything
    assert '<option value="qr">Mã QR tại quầy</option>' in everything
    on_paper = await page(client, "/console/responses?channel=paper")
    assert listed(on_paper) == {paper}
    assert '<option value="paper" selected>Phiếu giấy</option>' in on_paper
    assert listed(await page(client, "/console/responses?channel=QR")) == {qr}  # typed in a URL
    over = await page(client, "/console/responses?over_quota=yes")
    assert listed(over) == {paper} and '<span class="badge">vượt số phiếu cần thu</span>' in over
    assert listed(await page(client, "/console/responses?over_quota=no")) == {qr}
    api = (await client.get("/api/v1/responses?over_quota=yes")).json()["items"]
    assert [(r["id"], r["over_quota"]) for r in api] == [(paper, True)]

    fine = await page(client, "/console/responses?since=2026-01-01&until=2026-01-01")
    assert 'id="reversed-period"' not in fine and "Không có phiếu nào khớp bộ lọc." in fine
    backwards = await page(client, "/console/responses?since=2026-05-02&until=2026-05-01")
    assert 'id="reversed-period"' in backwards and "sau ngày kết thúc" in backwards
    assert "Không có phiếu nào khớp bộ lọc." not in backwards


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


async def test_admins_export_unmasked_text_through_a_posted_form(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    await respond(app, province, "C11", SECRET)
    await make_user(app, "a@x.vn", [("admin", "D1")])
    await sign_in(client, "a@x.vn")
    listing = await page(client, "/console/responses?round=R2026&unit=D1")
    action = re.search(r'<form method="post" action="([^"]+responses\.csv[^"]*)"', listing)
    assert action, "admins get the unmasked export as a form"
    target = html.unescape(action.group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing)
    assert token
    exported = await client.post(target, data={"csrf_token": token.group(1)})
    assert exported.status_code == 200 and "0912345678" in exported.text
