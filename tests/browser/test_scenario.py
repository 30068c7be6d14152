"""The whole job in a real Chromium: staff sign in, create a round for two counters and open it,
print its QR posters; two citizens scan a poster's code on 360×640 phones and answer; staff see
the responses in the overview and the round's statistics, exclude one and see the figures
change, answer the citizen's comment and sign out. Screenshots of the key pages go to
test-artifacts/scenario-*.png; axe-core checks the overview and the statistics pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.from_thread
import anyio.lowlevel
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.i18n import format_number
from app.models import AuditEvent, Comment, Response, Round
from app.reporting.service import satisfaction_report
from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import NAV, fill_new_round, open_page, sign_in, width_of
from tests.conftest import LiveServer
from tests.factories import CRITERIA, add_response, make_province, make_user, ratings
from tests.sampling.invitation_helpers import open_pdf

pytestmark = pytest.mark.browser

LAPTOP, PHONE = (1280, 800), (360, 640)
COMMENT = "Phòng chờ nóng, đề nghị lắp thêm quạt. Số của tôi 0912345678"
REPLY = "Cảm ơn Ông/Bà, trung tâm đã lắp thêm hai quạt ở phòng chờ."


class Run:
    """One scenario: the staff page, what was seen, screenshots, accessibility findings."""

    def __init__(
        self, browser: Any, base: str, shots: Path, axe: str, report_of: Callable[[], Any]
    ) -> None:
        self.browser, self.base, self.shots = browser, base, shots
        self.report_of = report_of  # the round's report now, computed in the test's loop
        self.context, self.page = open_page(browser, LAPTOP, axe)
        self.seen: dict[str, Any] = {"axe": {}, "widths": {}}

    def snap(self, name: str, page: Any = None) -> None:
        page = page or self.page
        self.seen["widths"][name] = width_of(page)
        page.screenshot(path=str(self.shots / f"scenario-{name}.png"), full_page=True)

    def check(self, name: str) -> None:
        self.seen["axe"][name] = axe_violations(self.page)


def create_round_and_print_posters(run: Run) -> list[str]:
    """The round R-E2E over C11 and C12 (draft, then opened); its posters as a PDF: the URLs
    their QR codes hold, as a phone's camera reads them."""
    page = run.page
    sign_in(page, run.base, "admin@x.vn")
    fill_new_round(page, "D1", "R-E2E", {"C11": "1.200", "C12": "800"})
    page.get_by_role("button", name="Tạo đợt khảo sát (nháp)").click()
    page.wait_for_url("**/console/rounds/R-E2E?done=round-created")
    page.get_by_role("button", name="Mở đợt khảo sát").click()
    page.wait_for_url("**/console/rounds/R-E2E?done=round-status")
    # The round keeps its collection limits, but this test's hand answers in a second, which
    # no citizen does: the rule for forms sent too fast is turned off (audited), as a
    # province would for a supervised day.
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    policy = page.request.put(
        f"{run.base}/api/v1/rounds/R-E2E/integrity/policy",
        data={"off": ["too_fast"]},
        headers={"x-csrf-token": csrf},
    )
    assert policy.status == 200, policy.text()
    run.snap("01-round")
    page.locator(NAV).get_by_role("link", name="Mã QR").click()
    page.locator('a[href="/console/qr/D1"]').click()
    run.snap("02-posters")
    pdf = page.pdf(path=str(run.shots / "scenario-02-posters.pdf"), prefer_css_page_size=True)
    printed = open_pdf(pdf)
    run.seen["poster_pages"] = printed.pages
    return printed.qr_texts


def answer(run: Run, url: str, levels: dict[str, str], comment: str | None, name: str) -> str:
    """A citizen opens the scanned URL on a 360×640 phone, answers and submits."""
    context = run.browser.new_context(viewport={"width": 360, "height": 640}, locale="vi-VN")
    phone = context.new_page()
    phone.goto(run.base + urlsplit(url).path)
    for code in CRITERIA:
        phone.locator(f'input[name="{code}"][value="{levels.get(code, "4")}"]').check(force=True)
    phone.get_by_label("Đất đai").check(force=True)
    if comment:
        phone.get_by_label("Ông/Bà có góp ý gì thêm").fill(comment)
    run.snap(f"03-form-{name}", phone)
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/thanks")
    heading = str(phone.locator("h1").inner_text())
    context.close()
    return heading


def figures(run: Run, step: str) -> None:
    """The overview and the statistics page as staff see them now, and the report's figures
    computed at the same moment (in the test's event loop, on the same database)."""
    page = run.page
    page.goto(f"{run.base}/console/overview")
    current = page.locator("section.current").filter(has_text="R-E2E")
    run.seen[f"{step}_overview"] = current.locator("strong.big").inner_text()
    run.seen[f"{step}_overview_valid"] = current.locator("tfoot td").nth(3).inner_text()
    run.snap(f"04-overview-{step}")
    run.check(f"overview-{step}")
    current.get_by_role("link", name="Xem thống kê chi tiết").click()
    page.wait_for_url("**/console/rounds/R-E2E/statistics?unit=D1")
    run.seen[f"{step}_statistics"] = page.locator("strong.big").inner_text()
    run.seen[f"{step}_bars"] = page.locator("svg.chart").count()
    run.seen[f"{step}_trend"] = page.locator('[aria-labelledby="h-trend"] tbody tr').count()
    run.seen[f"{step}_headline"] = page.locator("dl.kpi").inner_text()
    run.snap(f"05-statistics-{step}")
    run.check(f"statistics-{step}")
    run.seen[f"{step}_report"] = run.report_of()


def exclude_one(run: Run) -> None:
    """Exclude the response from C12 with a reason (the responses pages)."""
    page = run.page
    page.locator(NAV).get_by_role("link", name="Phiếu trả lời").click()
    page.locator("tbody tr").filter(has_text="Đơn vị C12").get_by_role("link").first.click()
    page.get_by_label("Lý do loại phiếu khỏi thống kê").fill("Phiếu thử của cán bộ")
    page.get_by_role("button", name="Loại phiếu").click()
    page.wait_for_url("**?done=excluded")
    run.snap("06-excluded")


def reply_and_sign_out(run: Run) -> None:
    page = run.page
    page.locator(NAV).get_by_role("link", name="Góp ý").click()
    run.seen["comment_row"] = page.locator("tbody tr").first.inner_text()
    page.locator("tbody tr").first.get_by_role("link").first.click()
    page.get_by_label("Nội dung trả lời").fill(REPLY)
    page.get_by_role("button", name="Ghi nhận trả lời").click()
    page.wait_for_url("**?done=answered")
    run.snap("07-comment-answered")
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(f"{run.base}/console/rounds/R-E2E/statistics")
    run.snap("08-statistics-360")
    run.check("statistics-360")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login**")
    page.goto(f"{run.base}/console/overview")
    run.seen["after_logout"] = page.url
    run.snap("09-signed-out")


def scenario(browser: Any, base: str, shots: Path, axe: str, report_of: Callable[[], Any]) -> Any:
    run = Run(browser, base, shots, axe, report_of)
    urls = create_round_and_print_posters(run)
    run.seen["urls"] = urls
    c11, c12 = (next(u for u in urls if u.endswith(code)) for code in ("/C11", "/C12"))
    run.seen["thanks"] = [
        answer(run, c11, {"ACC1": "2", "PRO1": "3"}, COMMENT, "C11"),
        answer(run, c12, {code: "5" for code in CRITERIA}, None, "C12"),
    ]
    figures(run, "before")
    exclude_one(run)
    figures(run, "after")
    reply_and_sign_out(run)
    run.context.close()
    return run.seen


async def test_a_round_from_creation_to_answered_comment(
    app: FastAPI, live_server: LiveServer, browser: None, axe_source: str, artifacts: Path
):
    # Last month's round of the same instrument, closed: the new round is compared with it.
    province = await make_province(app, status="closed")
    for unit, level in [("C11", 5), ("C12", 3), ("C21", 4)]:
        await add_response(app, province, unit, ratings({}, default=level))
    await make_user(app, "admin@x.vn", [("admin", "P")])

    async def report_of() -> Any:
        async with app.state.db.sessions() as session:
            return await satisfaction_report(
                session, app.state.catalogue, "R-E2E", "D1", settings=app.state.settings
            )

    loop = anyio.lowlevel.current_token()  # the browser's thread is not anyio's: say which loop

    def report_now() -> Any:
        return anyio.from_thread.run(report_of, token=loop)

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: scenario(b, live_server.url, artifacts, axe_source, report_now)
    )
    assert seen["poster_pages"] == 2 and sorted(seen["urls"]) == [
        "https://khaosat.example.vn/s/C11",
        "https://khaosat.example.vn/s/C12",
    ]
    assert seen["thanks"] == ["Xin cảm ơn!", "Xin cảm ơn!"]
    before, after = seen["before_report"], seen["after_report"]
    assert (before.respondents, after.respondents) == (2, 1)
    assert before.index != pytest.approx(after.index)
    for step, report in (("before", before), ("after", after)):
        shown = f"{format_number(report.index, 'vi', 1)} %"
        assert seen[f"{step}_overview"] == shown == seen[f"{step}_statistics"], step
        assert seen[f"{step}_overview_valid"] == str(report.respondents)
        assert seen[f"{step}_bars"] == 4  # elements, criteria, children, trend
        assert seen[f"{step}_trend"] == 2  # last month's round, then this one
        assert "R2026" in seen[f"{step}_headline"]  # compared with last month's round
    assert "09******78" in seen["comment_row"] and "0912345678" not in seen["comment_row"]
    assert "/login" in seen["after_logout"]
    assert {name: v for name, v in seen["axe"].items() if v} == {}
    assert seen["widths"]["08-statistics-360"] <= 360
    assert all(seen["widths"][f"03-form-{c}"] <= 360 for c in ("C11", "C12"))
    await stored_outcome(app)


async def stored_outcome(app: FastAPI) -> None:
    """What the scenario left in the database: an open round, two responses at the two
    counters (C12's excluded), an answered comment, each change audited."""
    async with app.state.db.sessions() as session:
        round_ = await session.scalar(select(Round).where(Round.code == "R-E2E"))
        assert round_ is not None and round_.status == "open"
        stored = await session.scalars(select(Response).where(Response.round_id == round_.id))
        statuses = sorted((r.unit_id, r.status) for r in stored.all())
        comment = await session.scalar(select(Comment))
        actions = (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    assert [status for _, status in statuses] == ["valid", "excluded"]
    assert comment is not None and comment.status == "answered" and comment.reply == REPLY
    audited = ("round.create", "round.status", "response.exclude", "comment.reply")
    assert [a for a in actions if a in audited] == [
        "round.create",  # last month's, seeded
        *("round.create", "round.status", "response.exclude", "comment.reply"),
    ]
