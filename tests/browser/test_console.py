"""The staff console in a real Chromium, as provincial staff use it: on a laptop (1280 px) and
on a phone (360×640), with the mouse and with the keyboard only, in Vietnamese and English;
axe-core finds no serious or critical accessibility problem on any page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from tests.browser.conftest import axe_violations, in_browser
from tests.conftest import LiveServer
from tests.factories import PASSWORD, make_province, make_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": (1280, 800), "phone": (360, 640)}
NAV = "nav.nav"


@pytest.fixture
async def province(app: FastAPI) -> None:
    """Province P (D1: C11, C12; D2: C21) with round R2026, and admin@x.vn, admin on P."""
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "P")])


@pytest.fixture
async def closed_province(app: FastAPI) -> None:
    """The same with R2026 closed: a round opened over its counters now serves them alone."""
    await make_province(app, status="closed")
    await make_user(app, "admin@x.vn", [("admin", "P")])


def open_page(browser: Any, size: tuple[int, int], axe: str | None = None) -> tuple[Any, Any]:
    """A fresh context and page; page errors and console errors (CSP refusals) are kept."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    if axe:
        context.add_init_script(script=axe)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    return context, page


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email hoặc tên đăng nhập").fill(email)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/console/overview")


def width_of(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def fill_new_round(page: Any, root: str, code: str, volumes: dict[str, str]) -> None:
    """From any console page: the new-round form for ``root``'s counters, filled in (the
    counters under ``root`` are all ticked; ``volumes`` by unit code, as typed)."""
    page.locator(NAV).get_by_role("link", name="Đợt khảo sát").click()
    page.get_by_role("link", name="Tạo đợt khảo sát").click()
    page.get_by_label("Đơn vị có các quầy sẽ khảo sát").select_option(root)
    page.get_by_role("button", name="Chọn đơn vị này").click()
    page.get_by_label("Mã đợt").fill(code)
    page.get_by_label("Tên đợt").fill("Đợt thử trên trình duyệt")
    for unit, volume in volumes.items():
        page.get_by_label(f"Lượng giao dịch của Đơn vị {unit}").fill(volume)


def main_flow(browser: Any, base: str, size: tuple[int, int], shot: Callable[[str], Path]) -> Any:
    context, page = open_page(browser, size)
    seen: dict[str, Any] = {"widths": []}

    def snap(name: str) -> None:
        seen["widths"].append((name, width_of(page)))
        page.screenshot(path=str(shot(name)), full_page=True)

    sign_in(page, base, "admin@x.vn")
    snap("overview")
    fill_new_round(page, "D1", "R-WEB", {"C11": "1.200", "C12": "800"})
    snap("round-new")
    page.get_by_role("button", name="Tạo đợt khảo sát (nháp)").click()
    page.wait_for_url("**/console/rounds/R-WEB?done=round-created")
    seen["draft"] = page.locator(".head .badge").inner_text()
    seen["covered"] = page.locator("tbody code").all_inner_texts()
    page.get_by_role("button", name="Mở đợt khảo sát").click()
    page.wait_for_url("**/console/rounds/R-WEB?done=round-status")
    seen["opened"] = page.locator(".head .badge").inner_text()
    snap("round")

    page.locator(NAV).get_by_role("link", name="Mã QR").click()
    page.locator('a[href="/console/qr/D1"]').click()
    seen["posters"] = page.locator("article.poster").count()
    seen["print_button"] = page.get_by_role("button", name="In").is_visible()
    snap("posters")
    pdf = page.pdf(path=shot("posters").with_suffix(".pdf"), prefer_css_page_size=True)
    seen["pdf_pages"] = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    seen["a4"] = set(re.findall(rb"/MediaBox\s*\[0 0 (\d+)\.\d+ (\d+)\.\d+\]", pdf))

    page.get_by_role("link", name="English").click()
    seen["english"] = (page.locator("html").get_attribute("lang"), page.locator("h1").inner_text())
    seen["english_nav"] = page.locator(NAV).get_by_role("link").all_inner_texts()
    page.locator(NAV).get_by_role("link", name="Survey rounds").click()
    snap("rounds-en")
    page.get_by_role("link", name="Tiếng Việt").click()
    seen["back"] = (page.locator("html").get_attribute("lang"), page.locator("h1").inner_text())
    seen["problems"] = page.problems
    context.close()
    return seen


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_staff_create_a_round_open_it_print_posters_and_switch_language(
    app: FastAPI,
    closed_province: None,
    live_server: LiveServer,
    browser: None,
    artifacts: Path,
    viewport: str,
):
    size = VIEWPORTS[viewport]

    def shot(name: str) -> Path:
        return artifacts / f"console-{name}-{size[0]}.png"

    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: main_flow(b, live_server.url, size, shot)
    )
    assert seen["draft"] == "Nháp" and seen["opened"] == "Đang mở"
    assert seen["covered"][:2] == ["C11", "C12"]
    assert seen["posters"] == 2 and seen["pdf_pages"] == 2  # one A4 page per counter
    assert seen["a4"] == {(b"594", b"841")}  # 210 × 297 mm in points
    assert seen["print_button"]  # console.js revealed it: scripts run under the CSP
    assert seen["english"] == ("en", "QR code posters · Đơn vị D1")
    assert seen["english_nav"][:4] == ["Overview", "Units", "Instruments", "Survey rounds"]
    assert seen["back"] == ("vi", "Đợt khảo sát")
    assert all(width <= size[0] for _, width in seen["widths"]), seen["widths"]
    assert seen["problems"] == []

    async with app.state.db.sessions() as session:
        from app.rounds.service import get_round

        assert (await get_round(session, "R-WEB")).status == "open"


CONSOLE_PAGES = [
    "/console/overview",
    "/console/units",
    "/console/units/new",
    "/console/units/C11/edit",
    "/console/units/import",
    "/console/units/merge",
    "/console/instruments",
    "/console/instruments/one-stop-counter",
    "/console/instruments/one-stop-counter/preview",
    "/console/rounds",
    "/console/rounds/new?root=D1",
    "/console/rounds/R2026",
    "/console/rounds/R2026/statistics",
    "/console/rounds/R2026/frame",
    "/console/rounds/R2026/plan",
    "/console/rounds/R2026/draws",
    "/console/rounds/R2026/tokens",
    "/console/rounds/R2026/quotas",
    "/console/rounds/R2026/weights",
    "/console/rounds/R2026/revisions",
    "/console/qr",
    "/console/qr/D1",
    "/console/keys",
    "/console/audit",
    "/admin/users",
    "/account/password",
]
PUBLIC_PAGES = ["/s/C11", "/s/C11?kiosk=1", "/s/C11/thanks?kiosk=1", "/s/C11?lang=en", "/login"]


def axe_scan(browser: Any, base: str, size: tuple[int, int], axe: str) -> dict[str, Any]:
    context, page = open_page(browser, size, axe)
    found: dict[str, Any] = {}
    for path in PUBLIC_PAGES:
        page.goto(base + path)
        found[path] = axe_violations(page)
    # The public form after a refused submission: error summary and invalid fields.
    page.goto(base + "/s/C11")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("#errors")
    found["/s/C11 (errors)"] = axe_violations(page)
    sign_in(page, base, "admin@x.vn")
    for path in CONSOLE_PAGES:
        page.goto(base + path)
        found[path] = axe_violations(page)
    page.goto(base + "/console/units/new")
    page.get_by_label("Mã đơn vị").fill("not a code")
    page.get_by_label("Tên đơn vị").fill("X")
    page.get_by_label("Cấp", exact=True).fill("counter")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_selector("#errors")
    found["/console/units/new (errors)"] = axe_violations(page)
    page.goto(base + "/console/units?lang=en")
    found["/console/units?lang=en"] = axe_violations(page)
    page.goto(base + "/admin/users")  # one account's page, and the form refused
    page.locator('main a[href^="/admin/users/"]').first.click()
    page.wait_for_selector("form[action$='/grant']")
    found["/admin/users/{id}"] = axe_violations(page)
    page.goto(base + "/admin/users")
    page.get_by_label("Email").fill("admin@x.vn")  # taken
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_selector("#errors")
    found["/admin/users (errors)"] = axe_violations(page)
    page.goto(base + "/console/responses?before=x")  # an error page inside the console
    found["/console/responses (error page)"] = axe_violations(page)
    context.close()
    return found


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_no_serious_accessibility_violations(
    province: None, live_server: LiveServer, browser: None, axe_source: str, viewport: str
):
    size = VIEWPORTS[viewport]
    found = await anyio.to_thread.run_sync(
        in_browser, lambda b: axe_scan(b, live_server.url, size, axe_source)
    )
    assert len(found) == len(PUBLIC_PAGES) + len(CONSOLE_PAGES) + 6
    assert {path: v for path, v in found.items() if v} == {}


def tab_to(page: Any, selector: str, limit: int = 80) -> dict[str, Any]:
    """Press Tab until the focused element matches ``selector``; how it shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return dict(
                page.evaluate(
                    """() => {
                        const el = document.activeElement, style = getComputedStyle(el);
                        const box = el.getBoundingClientRect();
                        return {outline: style.outlineStyle, width: style.outlineWidth,
                                visible: box.width > 0 && box.height > 0};
                    }"""
                )
            )
    raise AssertionError(f"Tab never reached {selector}")


def keyboard_flow(browser: Any, base: str) -> dict[str, Any]:
    context, page = open_page(browser, VIEWPORTS["laptop"])
    focus: dict[str, Any] = {}
    page.goto(base + "/login")
    focus["skip"] = tab_to(page, "a.skip")
    focus["skip_top"] = page.evaluate("document.activeElement.getBoundingClientRect().top")
    focus["login"] = tab_to(page, "#login")
    page.keyboard.type("admin@x.vn")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/overview")
    focus["nav"] = tab_to(page, f'{NAV} a[href="/console/rounds"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rounds")
    tab_to(page, 'main a[href="/console/rounds/new"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rounds/new")
    focus["select"] = tab_to(page, "#f-root")
    for _ in range(10):  # the keyboard changes a closed select's option
        if page.evaluate("document.activeElement.value") == "D1":
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "form.step button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rounds/new?root=D1")
    focus["code"] = tab_to(page, "#f-code")
    page.keyboard.type("R-KEYS")
    page.keyboard.press("Tab")
    page.keyboard.type("Đợt nhập bằng bàn phím")
    focus["checkbox"] = tab_to(page, "#u-C11")
    focus["submit"] = tab_to(page, 'form[action="/console/rounds"] button[type=submit]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rounds/R-KEYS?done=round-created")
    focus["open"] = tab_to(page, 'form[action$="/status"] button')
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rounds/R-KEYS?done=round-status")
    status = page.locator(".head .badge").inner_text()
    context.close()
    return {"focus": focus, "status": status, "problems": page.problems}


async def test_main_flow_with_the_keyboard_only(
    closed_province: None, live_server: LiveServer, browser: None
):
    seen = await anyio.to_thread.run_sync(in_browser, lambda b: keyboard_flow(b, live_server.url))
    assert seen["status"] == "Đang mở"
    focus = seen["focus"]
    assert focus.pop("skip_top") >= 0  # the skip link comes into view when focused
    for name, style in focus.items():
        assert style["visible"] and style["outline"] != "none", (name, style)
    assert seen["problems"] == []


def freeze_flow(browser: Any, base: str, axe: str) -> dict[str, Any]:
    """A closed round's figures: the freeze button does nothing until the box is ticked."""
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    sign_in(page, base, "admin@x.vn")
    revisions = f"{base}/console/rounds/R2026/revisions"
    page.goto(revisions)
    found: dict[str, Any] = {"axe": axe_violations(page)}
    page.get_by_role("button", name="Chốt và công bố").click()
    found["unticked"] = (page.url, page.locator("#f-confirm").evaluate("e => e.validity.valid"))
    page.get_by_label("Tôi hiểu rằng số liệu sẽ được công bố và chốt lại").check()
    page.get_by_role("button", name="Chốt và công bố").click()
    page.wait_for_url("**/revisions?done=round-frozen")
    found["status"] = page.locator(".head .badge").inner_text()
    found["problems"] = page.problems
    context.close()
    return found


async def test_freezing_asks_for_a_confirmation(
    closed_province: None, live_server: LiveServer, browser: None, axe_source: str
):
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: freeze_flow(b, live_server.url, axe_source)
    )
    assert seen["axe"] == []
    assert seen["unticked"] == (f"{live_server.url}/console/rounds/R2026/revisions", False)
    assert seen["status"] == "Đã công bố" and seen["problems"] == []
