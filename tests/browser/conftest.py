"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright; never downloaded."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
CHROMIUM = os.environ.get("SIPAS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# axe-core, pinned in tests/browser/package.json (`npm ci --prefix tests/browser`).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("SIPAS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


def in_browser(scenario: Callable[[Any], T]) -> T:
    """Run ``scenario(browser)`` with a fresh headless Chromium, in the calling thread.

    Playwright's sync API runs its own event loop, so tests call this through
    ``anyio.to_thread.run_sync`` while the app under test serves on the live server.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return scenario(browser)
        finally:
            browser.close()


@pytest.fixture
def browser() -> None:
    require_chromium()


@pytest.fixture
def axe_source() -> str:
    """axe-core's source, injected into pages by the accessibility tests."""
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE}): run npm ci --prefix tests/browser"
        if os.environ.get("SIPAS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe violations on the page as it is now.

    axe must have been added with ``context.add_init_script(axe_source)``: init scripts are
    injected by the browser itself, so the pages keep their CSP (no inline scripts) intact.
    """
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
