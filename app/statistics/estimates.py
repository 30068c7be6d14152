"""Indices for a unit (its subtree pooled), its elements and criteria; ranks among siblings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.forms.schema import Instrument
from app.statistics.tally import CriterionTally, RoundTally

# Indices equal to this many decimals share a rank (sums in another order differ at 1e-15).
RANK_DECIMALS = 9


@dataclass(frozen=True)
class CriterionEstimate:
    code: str
    index: float | None  # weighted share satisfied, percent
    respondents: int
    weighted_respondents: float


@dataclass(frozen=True)
class ElementEstimate:
    code: str
    index: float | None
    criteria: list[CriterionEstimate]


@dataclass(frozen=True)
class UnitEstimate:
    respondents: int
    weighted_respondents: float
    index: float | None
    elements: list[ElementEstimate]


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _pool(tallies: Iterable[CriterionTally]) -> CriterionTally:
    n = s = 0
    w = sw = 0.0
    for t in tallies:
        n, s, w, sw = n + t.n, s + t.satisfied, w + t.weight_sum, sw + t.satisfied_weight
    return CriterionTally(n, s, w, sw)


def estimate(instrument: Instrument, tally: RoundTally, unit_ids: set[int]) -> UnitEstimate:
    """Pool the tallies of ``unit_ids`` and apply the instrument's aggregation rule."""
    elements: list[ElementEstimate] = []
    for element in instrument.elements:
        criteria = []
        for q in instrument.criteria_of(element.code):
            by_unit = tally.criteria.get(q.code, {})
            pooled = _pool(by_unit[u] for u in unit_ids if u in by_unit)
            index = (
                100.0 * pooled.satisfied_weight / pooled.weight_sum if pooled.weight_sum else None
            )
            criteria.append(CriterionEstimate(q.code, index, pooled.n, pooled.weight_sum))
        elements.append(ElementEstimate(element.code, _mean(c.index for c in criteria), criteria))
    overall = overall_index(instrument, elements)
    units = [tally.units[u] for u in unit_ids if u in tally.units]
    return UnitEstimate(
        respondents=sum(u.respondents for u in units),
        weighted_respondents=sum(u.weight_sum for u in units),
        index=overall,
        elements=elements,
    )


def overall_index(instrument: Instrument, elements: list[ElementEstimate]) -> float | None:
    """The instrument's declared rule; elements or criteria without data are left out."""
    rule = instrument.aggregation
    if rule.overall == "mean_of_elements":
        return _mean(e.index for e in elements)
    if rule.overall == "weighted_elements":
        weighted = [(rule.weights[e.code], e.index) for e in elements if e.index is not None]
        total = sum(w for w, _ in weighted)
        return sum(w * i for w, i in weighted) / total if total else None
    if rule.overall == "mean_of_criteria":
        return _mean(c.index for e in elements for c in e.criteria)
    raise ValueError(f"{instrument.code} is scored by {rule.overall}, not as a satisfaction share")


def competition_ranks(indices: Sequence[float | None]) -> list[int | None]:
    """1 = best; equal indices share a rank and the next rank skips (1, 2, 2, 4)."""
    keyed = [round(v, RANK_DECIMALS) if v is not None else None for v in indices]
    present = sorted((v for v in keyed if v is not None), reverse=True)
    first_position: dict[float, int] = {}
    for position, value in enumerate(present, start=1):
        first_position.setdefault(value, position)
    return [first_position[v] if v is not None else None for v in keyed]
