"""Webhooks and alert settings in a real Chromium, in Vietnamese: an admin subscribes an
endpoint from the navigation (ticking events), sees the secret once, opens the delivery log,
disables and enables the subscription, and turns the weekly digest off; no serious or
critical accessibility problem (axe-core) on the pages, nothing refused by the CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AlertKindOff, WebhookSubscription
from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import NAV, open_page, sign_in
from tests.conftest import LiveServer
from tests.factories import make_province, make_user

pytestmark = pytest.mark.browser


def flow(browser: Any, base: str, axe: str, artifacts: Path) -> dict[str, Any]:
    context, page = open_page(browser, (1280, 800), axe)
    seen: dict[str, Any] = {"axe": []}
    sign_in(page, base, "admin@x.vn")
    page.locator(NAV).get_by_role("link", name="Webhook").click()
    page.get_by_label("Địa chỉ nhận").fill("https://dieuhanh.example.vn/hook")
    page.get_by_label("Đơn vị", exact=True).select_option("D1")
    page.get_by_label("Đơn vị dưới chỉ tiêu").check()
    page.get_by_label("Góp ý quá hạn xử lý").check()
    page.get_by_role("button", name="Tạo đăng ký").click()
    seen["secret"] = page.locator("#new-secret").inner_text()
    seen["axe"] += axe_violations(page)
    page.screenshot(path=str(artifacts / "console-webhooks.png"), full_page=True)
    page.goto(f"{base}/console/webhooks")
    seen["secret_again"] = seen["secret"] in page.content()
    page.get_by_role("link", name="Nhật ký gửi").click()
    seen["log"] = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Tắt đăng ký").click()
    seen["disabled_notice"] = page.get_by_role("status").first.inner_text()
    seen["axe"] += axe_violations(page)
    page.get_by_role("button", name="Bật lại đăng ký").click()
    seen["enabled"] = page.locator(".badge").first.inner_text()
    page.locator(NAV).get_by_role("link", name="Thông báo").click()
    page.get_by_label("Thư tóm tắt hằng tuần").uncheck()
    page.get_by_role("button", name="Lưu").click()
    seen["saved"] = page.get_by_role("status").first.inner_text()
    seen["digest_checked"] = page.get_by_label("Thư tóm tắt hằng tuần").is_checked()
    seen["axe"] += axe_violations(page)
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_an_admin_manages_a_webhook_and_alerts_in_the_browser(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: flow(b, live_server.url, axe_source, artifacts)
    )
    assert seen["secret"].startswith("whsec_") and not seen["secret_again"]
    assert seen["log"] == "Nhật ký gửi webhook"
    assert "Đã tắt đăng ký webhook" in seen["disabled_notice"]
    assert seen["enabled"] == "Đang gửi"
    assert seen["saved"] == "Đã lưu cài đặt thông báo." and seen["digest_checked"] is False
    assert seen["axe"] == [] and seen["problems"] == []
    async with app.state.db.sessions() as session:
        sub = (await session.scalars(select(WebhookSubscription))).one()
        off = (await session.scalars(select(AlertKindOff.kind))).all()
    assert sub.url == "https://dieuhanh.example.vn/hook" and sub.active
    assert sub.events == ["comment.overdue", "unit.below_target"] and off == ["digest"]
