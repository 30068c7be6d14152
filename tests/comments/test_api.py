"""Comments API: list and counts, handling flow and its rules, reveal, hiding, on-time share."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import comment_of, days_ago, respond
from tests.factories import bearer, make_key, make_province, make_user

SECRET = "Gọi tôi 0912345678, CCCD 001203012345"


async def post(client: httpx.AsyncClient, url: str, **body: object) -> httpx.Response:
    return await client.post(url, json=body, headers={"X-CSRF-Token": await csrf_of(client)})


async def audit(app: FastAPI, comment_id: int) -> list[tuple[str, dict[str, object]]]:
    async with app.state.db.sessions() as session:
        events = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "comment", AuditEvent.object_id == str(comment_id))
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.changes) for e in events]


async def test_assign_reply_close_reopen_with_transitions_and_audit(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11", SECRET))
    clerk = await make_user(app, "clerk@x.vn", [("manager", "C11")])
    await make_user(app, "m@x.vn", [("manager", "D1")])
    await sign_in(client, "m@x.vn")
    url = f"/api/v1/comments/{cid}"

    detail = (await client.get(url)).json()
    assert detail["status"] == "new" and detail["text"] == "Gọi tôi 09******78, CCCD **********45"
    assert detail["actions"] == ["assign", "reply", "close"]  # a manager: no reveal
    assert (await post(client, f"{url}/reopen")).status_code == 409  # not closed
    assert (await post(client, f"{url}/delete")).status_code == 422  # no such action

    assigned = await post(client, f"{url}/assign", assignee_id=clerk)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned" and assigned.json()["assignee"] == "clerk@x.vn"
    replied = await post(client, f"{url}/reply", reply="Đã liên hệ 0987654321 để hướng dẫn")
    body = replied.json()
    today = app.state.settings.today().isoformat()  # the province's day, not UTC's
    assert body["status"] == "answered" and body["handled_on"] == today
    assert body["reply"] == "Đã liên hệ 09******21 để hướng dẫn"  # replies are masked too
    closed = await post(client, f"{url}/close", note="Xong")
    assert closed.json()["status"] == "closed" and closed.json()["actions"] == ["reopen"]
    assert (await post(client, f"{url}/reply", reply="muộn")).status_code == 409
    assert (await post(client, f"{url}/assign", assignee_id=clerk)).status_code == 409
    reopened = (await post(client, f"{url}/reopen", note="Chưa xong")).json()
    assert reopened["status"] == "assigned" and reopened["handled_on"] is None

    history = await audit(app, cid)
    assert [a for a, _ in history] == [
        "comment.assign",
        "comment.reply",
        "comment.close",
        "comment.reopen",
    ]
    assert history[0][1]["assignee"] == "clerk@x.vn"
    assert "0987654321" not in str(history[1][1])
    assert [h["action"] for h in reopened["history"]] == [a for a, _ in history]


async def test_assignee_must_manage_the_unit_and_replies_must_not_be_empty(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11"))
    viewer = await make_user(app, "v@x.vn", [("viewer", "C11")])
    neighbour = await make_user(app, "n@x.vn", [("manager", "D2")])
    above = await make_user(app, "p@x.vn", [("admin", "P")])
    await make_user(app, "m@x.vn", [("manager", "C11")])
    await sign_in(client, "m@x.vn")
    url = f"/api/v1/comments/{cid}"
    for user in (viewer, neighbour, 424242):
        assert (await post(client, f"{url}/assign", assignee_id=user)).status_code == 400
    assert (await post(client, f"{url}/assign", assignee_id=above)).status_code == 200
    assert (await post(client, f"{url}/reply", reply="   ")).status_code == 400


async def test_every_write_needs_csrf_the_manager_role_and_scope(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11"))
    me = await make_user(app, "m@x.vn", [("manager", "C11")])
    await make_user(app, "v@x.vn", [("viewer", "P")])
    await make_user(app, "d2@x.vn", [("admin", "D2")])
    writes = {
        "assign": {"assignee_id": me},
        "reply": {"reply": "ok"},
        "close": {},
        "reopen": {},
        "reveal": {},
    }
    for who in ("v@x.vn", "d2@x.vn"):
        client.cookies.clear()
        await sign_in(client, who)
        for action, body in writes.items():
            answer = await post(client, f"/api/v1/comments/{cid}/{action}", **body)
            assert answer.status_code == 403, (who, action, answer.status_code)
    client.cookies.clear()
    await sign_in(client, "m@x.vn")
    for action, body in writes.items():
        answer = await client.post(f"/api/v1/comments/{cid}/{action}", json=body)
        assert answer.status_code == 403, (action, "without CSRF")
    assert await audit(app, cid) == []


async def test_reveal_is_for_admins_of_the_unit_and_audited(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11", SECRET))
    await make_user(app, "a@x.vn", [("admin", "D1")])
    await make_user(app, "m@x.vn", [("manager", "P")])
    await sign_in(client, "m@x.vn")
    assert (await post(client, f"/api/v1/comments/{cid}/reveal")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "a@x.vn")
    listed = (await client.get("/api/v1/comments")).json()["items"]
    assert listed[0]["text"] == "Gọi tôi 09******78, CCCD **********45"
    assert "reveal" in (await client.get(f"/api/v1/comments/{cid}")).json()["actions"]
    revealed = (await post(client, f"/api/v1/comments/{cid}/reveal")).json()
    assert revealed["text"] == SECRET and revealed["revealed"] is True
    assert [a for a, _ in await audit(app, cid)] == ["comment.reveal"]
    again = (await client.get(f"/api/v1/comments/{cid}")).json()
    assert again["text"] != SECRET and again["revealed"] is False  # one reveal, one view


async def test_comments_of_excluded_responses_are_hidden_not_deleted(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "spam")
    keep = await comment_of(app, await respond(app, province, "C11", "thật"))
    cid = await comment_of(app, rid)
    await make_user(app, "m@x.vn", [("manager", "P")])
    await sign_in(client, "m@x.vn")
    assert (await post(client, f"/api/v1/comments/{cid}/reply", reply="ok")).status_code == 200
    excluded = await post(client, f"/api/v1/responses/{rid}/exclude", reason="Phiếu rác")
    assert excluded.status_code == 200
    page = (await client.get("/api/v1/comments")).json()
    assert [c["id"] for c in page["items"]] == [keep]
    assert page["counts"]["answered"] == 0 and page["counts"]["new"] == 1
    assert (await client.get(f"/api/v1/comments/{cid}")).status_code == 410
    assert (await post(client, f"/api/v1/comments/{cid}/close")).status_code == 410
    await post(client, f"/api/v1/responses/{rid}/restore")
    shown = (await client.get(f"/api/v1/comments/{cid}")).json()
    assert shown["status"] == "answered" and shown["reply"] == "ok"  # handling intact


async def test_list_filters_overdue_and_counts(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    late = await comment_of(
        app, await respond(app, province, "C11", "cũ", submitted_at=days_ago(40))
    )
    fresh = await comment_of(app, await respond(app, province, "C12", "mới"))
    other = await comment_of(app, await respond(app, province, "C21", "D2"))
    key = await make_key(app, "D1")

    async def ids(**params: str) -> list[int]:
        found = await client.get("/api/v1/comments", params=params, headers=bearer(key))
        assert found.status_code == 200, found.text
        return [c["id"] for c in found.json()["items"]]

    assert await ids() == [fresh, late]  # not D2's
    assert other not in await ids()
    assert await ids(overdue="yes") == [late]
    assert await ids(overdue="no") == [fresh]
    assert await ids(unit="C12") == [fresh]
    assert await ids(status="new", round="R2026") == [fresh, late]
    assert await ids(status="closed") == []
    page = (await client.get("/api/v1/comments", headers=bearer(key))).json()
    assert page["counts"] == {"new": 2, "assigned": 0, "answered": 0, "closed": 0, "overdue": 1}
    item = next(c for c in page["items"] if c["id"] == late)
    assert item["overdue"] is True and item["question_label"].startswith("Ông/Bà có góp ý")
    refused = await client.get("/api/v1/comments", params={"unit": "C21"}, headers=bearer(key))
    assert refused.status_code == 403
    assert (
        await client.get("/api/v1/comments", params={"status": "x"}, headers=bearer(key))
    ).status_code == 422


async def test_on_time_share_per_unit(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    # C11: one handled on time, one handled late, one open past due -> 1 / 3
    on_time = await comment_of(app, await respond(app, province, "C11", "a"))
    handled_late = await comment_of(
        app, await respond(app, province, "C11", "b", submitted_at=days_ago(40))
    )
    await comment_of(app, await respond(app, province, "C11", "c", submitted_at=days_ago(40)))
    # C12: one open, not yet due -> nothing due; C21 (D2): one closed on time
    await comment_of(app, await respond(app, province, "C12", "d"))
    d2 = await comment_of(app, await respond(app, province, "C21", "e"))
    excluded = await respond(app, province, "C11", "f", submitted_at=days_ago(40))
    await comment_of(app, excluded)
    await make_user(app, "m@x.vn", [("manager", "P")])
    await sign_in(client, "m@x.vn")
    await post(client, f"/api/v1/comments/{on_time}/reply", reply="ok")
    await post(client, f"/api/v1/comments/{handled_late}/close", note="muộn")
    await post(client, f"/api/v1/comments/{d2}/close")
    await post(client, f"/api/v1/responses/{excluded}/exclude", reason="trùng")

    report = (await client.get("/api/v1/comments/on-time", params={"round": "R2026"})).json()
    rows = {r["unit"]: r for r in report["units"]}
    c11 = rows["C11"]
    assert (c11["received"], c11["on_time"], c11["late"], c11["open_overdue"]) == (3, 1, 1, 1)
    assert c11["due"] == 3 and c11["share"] == 33.33
    assert rows["C12"]["pending"] == 1 and rows["C12"]["share"] is None
    assert rows["C21"]["share"] == 100.0
    assert report["total"]["due"] == 4 and report["total"]["share"] == 50.0

    d1 = (await client.get("/api/v1/comments/on-time", params={"unit": "D1"})).json()
    assert sorted(r["unit"] for r in d1["units"]) == ["C11", "C12"] and d1["total"]["due"] == 3
    recent = await client.get(
        "/api/v1/comments/on-time", params={"since": days_ago(5).date().isoformat()}
    )
    assert recent.json()["total"]["received"] == 3  # the backdated ones are left out
    key = await make_key(app, "D2")
    scoped = (await client.get("/api/v1/comments/on-time", headers=bearer(key))).json()
    assert [r["unit"] for r in scoped["units"]] == ["C21"]


async def test_listing_and_counting_materialise_new_comments(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    first = await respond(app, province, "C11", "Vừa gửi")  # no explicit sync anywhere
    key = await make_key(app, "P")
    page = (await client.get("/api/v1/comments", headers=bearer(key))).json()
    assert [c["response_id"] for c in page["items"]] == [first]
    assert page["counts"]["new"] == 1
    await respond(app, province, "C12", "Thêm một ý kiến")
    report = (await client.get("/api/v1/comments/on-time", headers=bearer(key))).json()
    assert report["total"]["received"] == 2 and report["total"]["pending"] == 2
