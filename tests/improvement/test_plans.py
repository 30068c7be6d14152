"""Improvement plans through the API: a manager plans only within their scope, the province
reviews and sees all; evidence files are type- and size-checked and served only as
downloads; progress by period; follow-up into the next round; the owners' inbox."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from app.improvement.evidence import EVIDENCE_MAX_BYTES
from tests.factories import make_province, province_today
from tests.improvement.helpers import two_rounds
from tests.reporting.helpers import audit_actions, staff_client

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _action(unit: str, due: date, title: str = "Bổ sung ghế chờ", round_: str = "R2026") -> dict:
    return {
        "unit": unit,
        "round": round_,
        "title": title,
        "criteria": ["ACC1", "access"],
        "responsible_unit": unit,
        "responsible_person": "Trưởng bộ phận một cửa",
        "due_on": due.isoformat(),
    }


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="https://testserver")


async def test_managers_plan_within_scope_and_the_province_reviews(app: FastAPI):
    await make_province(app)
    today = app.state.settings.today()  # the province's day (UTC+7), as the service stamps it
    async with _client(app) as manager, _client(app) as province, _client(app) as other:
        await staff_client(app, manager, "c11@x.vn", [("manager", "C11")])
        await staff_client(app, province, "so@x.vn", [("manager", "P")])
        await staff_client(app, other, "d2@x.vn", [("manager", "D2")])
        created = await manager.post("/api/v1/improvement/actions", json=_action("C11", today))
        assert created.status_code == 201, created.text
        action = created.json()
        assert action["status"] == "planned" and action["criteria"] == ["ACC1", "access"]
        refused = await manager.post("/api/v1/improvement/actions", json=_action("C21", today))
        assert refused.status_code == 403
        bad = await manager.post(
            "/api/v1/improvement/actions", json={**_action("C11", today), "criteria": ["NOPE"]}
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "unprocessable"
        no_csrf = await manager.post(
            "/api/v1/improvement/actions",
            json=_action("C11", today),
            headers={"X-CSRF-Token": "wrong"},
        )
        assert no_csrf.status_code == 403
        url = f"/api/v1/improvement/actions/{action['id']}"
        assert (await other.get(url)).status_code == 403
        assert (await other.patch(url, json={"status": "done"})).status_code == 403
        # The unit's manager may not review its own plan; the province may.
        assert (await manager.patch(url, json={"review": "approved"})).status_code == 403
        reviewed = await province.patch(url, json={"review": "approved", "review_note": "OK"})
        assert reviewed.status_code == 200 and reviewed.json()["review"] == "approved"
        done = await manager.patch(url, json={"status": "done", "note": "Đã lắp 20 ghế"})
        assert done.json()["status"] == "done" and done.json()["done_on"] == today.isoformat()
        assert done.json()["notes"][0]["text"] == "Đã lắp 20 ghế"
        listed = (await province.get("/api/v1/improvement/actions")).json()
        assert [a["id"] for a in listed] == [action["id"]]
        assert (await other.get("/api/v1/improvement/actions")).json() == []
    assert await audit_actions(app, "improvement.action") == 1
    assert await audit_actions(app, "improvement.update") == 2


async def test_evidence_is_checked_and_served_as_a_download(app: FastAPI):
    await make_province(app)
    async with _client(app) as manager, _client(app) as other:
        await staff_client(app, manager, "c11@x.vn", [("manager", "C11")])
        await staff_client(app, other, "d2@x.vn", [("manager", "D2")])
        action = (
            await manager.post("/api/v1/improvement/actions", json=_action("C11", province_today()))
        ).json()
        url = f"/api/v1/improvement/actions/{action['id']}/evidence"
        html = b"<html><script>alert(1)</script></html>"
        for name, data in [
            ("x.pdf", html),
            ("x.png", b""),
            ("big.pdf", PDF + b"0" * EVIDENCE_MAX_BYTES),
        ]:
            refused = await manager.post(url, files={"file": (name, data, "application/pdf")})
            assert refused.status_code in (413, 422), (name, refused.status_code)
        assert (
            await other.post(url, files={"file": ("a.pdf", PDF, "application/pdf")})
        ).status_code == 403
        stored = await manager.post(
            url, files={"file": ("../Biên bản <kiểm tra>.html", PDF, "text/html")}
        )
        assert stored.status_code == 201, stored.text
        evidence = stored.json()
        assert evidence["content_type"] == "application/pdf"
        assert evidence["filename"].endswith(".pdf") and "/" not in evidence["filename"]
        image = await manager.post(url, files={"file": ("a.png", PNG, "image/png")})
        assert image.json()["content_type"] == "image/png"
        download = await manager.get(f"/api/v1/improvement/evidence/{evidence['id']}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"  # the app-wide header
        assert (
            await other.get(f"/api/v1/improvement/evidence/{evidence['id']}")
        ).status_code == 403


async def test_progress_follow_up_and_inbox(app: FastAPI):
    await two_rounds(app)  # R2025 then R2026
    today = app.state.settings.today()
    async with _client(app) as manager, _client(app) as province:
        await staff_client(app, manager, "c11@x.vn", [("manager", "C11")])
        await staff_client(app, province, "so@x.vn", [("viewer", "P")])
        late = _action("C11", today - timedelta(days=3), "Niêm yết thủ tục", "R2025")
        late["criteria"] = ["PRO1"]
        first = (await manager.post("/api/v1/improvement/actions", json=late)).json()
        soon = _action("C11", today + timedelta(days=2), "Bổ sung ghế chờ", "R2025")
        second = (await manager.post("/api/v1/improvement/actions", json=soon)).json()
        await manager.patch(f"/api/v1/improvement/actions/{second['id']}", json={"status": "done"})
        quarter = (today.month - 1) // 3 + 1
        report = await province.get(
            "/api/v1/improvement/progress",
            params={"year": today.year, "quarter": quarter, "unit": "P"},
        )
    assert report.status_code == 200, report.text
    body = report.json()
    due_in = [d for d in (first["due_on"], second["due_on"]) if body["since"] <= d <= body["until"]]
    assert body["total"]["due"] == len(due_in)
    c11 = {u["unit"]: u for u in body["units"]}.get("C11")
    if first["due_on"] >= body["since"]:
        assert c11 is not None and c11["late"] == 1
    figures = {(f["unit"], f["code"]): f for f in body["targeted"]}
    if first["due_on"] >= body["since"]:
        assert figures[("C11", "PRO1")]["round"] == "R2026"
        assert figures[("C11", "PRO1")]["index"] == 20.0
    async with _client(app) as manager:
        await staff_client(app, manager, "c11b@x.vn", [("manager", "C11")])
        follow = (await manager.get(f"/api/v1/improvement/actions/{first['id']}/follow-up")).json()
    assert follow["next_round"] == "R2026"
    (pro1,) = follow["criteria"]
    assert pro1["before"] == 100.0 and pro1["after"] == 20.0 and pro1["significant"] is True
