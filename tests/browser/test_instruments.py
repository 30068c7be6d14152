"""Every shipped instrument, answered by a person on a 360px phone, reaches the statistics.

One generic helper walks the instrument definition in document order and answers each question
that is visible at that moment (clicking labels, typing into fields), so questions revealed by
earlier answers (form.js) are answered too; a small table says what to pick and what to expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from app.forms.schema import Instrument, Question
from app.reporting.questions import questions_report
from app.reporting.service import satisfaction_report
from tests.browser.conftest import in_browser
from tests.conftest import LiveServer
from tests.factories import make_province, province_today

pytestmark = pytest.mark.browser

WIDTH = 360


@dataclass(frozen=True)
class Case:
    form: str
    answers: dict[str, str | list[str]] = field(default_factory=dict)
    """Overrides of the default answer per question code (ratings default to the top level)."""
    revealed: frozenset[str] = frozenset()
    """Questions hidden at load that the answers must reveal (and get answered); none if empty."""
    still_hidden: frozenset[str] = frozenset()
    """Conditional questions the answers must leave hidden."""
    indices: dict[str, float | None] = field(default_factory=dict)
    """Expected criterion index (Likert) or indicator score (points) per criterion code."""
    points: tuple[float, float, str] | None = None
    """Expected (total, maximum, class) for points instruments."""


CASES = [
    Case("one-stop-counter", {"ACC1": "2"}, indices={"ACC1": 0.0, "PRO1": 100.0}),
    Case(
        "one-stop-kiosk",
        {"K1": "2", "K1_why": "Phải chờ lâu", "K5": "na"},
        revealed=frozenset({"K1_why"}),
        still_hidden=frozenset({"K2_why"}),
        indices={"K1": 0.0, "K2": 100.0, "K5": None},
    ),
    Case("sipas-2017", {"TC05": "2", "TC10": "4"}, indices={"TC05": 0.0, "TC10": 100.0}),
    Case("sipas-2017-opinion", {"HL1": "2", "ND01": "1"}, indices={"HL1": 0.0, "HL3": 100.0}),
    Case("sipas-2017-organisation", {"HL5": "3"}, indices={"HL5": 0.0, "HL1": 100.0}),
    Case(
        "sipas-household",
        {"used_service": "yes", "got_result": "yes", "gave_feedback": "no", "DV11": "2"},
        revealed=frozenset({"got_result", "gave_feedback", "harassment", "DV01", "DV11"}),
        still_hidden=frozenset({"DV14", "DV16"}),
        indices={"DV11": 0.0, "CS01": 100.0, "DV14": None},
    ),
    Case(
        "tt01-2018",
        {"channel": "device", "TT3": "0", "TT4": "1"},
        # The citizen answers 3, 4, 6, 7, 8 only (1, 2, 5, 9 come from the e-system, by the
        # desk's import): TT3 at 0, TT4 at 1, three at 2: 7 of 10 → "Trung bình" (6–8.9)
        indices={"TT1": None, "TT3": 0.0, "TT4": 1.0, "TT6": 2.0, "TT9": None},
        points=(7.0, 10.0, "Trung bình"),
    ),
    Case("health-outpatient", {"NGB10": "2"}, indices={"NGB10": 0.0}),
    Case("health-inpatient", {"NTC10": "2", "NTC11": "na"}, indices={"NTC10": 0.0}),
    Case(
        "education",
        {"level": "lower_secondary", "CS6": "2"},
        revealed=frozenset({"CS6", "HD5"}),
        still_hidden=frozenset({"CS5", "HD4"}),
        indices={"CS6": 0.0, "HD5": 100.0, "TC1": 100.0, "CS5": None},
    ),
    Case("education-pupil", {"MT1": "2"}, indices={"MT1": 0.0, "TC4": 100.0, "HD5": 100.0}),
    Case("education-preschool", {"HD4": "2"}, indices={"HD4": 0.0, "CS5": 100.0, "CS6": None}),
    Case("education-pupil-upper-secondary", {"HD5": "1"}, indices={"HD5": 0.0, "MT1": 100.0}),
]


def default_answer(instrument: Instrument, q: Question) -> str | list[str]:
    """What a satisfied, ordinary respondent would give when the table says nothing."""
    if q.type == "rating":
        return str(max(level.value for level in instrument.scale_of(q).levels))
    if q.type == "single":
        return q.options[0].value
    if q.type == "multiple":
        return [q.options[0].value, q.options[-1].value]
    if q.type in ("number", "percent"):
        low, high = q.bounds
        return f"{min(max(40.0, low or 0.0), 40.0 if high is None else high):g}"
    if q.type == "date":
        return (province_today() - timedelta(days=3)).isoformat()
    return "Cán bộ nhiệt tình, hướng dẫn rõ ràng."


def answer_visible(page: Any, instrument: Instrument, case: Case) -> dict[str, Any]:
    """Answer, in document order, every question visible at the moment it is reached."""
    hidden_at_load = {q.code for q in instrument.questions if not visible(page, q)}
    answered: list[str] = []
    for q in instrument.questions:
        if not visible(page, q):
            continue
        box = page.locator(f"#q-{q.code}")
        value = case.answers.get(q.code) or default_answer(instrument, q)
        if q.type in ("rating", "single", "multiple"):
            for v in [value] if isinstance(value, str) else value:
                box.locator(f'label:has(> input[value="{v}"])').click()
                assert box.locator(f'input[value="{v}"]').is_checked(), (q.code, v)
        else:
            box.locator(f"#f-{q.code}").fill(str(value))
        answered.append(q.code)
    return {
        "hidden_at_load": hidden_at_load,
        "answered": answered,
        "hidden_after": {q.code for q in instrument.questions if not visible(page, q)},
    }


def visible(page: Any, q: Question) -> bool:
    return bool(page.locator(f"#q-{q.code}").is_visible())


def fill_and_submit(
    browser: Any, url: str, instrument: Instrument, case: Case, shot: Path
) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 640}, locale="vi-VN")
    page = context.new_page()
    page.goto(url)
    widths = [page.evaluate("document.documentElement.scrollWidth")]
    seen = answer_visible(page, instrument, case)
    widths.append(page.evaluate("document.documentElement.scrollWidth"))
    page.screenshot(path=str(shot), full_page=True)
    # A full-page screenshot of a very long page can leave Chromium's hit testing stale for
    # a moment (the click lands on the form, not the button); re-layout before clicking.
    page.evaluate("window.scrollTo(0, 0)")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đánh giá").click()
    seen["url"] = page.url
    seen["errors"] = page.locator("#errors li").all_inner_texts()
    seen["heading"] = page.locator("h1").inner_text()
    seen["width"] = max(widths)
    context.close()
    return seen


@pytest.mark.parametrize("case", CASES, ids=[c.form for c in CASES])
async def test_instrument_answered_in_a_browser_reaches_statistics(
    app: FastAPI, live_server: LiveServer, browser: None, artifacts: Path, case: Case
):
    await make_province(app, form_code=case.form)
    instrument = app.state.catalogue.get(case.form).instrument.asked  # as citizens see it
    url = f"{live_server.url}/s/C11"
    shot = artifacts / f"instrument-{case.form}-{WIDTH}.png"

    def scenario(browser: Any) -> dict[str, Any]:
        return fill_and_submit(browser, url, instrument, case, shot)

    seen = await anyio.to_thread.run_sync(in_browser, scenario)
    assert seen["errors"] == [] and seen["url"].endswith("/s/C11/thanks"), seen
    assert seen["heading"] == "Xin cảm ơn!"
    assert seen["width"] <= WIDTH  # no sideways scrolling, before or after answering
    revealed = seen["hidden_at_load"] & set(seen["answered"])
    assert case.revealed <= revealed if case.revealed else not revealed
    assert case.still_hidden <= seen["hidden_after"]
    assert set(seen["answered"]) | seen["hidden_after"] == {q.code for q in instrument.questions}

    async with app.state.db.sessions() as session:
        if case.points is None:
            report = await satisfaction_report(session, app.state.catalogue, "R2026", "C11")
            assert report.respondents == 1
            got = {c.code: c.index for e in report.elements for c in e.criteria}
        else:
            points = (await questions_report(session, app.state.catalogue, "R2026", "C11")).points
            assert points is not None
            assert (points.total, points.maximum, points.score_class) == case.points
            got = {i.code: i.score for i in points.indicators}
    assert {code: got.get(code) for code in case.indices} == case.indices
