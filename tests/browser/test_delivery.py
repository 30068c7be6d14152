"""In Chromium: the API docs render offline under the app's CSP, and every piece of the
citizen's form is readable (at least 12 px) on a 360 px phone."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import make_province

pytestmark = pytest.mark.browser


def open_docs(browser: Any, base: str) -> dict[str, Any]:
    """Both docs pages with every request off this origin cut (a network without internet)."""
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    seen: dict[str, Any] = {"foreign": [], "blocked_scripts": []}
    page = context.new_page()
    page.on("response", lambda r: r.url.startswith(base) or seen["foreign"].append(r.url))
    page.on(
        "console",
        lambda m: "script-src" in m.text and seen["blocked_scripts"].append(m.text),
    )
    page.goto(f"{base}/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    seen["swagger_operations"] = page.locator(".opblock").count()
    seen["authorize"] = page.get_by_role("button", name="Authorize").count()
    page.get_by_role("button", name="Authorize").click()
    seen["schemes"] = page.locator(".auth-container").count()
    page.goto(f"{base}/redoc")
    page.locator("[data-section-id^='operation/']").first.wait_for(timeout=20_000)
    seen["redoc_operations"] = page.locator("[data-section-id^='operation/']").count()
    context.close()
    return seen


async def test_api_docs_render_offline_under_the_csp(
    app: FastAPI, live_server: LiveServer, browser: None
) -> None:
    seen = await anyio.to_thread.run_sync(in_browser, lambda b: open_docs(b, live_server.url))
    operations = len(
        [op for item in app.openapi()["paths"].values() for op in item if op != "parameters"]
    )
    assert seen["swagger_operations"] == operations > 40
    assert seen["redoc_operations"] == operations
    assert seen["authorize"] == 1 and seen["schemes"] == 3  # API key, session, CSRF header
    assert seen["foreign"] == [] and seen["blocked_scripts"] == []


def smallest_text(browser: Any, url: str) -> list[dict[str, Any]]:
    """Every visible text on the form under 12 px, at 360 px wide (errors shown too)."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Gửi đánh giá").click()  # with the error summary
    page.locator("#errors").wait_for()
    small: list[dict[str, Any]] = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode, el = node.parentElement;
                if (!node.textContent.trim() || !el.offsetParent) continue;
                const size = parseFloat(getComputedStyle(el).fontSize);
                if (size < 12) out.push({text: node.textContent.trim(), px: size});
            }
            return out;
        }"""
    )
    context.close()
    return small


async def test_every_text_on_the_form_is_at_least_12px(
    app: FastAPI, live_server: LiveServer, browser: None
) -> None:
    await make_province(app)
    url = f"{live_server.url}/s/C11"
    small = await anyio.to_thread.run_sync(in_browser, lambda b: smallest_text(b, url))
    assert small == []
