"""A manager opens the unit's gaps, creates two actions, attaches evidence and marks one done;
the quarterly report shows them; the province reviewer sees and reviews (Chromium)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models import AuditEvent, ImprovementAction, ImprovementEvidence
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_user, province_today
from tests.improvement.helpers import computed, two_rounds

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% bien ban kiem tra\n%%EOF\n"


def _sign_in(page: Any, base: str, login: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.get_by_label("Email hoặc tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{target}")


def _add(page: Any, title: str, criterion: str, due: date) -> None:
    page.get_by_label("Nội dung hành động").fill(title)
    page.locator(f"input[name=criteria][value={criterion}]").check()
    page.get_by_label("Người chịu trách nhiệm").fill("Trưởng bộ phận một cửa")
    page.get_by_label("Hạn hoàn thành").fill(due.isoformat())
    page.get_by_role("button", name="Thêm hành động").click()
    page.wait_for_url("**/console/improvement/actions/*")


def walk(browser: Any, base: str, evidence: Path, due: list[date], year: int) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="vi-VN")
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    seen: dict[str, Any] = {}
    _sign_in(page, base, "m@x.vn", "/console/improvement")
    page.get_by_label("Mã đợt khảo sát").fill("R2026")
    page.get_by_label("Mã đơn vị").fill("C11")
    page.get_by_role("button", name="Xem phân tích").click()
    page.wait_for_url("**/console/improvement/rounds/R2026/C11")
    seen["first_gap"] = page.locator("#gaps tbody tr").first.inner_text()
    seen["worse"] = page.locator("#worse").inner_text()
    seen["chart_points"] = page.locator("#drivers svg circle").count()
    seen["importance_rows"] = page.locator("#importance tbody tr").count()
    quarter = (due[0].month - 1) // 3 + 1
    _add(page, "Niêm yết đầy đủ thủ tục tại quầy", "PRO1", due[0])
    page.set_input_files("#f-file", str(evidence))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_load_state()
    seen["evidence"] = page.locator("#evidence li").first.inner_text()
    page.get_by_label("Tình trạng").select_option("done")
    page.get_by_label("Ghi chú tiến độ").fill("Đã niêm yết bảng thủ tục mới")
    page.get_by_role("button", name="Cập nhật").click()
    page.wait_for_load_state()
    seen["status"] = page.locator("#status").inner_text()
    page.goto(f"{base}/console/improvement/rounds/R2026/C11")
    _add(page, "Bổ sung ghế chờ", "ACC1", due[1])
    page.goto(f"{base}/console/improvement/progress?year={year}&quarter={quarter}&unit=C11")
    seen["progress"] = page.locator("#row-C11").inner_text()
    seen["targeted"] = page.locator("#targeted").inner_text()
    context.close()

    reviewer = browser.new_context(locale="vi-VN").new_page()
    _sign_in(reviewer, base, "so@x.vn", "/console/improvement")
    seen["inbox"] = reviewer.locator("#inbox").inner_text()
    reviewer.goto(f"{base}/console/improvement/progress?year={year}&quarter={quarter}")
    seen["province_progress"] = reviewer.locator("#progress").inner_text()
    seen["failed"] = [u for u in failed if not u.endswith("/favicon.ico")]
    return seen


async def test_manager_walk_and_quarterly_report(
    app: FastAPI, live_server: LiveServer, browser: None, tmp_path: Path
):
    await two_rounds(app)
    await computed(app)  # the worker's figures (the page computes none)
    await make_user(app, "m@x.vn", [("manager", "C11")])
    await make_user(app, "so@x.vn", [("manager", "P")])
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(PDF)
    today = province_today()
    # Both due within this quarter (on its last day at the latest), neither late.
    last = date(today.year + (today.month > 9), (((today.month - 1) // 3 + 1) * 3) % 12 + 1, 1)
    last -= timedelta(days=1)
    due = [min(today + timedelta(days=1), last), min(today + timedelta(days=2), last)]

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: walk(b, live_server.url, evidence, due, today.year)
    )
    assert "PRO1" in seen["first_gap"]  # the largest gain to the target first
    assert "PRO1" in seen["worse"] and "ACC1" in seen["worse"]
    assert seen["chart_points"] == 15  # FBK3: N/A for everyone at C11, left out
    assert seen["importance_rows"] == 15  # each with its interval (or – when too few)
    assert "bien-ban.pdf" in seen["evidence"]
    assert "Đã hoàn thành" in seen["status"]
    # C11: 2 due, 1 done, 1 done on time, 0 late, 1 open.
    assert seen["progress"].split()[-5:] == ["2", "1", "1", "0", "1"]
    assert "PRO1" in seen["targeted"] and "ACC1" in seen["targeted"]
    assert "Bổ sung ghế chờ" in seen["inbox"]  # due in two days, open: the province sees it
    assert "C11" in seen["province_progress"]
    assert seen["failed"] == []
    async with app.state.db.sessions() as session:
        actions = (await session.scalars(select(ImprovementAction))).all()
        files = (await session.scalars(select(ImprovementEvidence))).all()
        audited = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("improvement.%"))
            )
        ).all()
    assert sorted(a.status for a in actions) == ["done", "planned"]
    assert len(files) == 1 and files[0].data == PDF and files[0].content_type == "application/pdf"
    assert sorted(audited) == [
        "improvement.action",
        "improvement.action",
        "improvement.evidence",
        "improvement.update",
    ]
