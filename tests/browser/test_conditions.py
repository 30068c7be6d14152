"""Conditional questions in the browser (form.js): parts the server hid after a refused
submission come back, with working inputs, when the answers call for them; and answering
never moves the page under the citizen's finger."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import make_province

pytestmark = pytest.mark.browser


def reveal_after_refusal(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    page.locator('#q-used_service label:has(> input[value="no"])').click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("#errors")
    seen: dict[str, Any] = {"hidden_after_refusal": not page.locator("#q-DV01").is_visible()}
    page.locator('#q-used_service label:has(> input[value="yes"])').click()
    seen["shown"] = page.locator("#q-DV01").is_visible()
    seen["enabled"] = page.locator('#q-DV01 input[value="5"]').is_enabled()
    page.locator("#q-DV01 label:has(> input[value='5'])").click()
    seen["checked"] = page.locator('#q-DV01 input[value="5"]').is_checked()
    # A change elsewhere (a text field losing focus) leaves the page where it is.
    page.locator("#f-age").fill("40")
    before = page.evaluate("window.scrollY")
    page.locator("#f-age").dispatch_event("change")
    seen["moved"] = page.evaluate("window.scrollY") - before
    context.close()
    return seen


async def test_parts_hidden_by_the_server_come_back_when_answers_call_for_them(
    app: FastAPI, live_server: LiveServer, browser: None
):
    await make_province(app, form_code="sipas-household")
    url = f"{live_server.url}/s/C11"
    seen = await anyio.to_thread.run_sync(in_browser, lambda b: reveal_after_refusal(b, url))
    assert seen == {
        "hidden_after_refusal": True,
        "shown": True,
        "enabled": True,
        "checked": True,
        "moved": 0,
    }
