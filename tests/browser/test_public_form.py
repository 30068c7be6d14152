"""A citizen on a small phone: scan, answer, submit, and the answer reaches the statistics."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from app.reporting.service import satisfaction_report
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import CRITERIA, make_province

pytestmark = pytest.mark.browser


def fill_and_submit(browser: Any, url: str, shot: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    # First try without answering: the server re-renders with errors, nothing stored.
    page.get_by_role("button", name="Gửi đánh giá").click()
    errors = page.locator("#errors li").count()
    focused = page.evaluate("document.activeElement.id")
    for code in CRITERIA:
        level = "2" if code == "ACC1" else "4"
        page.locator(f'input[name="{code}"][value="{level}"]').check(force=True)
    page.get_by_label("Đất đai").check(force=True)
    page.get_by_label("Ông/Bà có góp ý gì thêm").fill("Cán bộ nhiệt tình")
    page.screenshot(path=str(shot), full_page=False)
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/thanks")
    result = {
        "overflow": overflow,
        "errors": errors,
        "focused": focused,
        "heading": page.locator("h1").inner_text(),
    }
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    result["overflow_320"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    return result


async def test_citizen_answers_on_a_360px_phone(
    app: FastAPI, live_server: LiveServer, browser: None, artifacts: Path
):
    await make_province(app)
    url = f"{live_server.url}/s/C11"
    shot = artifacts / "public-form-360.png"
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda browser: fill_and_submit(browser, url, shot)
    )
    assert seen["errors"] == len(CRITERIA) + 1  # every required question flagged
    assert seen["focused"] == "errors"  # keyboard and screen readers start at the errors
    assert seen["overflow"] <= 360 and seen["overflow_320"] <= 320  # no sideways scrolling
    assert seen["heading"] == "Xin cảm ơn!"

    async with app.state.db.sessions() as session:
        report = await satisfaction_report(session, app.state.catalogue, "R2026", "C11")
    assert report.respondents == 1
    criteria = {c.code: c.index for e in report.elements for c in e.criteria}
    assert criteria["ACC1"] == 0.0 and criteria["PRO1"] == 100.0


@pytest.mark.parametrize("path", ["/s/C11", "/s/C11?kiosk=1", "/s/C11?lang=en"])
async def test_public_form_page_is_small(app: FastAPI, live_server: LiveServer, path: str):
    """Everything a phone downloads to show the form (HTML, style sheets, scripts), gzipped,
    stays under 30 KB: the assets are read from the page itself, so a new one counts too."""
    await make_province(app)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        html = (await client.get(path)).text
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html)
        urls = [css or js for css, js in assets]
        replies = [await client.get(url) for url in urls]
    assert len(urls) >= 2 and [r.status_code for r in replies] == [200] * len(urls)
    transferred = sum(
        len(gzip.compress(body)) for body in [html.encode(), *(r.content for r in replies)]
    )
    assert transferred < 30_000, (path, transferred)
