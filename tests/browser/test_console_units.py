"""Units in a real Chromium on a phone (360×640): import a CSV file through its preview, then
merge two units through the confirmation page, and see the lineage; axe-core checks the
preview and confirmation pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import Unit
from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import VIEWPORTS, open_page, sign_in, width_of
from tests.conftest import LiveServer
from tests.factories import make_province, make_user

pytestmark = pytest.mark.browser

CSV = "code,name,level,parent\nC13,Quầy Tư pháp,counter,D1\nC11,Quầy Một cửa C11,counter,D1\n"


def import_and_merge(browser: Any, base: str, axe: str, shot: Any) -> dict[str, Any]:
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    seen: dict[str, Any] = {"widths": [], "axe": {}}

    def snap(name: str) -> None:
        seen["widths"].append((name, width_of(page)))
        seen["axe"][name] = axe_violations(page)
        page.screenshot(path=str(shot(name)), full_page=True)

    sign_in(page, base, "admin@x.vn")
    page.goto(base + "/console/units")
    page.get_by_role("link", name="Nhập từ tệp").click()
    page.get_by_label("Tệp CSV hoặc XLSX").set_input_files(
        {"name": "units.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_selector("#changes")
    seen["changes"] = page.locator("#changes tbody tr").all_inner_texts()
    snap("import-preview")
    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_url("**/console/units?done=units-imported")
    seen["imported"] = page.locator(".notice").inner_text()

    page.get_by_role("link", name="Sáp nhập đơn vị").click()
    page.get_by_label("Các đơn vị được sáp nhập").select_option(["C12", "C13"])
    page.get_by_label("Mã đơn vị tiếp nhận").fill("C1X")
    page.get_by_label("Tên đơn vị tiếp nhận").fill("Một cửa liên thông")
    page.get_by_label("Ngày sáp nhập").fill("2026-07-01")
    snap("merge-form")
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_selector("#merge-plan")
    seen["plan"] = page.locator("#merge-plan").inner_text()
    snap("merge-confirm")
    page.get_by_role("button", name="Xác nhận sáp nhập").click()
    page.wait_for_url("**/console/units?q=C1X&done=units-merged")
    seen["lineage"] = page.locator("main .tree").inner_text()
    snap("merged")
    seen["problems"] = page.problems
    context.close()
    return seen


async def test_import_a_csv_with_its_preview_then_merge_two_units_on_a_phone(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])

    def shot(name: str) -> Path:
        return artifacts / f"console-units-{name}-360.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: import_and_merge(b, live_server.url, axe_source, shot)
    )
    assert [" ".join(row.split()) for row in seen["changes"]] == [
        "2 C13 Tạo mới Quầy Tư pháp counter D1",
        "3 C11 Cập nhật trước đây: Đơn vị C11 · counter · D1 Quầy Một cửa C11 counter D1",
    ]
    assert seen["imported"] == "Đã nhập các đơn vị từ tệp."
    assert "Quầy Tư pháp" in seen["plan"] and "Đơn vị C12" in seen["plan"]
    assert "Đơn vị tiếp nhận (tạo mới)" in seen["plan"] and "Một cửa liên thông" in seen["plan"]
    assert "Tiếp nhận từ" in seen["lineage"] and "C13" in seen["lineage"]
    assert all(width <= 360 for _, width in seen["widths"]), seen["widths"]
    assert {name: found for name, found in seen["axe"].items() if found} == {}
    assert seen["problems"] == []
    async with app.state.db.sessions() as session:
        merged = (await session.scalars(select(Unit).where(Unit.code.in_(["C12", "C13"])))).all()
    assert {(u.inactive_from, u.successor_id is not None) for u in merged} == {
        (date(2026, 7, 1), True)
    }
