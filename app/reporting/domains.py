"""Domain indices (SIPAS 2023: policy, services) from a report's element and criterion figures.

A domain is combined by the instrument's overall rule restricted to its elements: the mean of
its criteria with data (``mean_of_criteria``), or the (weighted) mean of its elements with data.
Point estimates only: their uncertainty needs the engine's covariance and is not reported yet.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.forms.schema import Domain, Instrument
from app.reporting.schemas import DomainResult, ElementResult


def _mean(pairs: Sequence[tuple[float | None, float]]) -> float | None:
    present = [(value, weight) for value, weight in pairs if value is not None]
    total = sum(weight for _, weight in present)
    return sum(value * weight for value, weight in present) / total if total else None


def domain_index(
    instrument: Instrument, domain: Domain, elements: Sequence[ElementResult]
) -> float | None:
    """The domain's index by the instrument's overall rule, over the elements in the domain."""
    chosen = [e for e in elements if e.code in domain.elements]
    rule = instrument.aggregation
    if rule.overall == "mean_of_criteria":
        return _mean([(c.index, 1.0) for e in chosen for c in e.criteria])
    weights = rule.weights if rule.overall == "weighted_elements" else {}
    return _mean([(e.index, weights.get(e.code, 1.0)) for e in chosen])


def domain_results(
    instrument: Instrument, elements: Sequence[ElementResult], lang: str
) -> list[DomainResult]:
    """One result per declared domain, in the instrument's order."""
    return [
        DomainResult(
            code=d.code,
            name=d.name.get(lang),
            elements=list(d.elements),
            index=domain_index(instrument, d, elements),
        )
        for d in instrument.domains
    ]
