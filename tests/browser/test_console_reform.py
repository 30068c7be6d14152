"""Reorganisations in a real Chromium on a phone (360×640): the events page from the units
page, reverting a rename, the notice; a split recorded from its form (refused first, then
corrected); axe-core checks the pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from app.audit.service import CLI
from app.units.events import Change, change_unit
from app.units.lineage import MergeRequest, merge_units
from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import VIEWPORTS, open_page, sign_in, width_of
from tests.conftest import LiveServer
from tests.factories import make_province, make_user, province_today

pytestmark = pytest.mark.browser
PAST = province_today() - timedelta(days=10)


def revert_a_rename(browser: Any, base: str, axe: str, shot: Any) -> dict[str, Any]:
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    seen: dict[str, Any] = {}
    sign_in(page, base, "admin@x.vn")
    page.goto(base + "/console/units")
    page.get_by_role("link", name="Thay đổi tổ chức").click()
    page.wait_for_selector("table.data")
    seen["rows"] = page.locator("table.data tbody tr").all_inner_texts()
    seen["width"] = width_of(page)
    seen["axe"] = axe_violations(page)
    page.screenshot(path=str(shot("events")), full_page=True)
    page.locator("table.data tbody tr", has_text="Đổi tên").get_by_role("button").click()
    page.wait_for_url("**/console/units/events?reverted=*")
    seen["notice"] = page.locator(".notice").inner_text()
    seen["after"] = page.locator("table.data tbody tr", has_text="Đổi tên").inner_text()
    page.screenshot(path=str(shot("reverted")), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_the_events_page_lists_and_reverts_on_a_phone(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])
    async with app.state.db.write_sessions.begin() as session:
        await merge_units(session, CLI, MergeRequest(["C11", "C12"], "C1X", PAST, "Liên xã"))
        await change_unit(session, CLI, Change("rename", "C21", PAST, name="Quầy mới"))

    def shot(name: str) -> Path:
        return artifacts / f"console-reform-{name}-360.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: revert_a_rename(b, live_server.url, axe_source, shot)
    )
    rows = [" ".join(r.split()) for r in seen["rows"]]
    assert len(rows) == 2 and "Sáp nhập" in " ".join(rows) and "Quầy mới" in " ".join(rows)
    assert seen["notice"].startswith("Đã hủy thay đổi số")
    assert "Đã hủy" in seen["after"]
    assert seen["width"] <= 360, seen["width"]
    assert seen["axe"] == []
    assert seen["problems"] == []


def split_from_the_form(browser: Any, base: str, axe: str, shot: Any) -> dict[str, Any]:
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    seen: dict[str, Any] = {}
    sign_in(page, base, "admin@x.vn")
    page.goto(base + "/console/units/events")
    page.get_by_role("link", name="Chia tách đơn vị").click()
    page.wait_for_selector("form[action='/console/units/split']")
    seen["axe"] = axe_violations(page)
    seen["width"] = width_of(page)
    page.select_option("#f-unit", "C11")
    page.fill("#f-effective", PAST.isoformat())
    for i, (code, share, name) in enumerate([("S1", "0,6", "Quầy Bắc"), ("S2", "0,3", "")], 1):
        page.fill(f"#f-code{i}", code)
        page.fill(f"#f-share{i}", share)
        page.fill(f"#f-name{i}", name)
    page.get_by_role("button", name="Ghi nhận chia tách").click()
    page.wait_for_selector("#errors")
    seen["refused"] = page.locator("#errors").inner_text()
    page.fill("#f-share2", "0,4")
    page.fill("#f-name2", "Quầy Nam")
    page.screenshot(path=str(shot("split-form")), full_page=True)
    page.get_by_role("button", name="Ghi nhận chia tách").click()
    page.wait_for_url("**/console/units/events?done=unit-split")
    seen["notice"] = page.get_by_role("status").first.inner_text()
    seen["row"] = page.locator("table.data tbody tr", has_text="Chia tách").first.inner_text()
    page.screenshot(path=str(shot("split-done")), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_a_split_is_recorded_from_the_console_on_a_phone(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])

    def shot(name: str) -> Path:
        return artifacts / f"console-reform-{name}-360.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: split_from_the_form(b, live_server.url, axe_source, shot)
    )
    assert "cộng lại bằng 1" in seen["refused"]
    assert seen["notice"] == "Đã ghi nhận việc chia tách đơn vị."
    assert "C11" in seen["row"] and "S1" in seen["row"] and "0.6" in seen["row"]
    assert seen["width"] <= 360, seen["width"]
    assert seen["axe"] == []
    # The refused form answers 422 on purpose; nothing else went wrong (scripts, CSP).
    assert [p for p in seen["problems"] if "status of 422" not in p] == []


def move_from_the_form(browser: Any, base: str, axe: str, shot: Any) -> dict[str, Any]:
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    seen: dict[str, Any] = {}
    sign_in(page, base, "admin@x.vn")
    page.goto(base + "/console/units/events")
    page.get_by_role("link", name="Chuyển sang đơn vị cấp trên khác").click()
    page.wait_for_selector("form[action='/console/units/move']")
    seen["axe"] = axe_violations(page)
    seen["width"] = width_of(page)
    page.select_option("#f-unit", "D1")
    page.select_option("#f-parent", "C11")  # inside itself: refused
    page.fill("#f-effective", PAST.isoformat())
    page.get_by_role("button", name="Ghi nhận chuyển đơn vị").click()
    page.wait_for_selector("#errors")
    seen["refused"] = page.locator("#errors").inner_text()
    page.select_option("#f-unit", "C11")
    page.select_option("#f-parent", "D2")
    page.fill("#f-effective", PAST.isoformat())
    page.screenshot(path=str(shot("move-form")), full_page=True)
    page.get_by_role("button", name="Ghi nhận chuyển đơn vị").click()
    page.wait_for_url("**/console/units/events?done=unit-move")
    seen["notice"] = page.get_by_role("status").first.inner_text()
    seen["row"] = page.locator("table.data tbody tr").first.inner_text()
    page.screenshot(path=str(shot("move-done")), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_a_move_is_recorded_from_the_console_on_a_phone(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])

    def shot(name: str) -> Path:
        return artifacts / f"console-reform-{name}-360.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: move_from_the_form(b, live_server.url, axe_source, shot)
    )
    assert "bên trong chính nó" in seen["refused"]
    assert seen["notice"] == "Đã ghi nhận việc chuyển đơn vị sang đơn vị cấp trên khác."
    assert "C11" in seen["row"]
    assert seen["width"] <= 360, seen["width"]
    assert seen["axe"] == []
    assert [p for p in seen["problems"] if "status of 422" not in p] == []
