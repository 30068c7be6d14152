"""Public results in Chromium at 360 px and 1366 px: no serious or critical axe violation,
no sideways scrolling on a phone; the verify page checks an uploaded file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings, get_settings
from tests.browser.conftest import axe_violations, in_browser
from tests.conftest import LiveServer
from tests.public.helpers import frozen_province, make_public

pytestmark = pytest.mark.browser
PAGES = (
    "/public",
    "/public/R2026",
    "/public/R2026?lang=en",
    "/public/R2026/units/D1",
    "/public/R2026/method",
    "/public/R2026/embed",
    "/public/verify",
)


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Three responses make an estimate reliable (reliable and withheld units side by side)."""
    monkeypatch.setenv("SIPAS_RELIABILITY_MIN_N", "3")
    get_settings.cache_clear()
    yield settings.model_copy(update={"reliability_min_n": 3})
    monkeypatch.delenv("SIPAS_RELIABILITY_MIN_N")
    get_settings.cache_clear()


def audit_pages(browser: Any, base: str, axe: str, shots: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for width in (360, 1366):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
        context.add_init_script(axe)
        page = context.new_page()
        for path in PAGES:
            answer = page.goto(base + path)
            assert answer is not None and answer.status == 200, path
            found[(width, path)] = {
                "violations": axe_violations(page),
                "overflow": page.evaluate("document.documentElement.scrollWidth"),
            }
        page.goto(base + "/public/R2026")
        page.screenshot(path=str(shots / f"public-province-{width}.png"), full_page=True)
        context.close()
    return found


def verify_upload(browser: Any, base: str, good: Path, bad: Path) -> tuple[str, str]:
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    results = []
    for file in (good, bad):
        page.goto(base + "/public/verify")
        page.get_by_label("Tệp", exact=True).set_input_files(str(file))
        page.get_by_role("button", name="Kiểm tra").click()
        page.wait_for_selector("#h-result")
        results.append(page.locator(".result").inner_text())
    context.close()
    return results[0], results[1]


async def test_public_pages_are_accessible_on_a_phone_and_a_desktop(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_server: LiveServer,
    browser: None,
    axe_source: str,
    artifacts: Path,
    tmp_path: Path,
):
    await frozen_province(app, client)
    await make_public(client)
    seen = await anyio.to_thread.run_sync(
        in_browser, lambda b: audit_pages(b, live_server.url, axe_source, artifacts)
    )
    for (width, path), result in seen.items():
        assert result["violations"] == [], (width, path, result["violations"])
        if width == 360:
            assert result["overflow"] <= 360, (path, result["overflow"])

    published = (await client.get("/open-data/R2026/1/units.csv")).content
    good, bad = tmp_path / "units.csv", tmp_path / "units-changed.csv"
    good.write_bytes(published)
    bad.write_bytes(published[:-2] + bytes([published[-2] ^ 1]) + published[-1:])
    accepted, refused = await anyio.to_thread.run_sync(
        in_browser, lambda b: verify_upload(b, live_server.url, good, bad)
    )
    assert "Khớp." in accepted and "units.csv" in accepted
    assert "Không khớp." in refused
