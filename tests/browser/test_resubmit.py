"""The Back button: a citizen who goes back from the thank-you page and sends the same
answers again (the browser refills them, or they fill them in again) is counted once."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Response
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import CRITERIA, make_province

pytestmark = pytest.mark.browser


def answer(page: Any) -> None:
    for code in CRITERIA:
        page.locator(f'input[name="{code}"][value="4"]').check(force=True)
    page.get_by_label("Đất đai").check(force=True)


def submit_back_and_submit_again(browser: Any, url: str) -> list[str]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    answer(page)
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/thanks*")
    seen = [page.url]
    page.go_back()
    page.wait_for_url(url)
    answer(page)  # refilled by the browser, or by the citizen: the same answers
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/thanks*")
    seen.append(page.url)
    context.close()
    return seen


async def test_back_and_resubmit_stores_one_response(
    app: FastAPI, live_server: LiveServer, browser: None
):
    # The round's defaults, but a test's hand is faster than any citizen's: too_fast off.
    await make_province(app, integrity={"off": ["too_fast"]})
    url = f"{live_server.url}/s/C11"
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda browser: submit_back_and_submit_again(browser, url)
    )
    assert [u.removeprefix(live_server.url) for u in seen] == ["/s/C11/thanks"] * 2
    async with app.state.db.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(Response))
    assert stored == 1
