"""Property: any valid definition and answers survive render → browser submission → parse."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.collection.answers import parse_submission
from app.forms.schema import Instrument
from app.forms.visibility import visibility
from app.i18n import Translator, install

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "app" / "templates")
install(TEMPLATES, Translator())  # the same gettext as the app's
ENV = TEMPLATES.env
TYPES = ["rating", "single", "multiple", "number", "percent", "text", "date"]
words = st.text(
    st.characters(codec="utf-8", exclude_categories=("C", "Zl", "Zp")) | st.just("\n"), max_size=30
).map(lambda s: unicodedata.normalize("NFC", s).strip())


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    levels = draw(st.integers(2, 5))
    scale = {
        "levels": [{"value": v, "label": {"vi": f"Mức {v}"}} for v in range(1, levels + 1)],
        "satisfied": [levels],
        **({"not_applicable": {"vi": "Không áp dụng"}} if draw(st.booleans()) else {}),
    }
    questions: list[dict[str, Any]] = [
        {"code": "Q0", "type": "rating", "element": "e", "text": {"vi": "Câu 0"}}
    ]
    for i in range(1, draw(st.integers(1, 6))):
        q: dict[str, Any] = {"code": f"Q{i}", "type": draw(st.sampled_from(TYPES))}
        q |= {"text": {"vi": f"Câu {i}"}, "required": draw(st.booleans())}
        if q["type"] in ("single", "multiple"):
            n = draw(st.integers(2, 4))
            q["options"] = [{"value": f"o{k}", "label": {"vi": f"<Ý {k}> & “x”"}} for k in range(n)]
        if q["type"] == "number":
            q |= {"min": -5, "max": 50}
        if draw(st.booleans()):
            q["show_if"] = {"question": "Q0", "in": [str(draw(st.integers(1, levels)))]}
        questions.append(q)
    split = draw(st.integers(1, len(questions)))
    sections = [{"code": "s1", "title": {"vi": "Phần 1"}, "questions": questions[:split]}]
    if questions[split:]:
        sections.append({"code": "s2", "title": {"vi": "Phần 2"}, "questions": questions[split:]})
    return Instrument.model_validate(
        {"code": "gen", "version": "1", "title": {"vi": "Phiếu"}, "scale": scale,
         "elements": [{"code": "e", "name": {"vi": "Yếu tố"}}], "sections": sections}
    )  # fmt: skip


def answer_for(draw: st.DrawFn, instrument: Instrument, code: str) -> list[str]:
    q = next(x for x in instrument.questions if x.code == code)
    if q.type == "rating":
        values = sorted(instrument.scale_of(q).value_strings())
        if instrument.not_applicable_label(q):
            values.append("na")
        return [draw(st.sampled_from(values))]
    if q.type == "single":
        return [draw(st.sampled_from([o.value for o in q.options]))]
    if q.type == "multiple":
        order = [o.value for o in q.options]  # a browser sends checkboxes in page order
        chosen = draw(st.lists(st.sampled_from(order), min_size=1, unique=True))
        return sorted(chosen, key=order.index)
    if q.type in ("number", "percent"):
        low, high = q.bounds
        return [f"{draw(st.integers(int(low or 0), int(high or 100)))}"]
    if q.type == "date":
        return [draw(st.dates()).isoformat()]
    return [draw(words.filter(bool))]


@st.composite
def answered(draw: st.DrawFn) -> tuple[Instrument, dict[str, list[str]]]:
    instrument = draw(instruments())
    raw: dict[str, list[str]] = {}
    for q in instrument.questions:
        shown = visibility(instrument, raw)[q.code]
        if shown.visible and (shown.required or draw(st.booleans())):
            raw[q.code] = answer_for(draw, instrument, q.code)
    return instrument, raw


class Submitted(HTMLParser):
    """What a browser sends for a form: enabled checked boxes, inputs and textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "disabled" in a or "name" not in a:
            return
        name = a["name"] or ""
        if tag == "textarea":
            self._textarea = name
            self.fields.setdefault(name, []).append("")
        elif tag == "input" and (a.get("type") not in ("radio", "checkbox") or "checked" in a):
            self.fields.setdefault(name, []).append(a.get("value") or "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answered())
def test_render_submit_parse_round_trip(case: tuple[Instrument, dict[str, list[str]]]):
    instrument, raw = case
    html = ENV.get_template("_questions.html").render(
        form=instrument, values=raw, errors={}, lang="vi", shown=visibility(instrument, raw)
    )
    parser = Submitted()
    parser.feed(html)
    sent = {k: v for k, v in parser.fields.items() if any(x.strip() for x in v)}
    assert sent == raw
    parsed = parse_submission(instrument, sent)
    assert parsed.ok, parsed.errors
    stored = {(a.question, a.ordinal): (a.value, a.text) for a in parsed.answers}
    assert {code for code, _ in stored} == set(raw)
    for code, values in raw.items():
        for i, value in enumerate(values):
            number, text = stored[(code, i)]
            assert (f"{number:g}" if number is not None else text) == value
