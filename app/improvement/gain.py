"""How much closing a criterion's (or element's) gap raises the unit's overall index, exactly,
from the instrument's aggregation rule.

Every share rule is linear in the criteria's indices for a fixed set of answered criteria:
overall = Σ_c a_c · index_c. The coefficient a_c is
- mean of criteria: 1 / k (k criteria with answers in the unit);
- pooled overall: W_c / Σ W (W_c: the weighted number of valid answers to c);
- mean of elements: (1 / m) · e_c, m elements with answers, e_c the criterion's share of its
  element (1 / k_e for a mean of criteria, W_c / Σ_{d∈e} W_d when the element is pooled);
- weighted elements: (w_e / Σ w) · e_c.
Raising criterion c by g points raises the overall by a_c · g; raising every criterion of an
element by g raises the element by g and the overall by g · Σ_{c∈e} a_c.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.forms.schema import Instrument


def overall_coefficients(instrument: Instrument, answered: Mapping[str, float]) -> dict[str, float]:
    """a_c for every criterion with answers (``answered``: code → weighted valid answers)."""
    rule = instrument.aggregation
    present = {q.code: answered[q.code] for q in instrument.criteria if answered.get(q.code, 0) > 0}
    if not present:
        return {}
    if rule.overall == "mean_of_criteria":
        return {c: 1 / len(present) for c in present}
    if rule.overall == "pooled":
        total = sum(present.values())
        return {c: w / total for c, w in present.items()}
    if rule.overall not in ("mean_of_elements", "weighted_elements"):
        raise ValueError(f"{instrument.code} is scored by {rule.overall}, not as a share")
    within: dict[str, float] = {}
    element_weight: dict[str, float] = {}
    for element in instrument.elements:
        members = [q.code for q in instrument.criteria_of(element.code) if q.code in present]
        if not members:
            continue
        element_weight[element.code] = (
            rule.weights[element.code] if rule.overall == "weighted_elements" else 1.0
        )
        total = sum(present[c] for c in members)
        for c in members:
            within[c] = (
                1 / len(members) if rule.element == "mean_of_criteria" else present[c] / total
            )
    norm = sum(element_weight.values())
    element_of = {q.code: q.element for q in instrument.criteria}
    return {c: element_weight[str(element_of[c])] / norm * e for c, e in within.items()}


def element_coefficients(
    instrument: Instrument, coefficients: Mapping[str, float]
) -> dict[str, float]:
    """Σ_{c∈e} a_c: what raising the whole element by one point adds to the overall."""
    found: dict[str, float] = {}
    for q in instrument.criteria:
        if q.code in coefficients and q.element:
            found[q.element] = found.get(q.element, 0.0) + coefficients[q.code]
    return found


def points_to_gain(index: float | None, reference: float | None, coefficient: float) -> float:
    """Overall points gained by raising ``index`` to ``reference`` (0 when already there)."""
    if index is None or reference is None:
        return 0.0
    return max(0.0, reference - index) * coefficient
