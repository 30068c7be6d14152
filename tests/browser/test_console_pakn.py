"""A manager on a phone handles a citizen's comment and excludes a response, in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, Comment, Response
from tests.browser.conftest import in_browser
from tests.comment_factories import comment_of, respond
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_province, make_user

pytestmark = pytest.mark.browser


def handle(browser: Any, base: str, comment: int, response: int, shots: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{base}/login?next=/console/comments")
    page.get_by_label("Email hoặc tên đăng nhập").fill("m@x.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/console/comments")
    seen: dict[str, Any] = {"list_width": page.evaluate("document.documentElement.scrollWidth")}
    seen["listed_text"] = page.locator(f"#comment-{comment}").inner_text()
    page.get_by_role("link", name=f"#{comment}").click()
    page.wait_for_url(f"**/console/comments/{comment}")
    page.get_by_label("Giao cho").select_option(label="m@x.vn (m@x.vn)")
    page.get_by_role("button", name="Giao xử lý").click()
    page.wait_for_url("**?done=assigned")
    page.get_by_label("Nội dung trả lời").fill("Cảm ơn Ông/Bà, đơn vị đã bố trí thêm ghế chờ.")
    page.get_by_role("button", name="Ghi nhận trả lời").click()
    page.wait_for_url("**?done=answered")
    page.get_by_role("button", name="Đóng góp ý").click()
    page.wait_for_url("**?done=closed")
    seen["heading"] = page.locator("h1").inner_text()
    seen["detail_width"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(shots / "console-comment-closed-360.png"), full_page=True)

    page.goto(f"{base}/console/responses/{response}")
    page.get_by_label("Lý do loại phiếu khỏi thống kê").fill("Phiếu do cán bộ tự điền thử")
    page.get_by_role("button", name="Loại phiếu").click()
    page.wait_for_url("**?done=excluded")
    seen["response_heading"] = page.locator("h1").inner_text()
    page.goto(f"{base}/console/responses")
    seen["row"] = page.locator(f"#response-{response}").inner_text()
    seen["responses_width"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(shots / "console-responses-360.png"), full_page=True)
    seen["errors"] = errors
    seen["failed"] = [url for url in failed if not url.endswith("/favicon.ico")]
    context.close()
    return seen


async def test_manager_handles_a_comment_and_excludes_a_response(
    app: FastAPI, live_server: LiveServer, browser: None, artifacts: Path
):
    province = await make_province(app)
    other = await respond(app, province, "C12", None)
    rid = await respond(app, province, "C11", "Không có ghế chờ, gọi 0912345678")
    cid = await comment_of(app, rid)
    await make_user(app, "m@x.vn", [("manager", "D1")])

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: handle(b, live_server.url, cid, other, artifacts)
    )
    assert "09******78" in seen["listed_text"] and "0912345678" not in seen["listed_text"]
    assert "Đã đóng" in seen["heading"]
    assert "Bị loại" in seen["response_heading"] and "Bị loại" in seen["row"]
    assert max(seen["list_width"], seen["detail_width"], seen["responses_width"]) <= 360
    assert seen["failed"] == []  # every page and asset loaded (the browser's favicon aside)
    assert [e for e in seen["errors"] if "404" not in e] == []  # no CSP violations

    async with app.state.db.sessions() as session:
        comment = await session.get(Comment, cid)
        response = await session.get(Response, other)
        actions = (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    assert comment is not None and comment.status == "closed" and comment.reply
    assert response is not None and response.status == "excluded"
    assert [a for a in actions if a.startswith(("comment.", "response."))] == [
        "comment.assign",
        "comment.reply",
        "comment.close",
        "response.exclude",
    ]
