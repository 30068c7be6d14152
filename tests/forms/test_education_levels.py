"""Education: one form per school level and respondent (QĐ 3476/QĐ-BGDĐT 2019, QĐ 2329/
QĐ-BGDĐT 2017), pupils addressed as "em"; checked against the fixture, which names its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.forms.loader import LoadedForm, load_catalogue
from tests.forms.test_fidelity import FIXTURES

LEVELS = {
    "education-preschool": "education",
    "education-primary": "education",
    "education-lower-secondary": "education",
    "education-upper-secondary": "education",
    "education-pupil-lower-secondary": "education-pupil",
    "education-pupil-upper-secondary": "education-pupil",
}
LEVEL_ITEMS = {"CS5", "CS6", "HD4", "HD5"}  # asked at some levels only


@pytest.fixture
def catalogue(forms_dir: Path) -> dict[str, LoadedForm]:
    return load_catalogue(forms_dir)


@pytest.mark.parametrize("code", sorted(LEVELS))
def test_a_form_per_level_asks_that_levels_items(catalogue: dict[str, LoadedForm], code: str):
    known = FIXTURES[code]
    instrument = catalogue[code].instrument
    codes = {q.code for q in instrument.questions}
    assert "level" not in codes  # no screening question: the form is the level's
    assert all(q.show_if is None for q in instrument.questions)
    assert codes & LEVEL_ITEMS == set(known["level_items"])
    base = catalogue[LEVELS[code]].instrument  # same criterion codes as the combined form
    assert {q.code for q in instrument.criteria} <= {q.code for q in base.criteria}
    assert "HL1" in codes and "HL1" not in {q.code for q in instrument.criteria}


@pytest.mark.parametrize("code", sorted(LEVELS))
def test_each_form_addresses_its_respondent(catalogue: dict[str, LoadedForm], code: str):
    instrument = catalogue[code].instrument
    who = FIXTURES[code]["addressed_as"]
    texts = [s.stem.vi for s in instrument.sections if s.stem]
    assert texts and all(who.lower() in t.lower().split() or who in t for t in texts)
    if who == "em":  # pupils: never Ông/Bà, anywhere they read
        read = [q.text.vi for q in instrument.questions] + texts + [instrument.intro.vi]
        assert not any("Ông/Bà" in t for t in read if t)
