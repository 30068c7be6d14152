"""Points instruments (TT 01/2018): indicator scores, their total and the class it reaches.

Exact decimal arithmetic: an indicator's score is the mean of whole points over the dossiers,
rounded half up to the declared decimals, and the total is their sum, so that a total of
exactly 15.0 is 15.0 and reaches the class that starts at 15.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.forms.schema import Instrument, ScoreClass


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    score: Decimal | None  # None: no dossier had data for it (left out of the total)
    dossiers: int


@dataclass(frozen=True)
class PointsResult:
    indicators: list[IndicatorScore]
    total: Decimal | None
    maximum: Decimal
    score_class: ScoreClass | None


def mean_points(counts: Mapping[float, int], decimals: int) -> Decimal | None:
    """Mean of the points over dossiers (``counts``: points → dossiers), rounded half up."""
    n = sum(counts.values())
    if not n:
        return None
    total = sum((Decimal(str(points)) * k for points, k in counts.items()), Decimal(0))
    return (total / n).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def classify(total: Decimal, classes: Sequence[ScoreClass]) -> ScoreClass:
    """The first (best) class whose minimum the total reaches; the last class has none."""
    for score_class in classes:
        if score_class.min is None or total >= Decimal(str(score_class.min)):
            return score_class
    raise ValueError("classes must end with a class without a minimum")


def points_result(
    instrument: Instrument, counts: Mapping[str, Mapping[float, int]]
) -> PointsResult:
    """Scores of every criterion (indicator), the total over those with data, and its class."""
    decimals = instrument.aggregation.decimals or 0
    indicators = []
    maximum = Decimal(0)
    for q in instrument.criteria:
        by_points = counts.get(q.code, {})
        score = mean_points(by_points, decimals)
        indicators.append(IndicatorScore(q.code, score, sum(by_points.values())))
        if score is not None:
            maximum += max(Decimal(lvl.value) for lvl in instrument.scale_of(q).levels)
    present = [i.score for i in indicators if i.score is not None]
    total = sum(present, Decimal(0)) if present else None
    score_class = classify(total, instrument.aggregation.classes) if total is not None else None
    return PointsResult(indicators, total, maximum, score_class)
