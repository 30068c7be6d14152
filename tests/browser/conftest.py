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
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
