"""A round's sample prepared on a phone (360×640) in a real Chromium: upload the list of
dossiers (a wrong file first: its rejected rows), compute the plan, draw with a seed, and
download the QR cards of the drawn dossiers; no serious accessibility problem on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import open_page, sign_in, width_of
from tests.conftest import LiveServer
from tests.factories import make_province, make_user
from tests.sampling.helpers import dossier_csv
from tests.sampling.invitation_helpers import open_pdf

pytestmark = pytest.mark.browser

PHONE = (360, 640)
LISTED = {"C11": 60, "C12": 25, "C21": 15}


def upload(page: Any, name: str, content: str) -> None:
    page.locator("input[name=kind][value=dossiers]").check()
    page.get_by_label("Tệp CSV (UTF-8) hoặc XLSX").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Nhập tệp").click()


def walk(browser: Any, base: str, axe: str, shot: Any) -> dict[str, Any]:
    context, page = open_page(browser, PHONE, axe)
    seen: dict[str, Any] = {"widths": [], "axe": {}}

    def step(name: str) -> None:
        seen["widths"].append((name, width_of(page)))
        seen["axe"][name] = axe_violations(page)
        page.screenshot(path=str(shot(name)), full_page=True)

    sign_in(page, base, "admin@x.vn")
    page.goto(f"{base}/console/rounds/R2026")
    page.get_by_role("navigation", name="Các bước của đợt khảo sát").get_by_role(
        "link", name="Khung mẫu"
    ).click()
    page.wait_for_url("**/console/rounds/R2026/frame")
    upload(page, "thieu-cot.csv", "dossier,unit\nHS-1,C11\n")
    page.wait_for_selector("#rejected")
    seen["rejected"] = page.locator("#rejected tbody tr").all_inner_texts()
    step("frame-rejected")
    upload(page, "ho-so.csv", dossier_csv(LISTED))
    page.wait_for_url("**/frame?done=dossiers-imported")
    seen["listed"] = page.locator("#dossiers tfoot td.num").first.inner_text()
    step("frame")

    page.get_by_role("link", name="Kế hoạch mẫu").click()
    page.get_by_role("button", name="Lập kế hoạch mẫu").click()
    page.wait_for_url("**/plan?done=plan-computed")
    seen["plan"] = page.locator("#plan-total").inner_text()
    seen["strata"] = page.locator("#strata tbody tr").count()
    step("plan")

    page.get_by_role("link", name="Rút mẫu", exact=True).click()
    page.get_by_label("Hạt giống").fill("2026")
    page.get_by_label("Hệ thống (theo khoảng cách đều trong danh sách)").check()
    page.get_by_role("button", name="Rút mẫu", exact=True).click()
    page.wait_for_url("**/draws/*?done=draw-created")
    seen["seed"] = page.locator("#seed").inner_text()
    seen["selected"] = page.locator("#selected").inner_text()
    step("draw")

    page.get_by_role("link", name="Tạo thư mời cho hồ sơ được chọn").click()
    page.get_by_label("Đơn vị", exact=True).select_option("C11")
    page.get_by_label("Mỗi hồ sơ được chọn ở lần rút mẫu gần nhất chưa có thư mời").check()
    step("tokens")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tạo và tải thẻ QR (PDF, khổ A4)").click()
    seen["pdf_name"] = download.value.suggested_filename
    seen["pdf"] = Path(download.value.path()).read_bytes()
    page.reload()
    seen["issued"] = page.locator("#invitations tbody tr").all_inner_texts()
    seen["problems"] = page.problems
    context.close()
    return seen


@pytest.fixture
async def province(app: FastAPI) -> None:
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])


async def test_frame_plan_draw_and_invitations_on_a_phone(
    app: FastAPI,
    province: None,
    live_server: LiveServer,
    browser: None,
    axe_source: str,
    artifacts: Path,
):
    def shot(name: str) -> Path:
        return artifacts / f"console-round-{name}-360.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: walk(b, live_server.url, axe_source, shot)
    )
    assert [" ".join(r.split()) for r in seen["rejected"]] == ["1 completed_on thiếu cột này"]
    assert seen["listed"] == "100"
    assert seen["strata"] == 3 and int(seen["plan"]) < 100  # n = N/(1+N·e²) per unit
    assert seen["seed"] == "2026" and seen["selected"] == seen["plan"]
    assert seen["pdf_name"] == "invitations-R2026-C11.pdf"
    cards = open_pdf(seen["pdf"])
    async with app.state.db.sessions() as session:
        from sqlalchemy import func, select

        from app.models import Invitation, SampleSelection, Unit

        drawn_c11 = await session.scalar(
            select(func.count())
            .select_from(SampleSelection)
            .join(Unit, Unit.id == SampleSelection.unit_id)
            .where(Unit.code == "C11")
        )
        invited = await session.scalar(
            select(func.count()).where(Invitation.selection_id.is_not(None))
        )
    assert len(cards.qr_texts) == drawn_c11 == invited and drawn_c11
    assert all("/t/" in text for text in cards.qr_texts)
    assert [" ".join(r.split()) for r in seen["issued"]] == [f"Đơn vị C11 C11 — {drawn_c11} 0"]
    assert all(width <= PHONE[0] for _, width in seen["widths"]), seen["widths"]
    assert {name: found for name, found in seen["axe"].items() if found} == {}
    # The refused upload answers 422 on purpose; nothing else went wrong (scripts, CSP).
    assert [p for p in seen["problems"] if "status of 422" not in p] == []
    assert len(seen["problems"]) <= 1
