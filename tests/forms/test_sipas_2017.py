"""QĐ 2640/QĐ-BNV (2017) in the method's own structure: 22 opinion statements, satisfaction
asked once per element, a citizen and an organisation/business variant (issue #22). The
fixture (tests/forms/fixtures/instrument_methods.yaml) names its source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.forms.loader import FormFileError, LoadedForm, load_catalogue
from app.forms.method import measure_of
from tests.forms.test_fidelity import FIXTURES, overall_by_rule

VARIANTS = ("sipas-2017-opinion", "sipas-2017-organisation")


@pytest.fixture
def catalogue(forms_dir: Path) -> dict[str, LoadedForm]:
    return load_catalogue(forms_dir)


@pytest.mark.parametrize("code", VARIANTS)
def test_opinions_and_satisfaction_per_element(catalogue: dict[str, LoadedForm], code: str):
    known = FIXTURES[code]
    instrument = catalogue[code].instrument
    opinions = [q for q in instrument.questions if q.type == "rating" and q.element is None]
    assert len(opinions) == known["opinions"]
    by_section = [
        sum(1 for q in instrument.questions if q in opinions and q in s.questions)
        for s in instrument.sections
        if s.code in {e.code for e in instrument.elements}
    ]
    assert by_section == known["opinions_by_element"]
    for q in opinions:  # an assessment, not a satisfaction rating: no "satisfied" levels
        scale = instrument.scale_of(q)
        assert q.scale == "agree" and scale.satisfied == ()
        assert "đồng ý" in scale.levels[-1].label.vi.lower()
    for element in instrument.elements:  # the one satisfaction item closes its element
        (item,) = instrument.criteria_of(element.code)
        section = next(s for s in instrument.sections if s.code == element.code)
        assert section.questions[-1] == item and "hài lòng" in item.text.vi
        assert known["addressed_as"] in item.text.vi
        assert section.stem is not None and known["addressed_as"] in section.stem.vi


@pytest.mark.parametrize("code", VARIANTS)
def test_statements_name_the_2017_criteria(catalogue: dict[str, LoadedForm], code: str):
    instrument = catalogue[code].instrument
    earlier = catalogue["sipas-2017"].instrument
    mapped = [q.previous_codes["sipas-2017"] for q in instrument.questions if q.previous_codes]
    assert mapped == [q.code for q in earlier.criteria]  # each of the 22, in order, once
    assert measure_of(instrument.method).kind == "sipas"
    assert measure_of(instrument.method).sipas is False  # adapted: not the official figure


def test_the_index_is_the_mean_of_the_five_elements(catalogue: dict[str, LoadedForm]):
    elements = np.array([83.00, 83.02, 83.12, 83.03, 82.27])
    for code in VARIANTS:
        instrument = catalogue[code].instrument
        assert instrument.aggregation.overall == "mean_of_elements"
        assert overall_by_rule(instrument, elements) == pytest.approx(elements.mean())


def test_organisation_variant_addresses_the_organisation(catalogue: dict[str, LoadedForm]):
    organisation = catalogue["sipas-2017-organisation"].instrument
    texts = [q.text.vi for q in organisation.questions]
    assert not any("Ông/Bà" in t for t in texts)
    assert {"org_type", "position"} <= {q.code for q in organisation.questions}
    citizen = catalogue["sipas-2017-opinion"].instrument
    assert "org_type" not in {q.code for q in citizen.questions}


def test_a_statement_mapped_to_an_unknown_question_is_refused(forms_dir: Path, tmp_path: Path):
    for name in ("sipas-2017.yaml", "sipas-2017-opinion.yaml"):
        text = (forms_dir / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(
            text.replace("{sipas-2017: TC01}", "{sipas-2017: TC99}"), encoding="utf-8"
        )
    with pytest.raises(FormFileError, match="ND01: TC99 is not a question of sipas-2017"):
        load_catalogue(tmp_path)
