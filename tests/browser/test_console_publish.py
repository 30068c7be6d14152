"""The console's revisions page after freezing and publishing: the jobs table (kind, status,
wait and run times) is accessible at phone and desktop widths; publishing comes back to it."""

from __future__ import annotations

from typing import Any

import anyio

from tests.browser.conftest import axe_violations, in_browser
from tests.browser.test_console import VIEWPORTS, closed_province, open_page, sign_in  # noqa: F401
from tests.conftest import LiveServer


def publish_flow(browser: Any, base: str, axe: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    context, page = open_page(browser, VIEWPORTS["phone"], axe)
    sign_in(page, base, "admin@x.vn")
    page.goto(f"{base}/console/rounds/R2026/revisions")
    page.get_by_label("Tôi hiểu rằng số liệu sẽ được công bố và chốt lại").check()
    page.get_by_role("button", name="Chốt và công bố").click()
    page.wait_for_url("**/revisions?done=round-frozen")
    page.get_by_role("button", name="Công khai phiên bản 1").click()
    page.wait_for_url("**/revisions?done=revision-public")
    found["jobs"] = page.locator("#jobs tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.status, r.querySelector('.timing').innerText])"
    )
    found["public"] = page.locator("#public-1 a").first.get_attribute("href")
    for name, size in (("phone", VIEWPORTS["phone"]), ("desktop", (1366, 900))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        found[f"axe-{name}"] = axe_violations(page)
    found["problems"] = page.problems
    context.close()
    return found


async def test_publishing_from_the_console_lists_the_jobs_with_their_times(
    closed_province: None,  # noqa: F811
    live_server: LiveServer,
    browser: None,
    axe_source: str,
):
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: publish_flow(b, live_server.url, axe_source)
    )
    assert seen["axe-phone"] == [] and seen["axe-desktop"] == []
    assert [status for status, _ in seen["jobs"]] == ["done", "done"]  # publish, then freeze
    assert all("chờ" in timing and "chạy" in timing for _, timing in seen["jobs"]), seen["jobs"]
    assert seen["public"] == "/public/R2026?revision=1" and seen["problems"] == []
