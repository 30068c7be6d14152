"""Every shipped instrument at 320 px: each rating block shows its question stem, and the page
never scrolls sideways (before and after every conditional block is revealed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from app.forms.loader import load_catalogue
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import make_province

pytestmark = pytest.mark.browser

WIDTH = 320
FORMS = sorted(load_catalogue(Path(__file__).resolve().parents[2] / "survey_forms"))


def stems_and_widths(browser: Any, url: str, shot: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    widths = [page.evaluate("document.documentElement.scrollWidth")]
    # Reveal every conditional block, as the answers that open them would.
    page.evaluate("document.querySelectorAll('[hidden]').forEach(e => e.hidden = false)")
    widths.append(page.evaluate("document.documentElement.scrollWidth"))
    stems = {
        s.get_attribute("id").removeprefix("stem-"): s.inner_text()
        for s in page.locator("p.stem").all()
        if s.is_visible()
    }
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    return {"stems": stems, "width": max(widths)}


@pytest.mark.parametrize("form", FORMS)
async def test_instrument_shows_its_stems_at_320px(
    app: FastAPI, live_server: LiveServer, browser: None, artifacts: Path, form: str
):
    await make_province(app, form_code=form)
    instrument = app.state.catalogue.get(form).instrument.asked  # without system items
    expected = {s.code: s.stem.vi for s in instrument.sections if s.stem is not None}
    rated = {s.code for s in instrument.sections if any(q.type == "rating" for q in s.questions)}
    assert rated and rated <= set(expected)
    shot = artifacts / f"stems-{form}-{WIDTH}.png"

    def scenario(browser: Any) -> dict[str, Any]:
        return stems_and_widths(browser, f"{live_server.url}/s/C11", shot)

    seen = await anyio.to_thread.run_sync(in_browser, scenario)
    assert seen["stems"] == expected
    assert seen["width"] <= WIDTH
