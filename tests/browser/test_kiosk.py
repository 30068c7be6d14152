"""Kiosk mode on a desk tablet: the next citizen always starts from a fresh, empty form.

The browser's clock is driven by Playwright, so the 30-second return and the idle reset are
checked without waiting for them."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import CRITERIA, make_province

pytestmark = pytest.mark.browser


def kiosk_session(browser: Any, base: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN")
    page = context.new_page()
    page.clock.install()
    seen: dict[str, Any] = {}
    page.goto(f"{base}/s/C11?kiosk=1")
    first_sid = page.locator('input[name="sid"]').input_value()
    page.locator('input[name="ACC1"][value="2"]').check(force=True)
    page.get_by_label("Ông/Bà có góp ý gì thêm").fill("Một góp ý riêng")
    page.clock.fast_forward(60_000)  # still within the idle time: nothing happens
    seen["kept"] = page.get_by_label("Ông/Bà có góp ý gì thêm").input_value()
    # 90 s after the last touch, a fresh form. The touch may come late: the scroll event of
    # filling the comment (scrolled into view) is dispatched on a later frame, which can fall
    # inside the 60 s just fast-forwarded, so wait a whole idle period more.
    with page.expect_navigation():
        page.clock.fast_forward(91_000)
    seen["after_idle"] = {
        "url": page.url,
        "comment": page.get_by_label("Ông/Bà có góp ý gì thêm").input_value(),
        "checked": page.locator('input[name="ACC1"]:checked').count(),
        "new_sid": page.locator('input[name="sid"]').input_value() != first_sid,
    }
    for code in CRITERIA:
        page.locator(f'input[name="{code}"][value="5"]').check(force=True)
    page.get_by_label("Đất đai").check(force=True)
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/s/C11/thanks?kiosk=1")
    seen["thanks"] = page.locator("h1").inner_text()
    page.clock.run_for(10_000)
    seen["countdown"] = page.locator("#kiosk-countdown").inner_text()
    with page.expect_navigation():
        page.clock.run_for(21_000)
    seen["returned"] = page.url
    seen["fresh"] = page.locator('input[name="ACC1"]:checked').count() == 0
    context.close()
    return seen


async def test_kiosk_clears_an_idle_form_and_returns_after_thanks(
    app: FastAPI, live_server: LiveServer, browser: None
):
    await make_province(app)
    seen = await anyio.to_thread.run_sync(in_browser, lambda b: kiosk_session(b, live_server.url))
    assert seen["kept"] == "Một góp ý riêng"
    assert seen["after_idle"] == {
        "url": f"{live_server.url}/s/C11?kiosk=1",
        "comment": "",
        "checked": 0,
        "new_sid": True,
    }
    assert seen["thanks"] == "Xin cảm ơn!"
    assert seen["countdown"] == "Phiếu mới sẽ mở sau 20 giây."
    assert seen["returned"] == f"{live_server.url}/s/C11?kiosk=1" and seen["fresh"]
