"""The round's estimation settings in a real Chromium on a phone (360×640): an admin opens
"Phương pháp ước lượng" on the round page, picks Korn–Graubard, "fail" for single-PSU
strata and the JK1 jackknife, saves; the page says so and shows them; no serious
accessibility problem; stored."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Round
from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import open_page, sign_in, width_of
from tests.conftest import LiveServer
from tests.factories import make_province, make_user

pytestmark = pytest.mark.browser

PHONE = (360, 640)


def walk(browser: Any, base: str, axe: str) -> dict[str, Any]:
    context, page = open_page(browser, PHONE, axe)
    seen: dict[str, Any] = {}
    sign_in(page, base, "admin@x.vn")
    page.goto(f"{base}/console/rounds/R2026")
    page.get_by_text("Phương pháp ước lượng", exact=True).click()
    page.get_by_label("Korn–Graubard (beta)", exact=False).check()
    page.get_by_label("Báo lỗi (fail)", exact=False).check()
    page.get_by_label("Jackknife JK1", exact=False).check()
    seen["axe_form"] = axe_violations(page)
    page.get_by_role("button", name="Lưu phương pháp ước lượng").click()
    page.wait_for_url("**/console/rounds/R2026?done=round-inference")
    seen["notice"] = page.get_by_text("Đã lưu phương pháp ước lượng").count()
    seen["ci"] = page.locator("#ci").inner_text()
    seen["lonely"] = page.locator("#lonely-psu").inner_text()
    seen["variance"] = page.locator("#variance").inner_text()
    seen["width"] = width_of(page)
    seen["axe_saved"] = axe_violations(page)
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_admin_sets_the_estimation_settings_on_a_phone(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: walk(b, live_server.url, axe_source)
    )
    assert seen["notice"] >= 1 and seen["ci"] == "beta" and seen["lonely"] == "fail"
    assert seen["variance"] == "jk1"
    assert seen["width"] <= PHONE[0]
    assert seen["axe_form"] == [] and seen["axe_saved"] == []
    assert seen["problems"] == []
    async with app.state.db.sessions() as session:
        round_ = await session.scalar(select(Round).where(Round.code == "R2026"))
        assert round_ is not None
        stored = (round_.design_ci, round_.design_lonely_psu, round_.design_variance)
        assert stored == ("beta", "fail", "jk1")
