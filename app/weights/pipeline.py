"""From base weights to final weights, as the inputs ask: nonresponse adjustment within
strata, then post-stratification to cell totals or raking to margins (optionally trimmed).

Pure: the caller gives base weights and, per variable, each response's category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.weights.calibration import (
    Bounds,
    Categories,
    FloatArray,
    Margin,
    check_positive,
    margin,
    poststratify,
    rake,
)
from app.weights.errors import InfeasibleBounds, WeightingError
from app.weights.schemas import CellTotal, EligibleTotal, Nonresponse, Trim, WeightingInputs

Values = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Adjusted:
    weights: FloatArray
    iterations: int  # raking sweeps (0 when nothing iterates)


def adjust(base: FloatArray, values: Values, inputs: WeightingInputs) -> Adjusted:
    """The final weights of ``inputs.method``, starting from ``base``."""
    if base.size == 0:
        raise WeightingError("the round has no valid responses to weight")
    check_positive(base)
    nonresponse = inputs.nonresponse
    weights = base if nonresponse is None else adjust_nonresponse(base, values, nonresponse)
    if inputs.method == "poststratify" and inputs.cells:
        return Adjusted(poststratify(weights, cell_margin(values, inputs.cells)), 0)
    if inputs.method == "rake" and inputs.margins:
        margins = raking_margins(values, inputs)
        bounds = trim_bounds(weights, inputs.trim, margins)
        raked = rake(weights, margins, inputs.tolerance, inputs.max_iterations, bounds)
        return Adjusted(raked.weights, raked.iterations)
    return Adjusted(weights, 0)


def _unique(pairs: Sequence[tuple[str, float]], what: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for key, total in pairs:
        if key in found:
            raise WeightingError(f"{what} {key!r} is given twice")
        found[key] = total
    return found


def _eligible_weight(given: EligibleTotal, mean_base: Mapping[str, float]) -> float:
    if given.weight is not None:
        return given.weight
    return (given.count or 0.0) * mean_base.get(given.stratum, 1.0)


def adjust_nonresponse(base: FloatArray, values: Values, spec: Nonresponse) -> FloatArray:
    """Within each stratum, w · (Σ base weights of the eligible sample / Σ of respondents').

    An eligible ``count`` stands for count × the stratum's mean base weight (equal base
    weights within a stratum, as in stratified simple random sampling).
    """
    strata = Categories.of(spec.by, values[spec.by])
    sums = strata.sums(base)
    mean = dict(zip(strata.labels, sums / strata.counts(), strict=True))
    given = [(e.stratum, _eligible_weight(e, mean)) for e in spec.eligible]
    eligible = margin(strata, _unique(given, f"{spec.by} stratum"))
    short = [
        label
        for label, total, respondents in zip(strata.labels, eligible.totals, sums, strict=True)
        if total < respondents * (1 - 1e-12)
    ]
    if short:
        listed = ", ".join(short[:5])
        raise WeightingError(f"{spec.by}: fewer eligible than respondents in {listed}")
    return poststratify(base, eligible)


def cell_key(variables: Sequence[str], categories: Sequence[str]) -> str:
    return ", ".join(f"{v}={c}" for v, c in zip(variables, categories, strict=True))


def cell_margin(values: Values, cells: Sequence[CellTotal]) -> Margin:
    """One category per combination of the cells' variables."""
    variables = list(cells[0].cell)
    rows = zip(*(values[v] for v in variables), strict=True)
    keys = [cell_key(variables, row) for row in rows]
    given = [(cell_key(variables, [c.cell[v] for v in variables]), c.total) for c in cells]
    return margin(Categories.of(" × ".join(variables), keys), _unique(given, "cell"))


def raking_margins(values: Values, inputs: WeightingInputs) -> list[Margin]:
    margins = []
    for variable in dict.fromkeys(m.variable for m in inputs.margins or []):
        given = [(m.category, m.total) for m in inputs.margins or [] if m.variable == variable]
        totals = _unique(given, f"{variable} category")
        margins.append(margin(Categories.of(variable, values[variable]), totals))
    return margins


def trim_bounds(weights: FloatArray, trim: Trim | None, margins: Sequence[Margin]) -> Bounds | None:
    """Per-response bounds on g = final / starting weight."""
    if trim is None:
        return None
    start, population = float(weights.sum()), float(margins[0].totals.sum())
    ratio = population / start
    if trim.scale == "factor" and not trim.lower <= ratio <= trim.upper:
        # The weighted mean of g is this ratio, so it must lie within the bounds.
        raise InfeasibleBounds(
            f"the margins' population ({population:.6g}) is {ratio:.4g} times the weights "
            f"raking starts from ({start:.6g}), outside the factor bounds "
            f"{trim.lower:g}-{trim.upper:g}: widen them, or bound the weights themselves "
            "(scale 'weight')"
        )
    low, high = np.full(weights.size, trim.lower), np.full(weights.size, trim.upper)
    if trim.scale == "weight":  # bounds on the weights themselves: as ratios per response
        low, high = low / weights, high / weights
    return Bounds(low, high)
