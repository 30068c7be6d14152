"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright; never downloaded."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
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


class _Chromium:
    """One headless Chromium for the whole run, driven from its own thread.

    Playwright's sync API belongs to the thread that started it, so every scenario runs on
    this one thread; each gets fresh contexts, closed after it. A launch per test cost
    ~1.4 s of CPU (about 90 launches per backend in CI). A browser that died is relaunched.
    """

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="chromium")
        self._playwright: Any = None
        self._browser: Any = None

    def _run(self, scenario: Callable[[Any], T]) -> T:
        if self._playwright is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
        if self._browser is None or not self._browser.is_connected():
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        try:
            return scenario(self._browser)
        finally:
            for context in self._browser.contexts:
                with contextlib.suppress(Exception):  # already closed, or the browser died
                    context.close()

    def run(self, scenario: Callable[[Any], T]) -> T:
        return self._thread.submit(self._run, scenario).result()

    def _stop(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None

    def stop(self) -> None:
        self._thread.submit(self._stop).result()


_CHROMIUM = _Chromium()


def in_browser(scenario: Callable[[Any], T]) -> T:
    """Run ``scenario(browser)`` in the run's headless Chromium; it opens its own contexts.

    Blocks the calling thread (tests call this through ``anyio.to_thread.run_sync``, so the
    app under test keeps serving on the live server meanwhile).
    """
    return _CHROMIUM.run(scenario)


@pytest.fixture(scope="session", autouse=True)
def _chromium_closed_at_end() -> Iterator[None]:
    yield
    _CHROMIUM.stop()


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
