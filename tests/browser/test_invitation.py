"""A citizen opens an invitation link on a phone, answers once; the link then says thanks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from app.models import Response
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import CRITERIA, make_province
from tests.sampling.invitation_helpers import count_rows, invite

pytestmark = pytest.mark.browser


def answer_invitation(browser: Any, url: str, shot: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    for code in CRITERIA:
        page.locator(f'input[name="{code}"][value="4"]').check(force=True)
    page.get_by_label("Đất đai").check(force=True)
    page.screenshot(path=str(shot), full_page=False)
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/thanks")
    seen = {"thanks": page.locator("h1").inner_text()}
    again = page.goto(url)
    seen["again_status"] = again.status if again else None
    seen["again"] = page.locator("h1").inner_text()
    context.close()
    return seen


async def test_invitation_link_answered_once_in_a_browser(
    app: FastAPI, live_server: LiveServer, browser: None, artifacts: Path
):
    province = await make_province(app)
    [token] = await invite(app, province, "C12", 1)
    url = f"{live_server.url}/t/{token}"
    shot = artifacts / "invitation-form-360.png"
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda browser: answer_invitation(browser, url, shot)
    )
    assert seen["thanks"] == "Xin cảm ơn!"
    assert seen["again_status"] == 410 and seen["again"] == "Ông/Bà đã trả lời khảo sát"
    assert await count_rows(app, Response, Response.channel == "token") == 1
