"""Responses API: scope, filters, pages, detail, exclusion and restoration, CSV export."""

from __future__ import annotations

import csv
import io

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.models import Answer, AuditEvent, Response
from tests.auth_helpers import csrf_of, sign_in
from tests.comment_factories import days_ago, respond
from tests.factories import bearer, make_key, make_province, make_user

SATISFACTION = "/api/v1/rounds/R2026/satisfaction"


async def index_of(client: httpx.AsyncClient, unit: str) -> tuple[float, int]:
    report = (await client.get(SATISFACTION, params={"unit": unit})).json()
    return report["index"], report["respondents"]


async def test_excluding_changes_the_satisfaction_figure_and_restoring_brings_it_back(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    for _ in range(3):
        await respond(app, province, "C11", None)
    low = await respond(app, province, "C11", "Rất tệ")
    async with app.state.db.write_sessions.begin() as session:  # make the last one unhappy
        await session.execute(
            update(Answer)
            .where(Answer.response_id == low, Answer.value.is_not(None))
            .values(value=1)
        )
    await make_user(app, "m@x.vn", [("manager", "D1")])
    await sign_in(client, "m@x.vn")
    token = await csrf_of(client)
    before = await index_of(client, "C11")
    assert before == (75.0, 4)

    url = f"/api/v1/responses/{low}/exclude"
    excluded = await client.post(url, json={"reason": "Phiếu thử"}, headers={"X-CSRF-Token": token})
    assert excluded.status_code == 200, excluded.text
    body = excluded.json()
    assert body["status"] == "excluded" and body["status_reason"] == "Phiếu thử"
    assert body["status_changed_by"] == "m@x.vn"
    assert await index_of(client, "C11") == (100.0, 3)
    again = await client.post(url, json={"reason": "x"}, headers={"X-CSRF-Token": token})
    assert again.status_code == 409

    restored = await client.post(
        f"/api/v1/responses/{low}/restore", json={}, headers={"X-CSRF-Token": token}
    )
    assert restored.status_code == 200 and restored.json()["status"] == "valid"
    assert await index_of(client, "C11") == before

    async with app.state.db.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type == "response")
                .order_by(AuditEvent.id)
            )
        ).all()
        stored = await session.get(Response, low)
    assert [(e.action, e.object_id) for e in events] == [
        ("response.exclude", str(low)),
        ("response.restore", str(low)),
    ]
    assert all(e.actor.endswith(" m@x.vn") and e.user_id is not None for e in events)
    assert events[0].changes == {"from": "valid", "to": "excluded", "reason": "Phiếu thử"}
    assert events[0].unit_id == province.units["C11"].id
    assert stored is not None and stored.status == "valid"  # never deleted


async def test_exclusion_needs_a_reason_csrf_the_manager_role_and_scope(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    rid = await respond(app, province, "C11")
    await make_user(app, "viewer@x.vn", [("viewer", "P")])
    await make_user(app, "d2@x.vn", [("manager", "D2")])
    await make_user(app, "d1@x.vn", [("manager", "D1")])
    url = f"/api/v1/responses/{rid}/exclude"

    await sign_in(client, "viewer@x.vn")
    refused = await client.post(
        url, json={"reason": "x"}, headers={"X-CSRF-Token": await csrf_of(client)}
    )
    assert refused.status_code == 403  # viewers read only

    client.cookies.clear()
    await sign_in(client, "d2@x.vn")
    outside = await client.post(
        url, json={"reason": "x"}, headers={"X-CSRF-Token": await csrf_of(client)}
    )
    assert outside.status_code == 403  # another department's counter

    client.cookies.clear()
    await sign_in(client, "d1@x.vn")
    assert (await client.post(url, json={"reason": "x"})).status_code == 403  # no CSRF token
    wrong = await client.post(url, json={"reason": "x"}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    token = await csrf_of(client)
    blank = await client.post(url, json={"reason": "  "}, headers={"X-CSRF-Token": token})
    assert blank.status_code == 400
    assert (
        await client.post(
            "/api/v1/responses/99999/exclude", json={"reason": "x"}, headers={"X-CSRF-Token": token}
        )
    ).status_code == 404
    async with app.state.db.sessions() as session:
        assert (await session.get(Response, rid)).status == "valid"  # type: ignore[union-attr]


async def test_list_is_scoped_filtered_and_paged(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    old = await respond(app, province, "C11", None, submitted_at=days_ago(10))
    ids = [await respond(app, province, "C11", f"ý kiến {i}") for i in range(5)]
    other = await respond(app, province, "C21", "ở D2")
    key = await make_key(app, "D1")

    page = (await client.get("/api/v1/responses", params={"limit": 2}, headers=bearer(key))).json()
    assert [r["id"] for r in page["items"]] == [ids[4], ids[3]]
    seen = [r["id"] for r in page["items"]]
    while page["next_before"]:
        page = (
            await client.get(
                "/api/v1/responses",
                params={"limit": 2, "before": page["next_before"]},
                headers=bearer(key),
            )
        ).json()
        seen += [r["id"] for r in page["items"]]
    assert seen == [*reversed(ids), old]  # D2's response is not in D1's scope
    assert other not in seen

    async def ids_for(**params: str) -> list[int]:
        found = await client.get("/api/v1/responses", params=params, headers=bearer(key))
        assert found.status_code == 200, found.text
        return [r["id"] for r in found.json()["items"]]

    today = days_ago(0).date().isoformat()
    assert await ids_for(commented="no") == [old]
    assert await ids_for(commented="yes") == list(reversed(ids))
    assert await ids_for(until=days_ago(5).date().isoformat()) == [old]
    assert old not in await ids_for(since=today)
    assert await ids_for(unit="C12") == []
    assert await ids_for(channel="kiosk") == []
    assert await ids_for(status="excluded") == []
    assert len(await ids_for(round="R2026", status="valid")) == 6
    refused = await client.get("/api/v1/responses", params={"unit": "C21"}, headers=bearer(key))
    assert refused.status_code == 403
    bad = await client.get("/api/v1/responses", params={"since": "yesterday"}, headers=bearer(key))
    assert bad.status_code == 400
    backwards = {"since": today, "until": days_ago(5).date().isoformat()}
    for path in ("/api/v1/responses", "/api/v1/responses.csv", "/api/v1/comments/on-time"):
        reversed_period = await client.get(path, params=backwards, headers=bearer(key))
        assert reversed_period.status_code == 400, path
        assert "is after until" in reversed_period.json()["error"]["message"]


async def test_detail_labels_answers_masks_text_and_links_the_comment(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "Gọi tôi 0912345678", values={"ACC1": "na"})
    key = await make_key(app, "C11")
    detail = (await client.get(f"/api/v1/responses/{rid}", headers=bearer(key))).json()
    answers = {a["question"]: a for a in detail["answers"]}
    assert answers["ACC2"]["value"] == "5 — Rất hài lòng"
    assert answers["ACC1"]["value"] == "Không áp dụng / không có ý kiến"
    assert answers["field"]["value"] == "Đất đai"
    assert answers["comment"]["value"] == "Gọi tôi 09******78"
    assert answers["comment"]["comment_id"] == detail["comments"][0]["id"]
    assert detail["form"] == "one-stop-counter" and detail["unit"] == "C11"
    other = await make_key(app, "D2")
    assert (await client.get(f"/api/v1/responses/{rid}", headers=bearer(other))).status_code == 403
    assert (await client.get("/api/v1/responses/424242", headers=bearer(key))).status_code == 404


async def test_csv_has_a_column_per_question_and_masks_free_text(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "CCCD 001203012345, mail an@gmail.com")
    await respond(app, province, "C21", "ngoài phạm vi")
    key = await make_key(app, "D1")
    answer = await client.get("/api/v1/responses.csv", headers=bearer(key))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [int(r["response_id"]) for r in rows] == [rid]
    assert rows[0]["ACC1"] == "5" and rows[0]["field"] == "land"
    assert rows[0]["comment"] == "CCCD **********45, mail a***@***.com"
    assert "age_band" in rows[0] and rows[0]["age_band"] == ""
    refused = await client.post("/api/v1/responses.csv", headers=bearer(key))
    assert refused.status_code == 403  # API keys never get unmasked text


async def test_unmasked_csv_is_for_admins_of_the_unit_and_audited(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app)
    await respond(app, province, "C11", "SĐT 0912345678")
    await make_user(app, "m@x.vn", [("manager", "D1")])
    await make_user(app, "a@x.vn", [("admin", "D1")])
    await sign_in(client, "m@x.vn")
    url = "/api/v1/responses.csv"
    params = {"unit": "D1"}
    token = {"X-CSRF-Token": await csrf_of(client)}
    assert (await client.post(url, params=params, headers=token)).status_code == 403
    client.cookies.clear()
    await sign_in(client, "a@x.vn")
    token = {"X-CSRF-Token": await csrf_of(client)}
    assert (await client.post(url, headers=token)).status_code == 403  # no unit: all scope
    assert (await client.post(url, params=params)).status_code == 403  # no CSRF token
    # A GET (a link, an image) never exports unmasked text nor writes an audit row.
    linked = await client.get(url, params={**params, "unmasked": "true"})
    assert linked.status_code == 400 and "POST" in linked.text
    async with app.state.db.sessions() as session:
        assert not await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "response.export_unmasked")
        )
    answer = await client.post(url, params=params, headers=token)
    assert answer.status_code == 200 and "SĐT 0912345678" in answer.text
    async with app.state.db.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "response.export_unmasked")
        )
    assert event is not None and event.changes["unit"] == "D1" and event.changes["rows"] == 1
