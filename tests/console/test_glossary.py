"""The console's Vietnamese uses one term per concept (checked over the whole catalogue).

The English catalogue names the concept of each message, so a Vietnamese term used for two
concepts (e.g. "chỉ tiêu" for both the satisfaction target and the number of forms to collect)
shows as a message whose English names the other concept.
"""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from app.i18n.catalogue import read_catalogue

# concept (as the English says it) → the one Vietnamese term for it
GLOSSARY = {
    "target": "chỉ tiêu",  # the satisfaction target of a unit (e.g. SIPAS ≥ 89%)
    "quota": "số phiếu cần thu",  # the number of valid forms to collect at a unit
    "criteri": "tiêu chí",
    "element": "yếu tố",
    "sample size": "cỡ mẫu",
    "frame": "khung mẫu",
}
RETIRED = ("hạn ngạch", "mục tiêu")  # former words for quota and target


def pairs(catalogue: Catalog) -> list[tuple[str, str]]:
    out = []
    for message in catalogue:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            out.append((message.id.lower(), message.string.lower()))
    return out


@pytest.fixture(scope="module")
def messages() -> list[tuple[str, str]]:
    return pairs(read_catalogue("en"))


@pytest.mark.parametrize("concept", sorted(GLOSSARY))
def test_each_concept_has_one_vietnamese_term(messages: list[tuple[str, str]], concept: str):
    term = GLOSSARY[concept]
    other_name = [(vi, en) for vi, en in messages if concept in en and term not in vi]
    other_concept = [(vi, en) for vi, en in messages if term in vi and concept not in en]
    assert other_name == [], f"{concept!r} said without {term!r}"
    assert other_concept == [], f"{term!r} used for something other than {concept!r}"


def test_retired_terms_are_gone(messages: list[tuple[str, str]]):
    assert [vi for vi, _ in messages if any(word in vi for word in RETIRED)] == []


def test_the_check_sees_a_term_used_for_two_concepts():
    catalogue = Catalog(locale="en")
    catalogue.add("Lưu chỉ tiêu", "Save the quotas")
    found = pairs(catalogue)
    assert [vi for vi, en in found if "quota" in en and GLOSSARY["quota"] not in vi] == [
        "lưu chỉ tiêu"
    ]
