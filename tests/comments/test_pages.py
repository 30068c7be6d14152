"""Console pages for comments, through real HTTP: forms, redirects, masking, reveal."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.auth_helpers import hidden, sign_in
from tests.comment_factories import comment_of, days_ago, respond
from tests.factories import make_province, make_user

SECRET = "Số tôi 0912345678"


async def page(client: httpx.AsyncClient, url: str) -> str:
    answer = await client.get(url)
    assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
    assert "<script" not in answer.text  # the CSP forbids inline scripts; pages need none
    return answer.text


async def submit(
    client: httpx.AsyncClient, url: str, form_page: str, **fields: str
) -> httpx.Response:
    data = {"csrf_token": hidden(form_page, "csrf_token"), **fields}
    return await client.post(url, data=data)


async def test_comment_pages_handle_a_comment_from_list_to_close(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    rid = await respond(app, province, "C11", SECRET, submitted_at=days_ago(40))
    cid = await comment_of(app, rid)
    me = await make_user(app, "a@x.vn", [("admin", "D1")])
    await sign_in(client, "a@x.vn")

    listing = await page(client, "/console/comments")
    assert f'href="/console/comments/{cid}"' in listing and "09******78" in listing
    assert "0912345678" not in listing and "Quá hạn" in listing
    assert f"/console/comments/{cid}" in await page(client, "/console/comments?overdue=yes&unit=")
    assert f"/console/comments/{cid}" not in await page(client, "/console/comments?status=closed")

    detail = await page(client, f"/console/comments/{cid}")
    assert "0912345678" not in detail and 'name="assignee_id"' in detail
    assert f'<option value="{me}">' in detail
    base = f"/console/comments/{cid}"
    moved = await submit(client, f"{base}/assign", detail, assignee_id=str(me))
    assert moved.status_code == 303 and moved.headers["location"] == f"{base}?done=assigned"
    await submit(client, f"{base}/reply", detail, reply="Đã chuyển bộ phận xử lý")
    await submit(client, f"{base}/close", detail, note="")
    closed = await page(client, base)
    assert "Đã đóng" in closed and "Đã chuyển bộ phận xử lý" in closed
    assert f'action="{base}/reopen"' in closed
    assert re.search(r"Lịch sử.*Giao xử lý.*Trả lời.*Đóng", closed, re.S)

    revealed = await submit(client, f"{base}/reveal", closed)
    assert revealed.status_code == 200 and SECRET in revealed.text
    assert revealed.headers["cache-control"] == "no-store"
    assert "0912345678" not in await page(client, base)  # the reveal is for that one view

    on_time = await page(client, "/console/comments/on-time?round=R2026&unit=&since=&until=")
    assert "C11" in on_time and "0,0 %" in on_time  # handled today, due weeks ago: late
    client.cookies.set("sipas_lang", "en")
    assert "0.0%" in await page(client, "/console/comments/on-time?round=R2026")


async def test_comment_list_speaks_english_throughout(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await comment_of(app, await respond(app, province, "C11", SECRET))
    await make_user(app, "m@x.vn", [("manager", "D1")])
    await sign_in(client, "m@x.vn")
    client.cookies.set("sipas_lang", "en")
    listing = await page(client, "/console/comments")
    for english in ("Unit (and the units under it)", ">New</span>", ">Closed</span>", ">All<"):
        assert english in listing, english
    for vietnamese in ("Đơn vị (gồm", ">Mới</span>", ">Đã đóng</span>", "Tất cả"):
        assert vietnamese not in listing, vietnamese


async def test_console_writes_refuse_a_missing_or_forged_csrf_token(
    app: FastAPI, client: httpx.AsyncClient
):
    from sqlalchemy import select

    from app.models import AuditEvent, Comment, Response

    province = await make_province(app)
    rid = await respond(app, province, "C11", SECRET)
    cid = await comment_of(app, rid)
    me = await make_user(app, "a@x.vn", [("admin", "P")])
    await sign_in(client, "a@x.vn")
    urls = [f"/console/responses/{rid}/{a}" for a in ("exclude", "restore")]
    urls += [f"/console/comments/{cid}/{a}" for a in ("assign", "reply", "close", "reopen")]
    urls.append(f"/console/comments/{cid}/reveal")
    fields = {"reason": "x", "reply": "x", "note": "x", "assignee_id": str(me)}
    for url in urls:
        for token in ({}, {"csrf_token": "forged"}):
            answer = await client.post(url, data={**fields, **token})
            assert answer.status_code == 403, (url, token)
            assert SECRET not in answer.text
    async with app.state.db.sessions() as session:
        assert (await session.get(Response, rid)).status == "valid"  # type: ignore[union-attr]
        assert (await session.get(Comment, cid)).status == "new"  # type: ignore[union-attr]
        kinds = (await session.scalars(select(AuditEvent.object_type))).all()
    assert not {"response", "comment"} & set(kinds)
