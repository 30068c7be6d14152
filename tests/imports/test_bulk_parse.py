"""The import's bulk validation gives, row for row, what the web form's validation gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.collection.answers import parse_submission
from app.collection.bulk import BulkParser, form_values
from app.forms.loader import load_file
from app.forms.schema import Instrument, Question

FORMS = sorted((Path(__file__).resolve().parents[2] / "survey_forms").glob("*.yaml"))


def _cell(q: Question, rng: random.Random) -> str:
    """A cell as a file might hold it: valid, invalid, blank, padded or 'na'."""
    options = [o.value for o in q.options] or ["1", "2", "3", "4", "5"]
    pick = rng.random()
    if pick < 0.2:
        return ""
    if pick < 0.3:
        return rng.choice(["na", "x", " ", "0", "6", "1;2", "2026-13-01", "2026-03-14", "-1"])
    if q.type == "multiple":
        return ";".join(rng.sample(options, rng.randint(1, min(3, len(options)))))
    if q.type == "text":
        return rng.choice(["ok", " tốt ", "a\x07b", "x" * 3000])
    if q.type in ("number", "percent"):
        return rng.choice(["3", "12,5", "1e9", "nan"])
    return rng.choice(options) if rng.random() < 0.9 else f" {rng.choice(options)}"


def _expected(instrument: Instrument, row: dict[str, str]):  # type: ignore[no-untyped-def]
    form = {q.code: form_values(q, row.get(q.code, "")) for q in instrument.questions}
    return parse_submission(instrument, {k: v for k, v in form.items() if v})


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_bulk_parser_agrees_with_the_form_row_for_row(path: Path) -> None:
    instrument = load_file(path).instrument
    parser = BulkParser(instrument)
    rng = random.Random(path.stem)
    mismatches = 0
    for _ in range(400):
        row = {q.code: _cell(q, rng) for q in instrument.questions if rng.random() < 0.9}
        got, want = parser.parse_row(row), _expected(instrument, row)
        mismatches += got.answers != want.answers or got.errors != want.errors
        assert got.answers == want.answers, row
        assert got.errors == want.errors, row
    assert mismatches == 0


def test_conditions_are_read_per_row() -> None:
    """A form with conditions: rows that differ only in the answer a condition reads get
    different outcomes (nothing remembered across them wrongly)."""
    conditional = [p for p in FORMS if "show_if" in p.read_text(encoding="utf-8")]
    assert conditional
    instrument = load_file(conditional[0]).instrument
    parser = BulkParser(instrument)
    assert parser.read, "the instrument's conditions read some question"
    rng = random.Random(1)
    outcomes = set()
    for _ in range(300):
        row = {q.code: _cell(q, rng) for q in instrument.questions}
        got = parser.parse_row(row)
        assert got.errors == _expected(instrument, row).errors
        outcomes.add(tuple(sorted(got.errors)))
    assert len(outcomes) > 1
