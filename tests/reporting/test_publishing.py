"""Freezing a round's figures into revisions; ETag, Last-Modified and 304 on reports."""

from __future__ import annotations

import hashlib
import json
from email.utils import parsedate_to_datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import ReportSnapshot, ReportSnapshotItem, Round, Unit
from tests.factories import add_response, bearer, make_key, make_province, ratings
from tests.reporting.helpers import audit_actions, staff_client


async def stored_hash(app: FastAPI, revision: int) -> tuple[str, str]:
    """(stored hash, SHA-256 of the canonical JSON of the stored reports) of a revision."""
    async with app.state.db.sessions() as session:
        snapshot = await session.scalar(
            select(ReportSnapshot).where(ReportSnapshot.revision == revision)
        )
        assert snapshot is not None
        rows = await session.execute(
            select(ReportSnapshotItem.lang, Unit.code, ReportSnapshotItem.body)
            .join(Unit, Unit.id == ReportSnapshotItem.unit_id)
            .where(ReportSnapshotItem.snapshot_id == snapshot.id)
        )
        body: dict[str, dict] = {}
        for lang, code, report in rows:
            body.setdefault(lang, {})[code] = report
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return snapshot.content_hash, hashlib.sha256(canonical.encode()).hexdigest()


async def test_frozen_round_serves_its_revision_until_the_next_one(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, status="closed")
    await add_response(app, province, "C11", ratings({}, default=5))
    await add_response(app, province, "C21", ratings({}, default=1))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])

    before = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert before["snapshot"] is None
    frozen = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
    assert frozen.status_code == 200, frozen.text
    first = frozen.json()["result"]
    assert first["revision"] == 1 and first["created"] and first["note"] == "công bố"
    assert first["units"] == 6  # P, D1, D2, C11, C12, C21
    assert await stored_hash(app, 1) == (first["content_hash"], first["content_hash"])
    async with app.state.db.sessions() as session:
        assert (await session.scalar(select(Round.status))) == "published"
    assert await audit_actions(app, "round.freeze") == 1

    # A correction arrives: the published figures do not move ...
    await add_response(app, province, "C21", ratings({}, default=5))
    served = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert served["snapshot"]["revision"] == 1
    assert served["snapshot"]["content_hash"] == first["content_hash"]
    assert served["index"] == pytest.approx(before["index"])
    assert served["respondents"] == 2
    live = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P&live=true")).json()
    assert live["snapshot"] is None and live["respondents"] == 3

    # ... until an admin freezes again: a new revision, the old one still readable.
    second = (await client.post("/api/v1/rounds/R2026/freeze")).json()["result"]
    assert second["revision"] == 2 and second["content_hash"] != first["content_hash"]
    now = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert now["snapshot"]["revision"] == 2 and now["respondents"] == 3
    old = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P&revision=1")).json()
    assert old["respondents"] == 2 and old["snapshot"]["revision"] == 1
    missing = await client.get("/api/v1/rounds/R2026/satisfaction?unit=P&revision=7")
    assert missing.status_code == 404

    unchanged = (await client.post("/api/v1/rounds/R2026/freeze")).json()["result"]
    assert unchanged["revision"] == 2 and unchanged["created"] is False
    assert await audit_actions(app, "round.freeze") == 2

    revisions = (await client.get("/api/v1/rounds/R2026/revisions")).json()
    assert [(r["revision"], r["units"]) for r in revisions] == [(2, 6), (1, 6)]
    assert revisions[1]["content_hash"] == first["content_hash"]
    assert revisions[0]["created_by"].startswith("user:")


async def test_frozen_rankings_and_exports_come_from_the_revision(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, status="closed")
    await add_response(app, province, "C11", ratings({}, default=5))
    await add_response(app, province, "C12", ratings({}, default=2))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    assert (await client.post("/api/v1/rounds/R2026/freeze")).status_code == 200
    await add_response(app, province, "C12", ratings({}, default=5))
    await add_response(app, province, "C12", ratings({}, default=5))

    ranking = (await client.get("/api/v1/rounds/R2026/ranking?level=counter")).json()
    assert ranking["snapshot"]["revision"] == 1
    ranked = [(r["code"], r["rank"], r["respondents"]) for r in ranking["rows"]]
    assert ranked == [("C11", 1, 1), ("C12", 2, 1), ("C21", None, 0)]
    live = (await client.get("/api/v1/rounds/R2026/ranking?level=counter&live=true")).json()
    assert live["snapshot"] is None
    assert [(r["code"], r["respondents"]) for r in live["rows"]][:2] == [("C11", 1), ("C12", 3)]

    exported = await client.get("/api/v1/rounds/R2026/satisfaction/export?unit=P")
    text = exported.content.decode("utf-8-sig")
    assert "# Số liệu / Figures: published revision 1 (sha256 " in text


@pytest.mark.parametrize("status", ["draft", "open"])
async def test_a_round_not_closed_is_not_frozen(
    app: FastAPI, client: httpx.AsyncClient, status: str
):
    province = await make_province(app, status=status)
    await add_response(app, province, "C11", ratings({}, default=5))
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    refused = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "sớm"})
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "conflict",
        "message": f"round R2026 is {status}: close it before freezing its figures",
    }
    async with app.state.db.sessions() as session:
        assert (await session.scalar(select(Round.status))) == status
    assert (await client.get("/api/v1/rounds/R2026/revisions")).json() == []
    assert await audit_actions(app, "round.freeze") == 0


async def test_freezing_needs_an_admin_of_the_round(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await staff_client(app, client, "manager@x.vn", [("manager", "P")])
    assert (await client.post("/api/v1/rounds/R2026/freeze")).status_code == 403
    assert await audit_actions(app, "round.freeze") == 0


async def test_etag_and_last_modified(app: FastAPI, client: httpx.AsyncClient):
    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}, default=5))
    client.headers.update(bearer(await make_key(app, "P")))
    url = "/api/v1/rounds/R2026/satisfaction?unit=P"
    first = await client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and parsedate_to_datetime(modified).tzinfo is not None

    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await client.get(url, headers={"If-None-Match": '"other", ' + etag})).status_code == 304
    assert (await client.get(url, headers={"If-Modified-Since": modified})).status_code == 304
    other_lang = await client.get(url + "&lang=en", headers={"If-None-Match": etag})
    assert other_lang.status_code == 200 and other_lang.headers["etag"] != etag

    await add_response(app, province, "C12", ratings({}, default=1))
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

    ranking = await client.get("/api/v1/rounds/R2026/ranking?level=counter")
    same = await client.get(
        "/api/v1/rounds/R2026/ranking?level=counter",
        headers={"If-None-Match": ranking.headers["etag"]},
    )
    assert same.status_code == 304
    export = "/api/v1/rounds/R2026/satisfaction/export?unit=P&format=xlsx"
    xlsx = await client.get(export)
    assert (
        await client.get(export, headers={"If-None-Match": xlsx.headers["etag"]})
    ).status_code == 304
