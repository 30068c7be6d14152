"""What the public pages show, from one frozen report (a dict as stored): the headline, the
table of the units below with their reason when withheld, the chart's bars, what changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.console.charts import Bar, Point
from app.public.withheld import places_gained, withheld_reason
from app.reporting.schemas import flat_rank


@dataclass(frozen=True)
class Figure:
    """An index as the public sees it: the number with its interval, or why there is none."""

    code: str
    name: str
    index: float | None
    low: float | None
    high: float | None
    reason: str | None
    respondents: int
    band: str | None
    rank: int | None
    ranked: int | None
    delta: float | None
    significant: bool | None
    places: int | None  # places gained since the previous round (+ up)
    level: str = ""
    criteria: tuple[Figure, ...] = ()


def figure(row: dict[str, Any], reliability: dict[str, Any], rank: int | None = None) -> Figure:
    reason = withheld_reason(row, reliability)
    ci = row.get("ci95") or [None, None]
    prev = row.get("previous") or {}
    row = flat_rank(row)  # either shape of rank_of (frozen before or after v1.1)
    rank = rank if rank is not None else row.get("rank")
    places = places_gained(prev, rank) if reason is None else None
    shown = reason is None
    return Figure(
        code=row.get("code") or row.get("unit", {}).get("code", ""),
        name=row.get("name") or row.get("unit", {}).get("name", ""),
        index=row.get("index") if shown else None,
        low=ci[0] if shown else None,
        high=ci[1] if shown else None,
        reason=reason,
        respondents=int(row.get("respondents") or 0),
        band=(row.get("band") if shown else None),
        rank=rank if shown else None,
        ranked=row.get("rank_of"),
        delta=prev.get("delta") if shown else None,
        significant=prev.get("significant") if shown else None,
        places=places,
        level=row.get("level") or row.get("unit", {}).get("level", ""),
    )


@dataclass(frozen=True)
class UnitView:
    headline: Figure
    children: list[Figure]
    elements: list[Figure]
    bars: list[Bar]
    trend: list[Point]
    changed: list[
        Figure
    ]  # elements and criteria whose change from the previous round is significant
    report: dict[str, Any]


def _point(label: str, f: Figure) -> Point:
    return Point(label, f.index, f.low, f.high)


def unit_view(
    report: dict[str, Any], earlier: Sequence[tuple[str, dict[str, Any]]] = ()
) -> UnitView:
    """``earlier``: (round code, the unit's report) of earlier published rounds, oldest first."""
    reliability = report["design"]["reliability"]
    headline = figure(report, reliability)
    children = [figure(c, reliability, c.get("rank")) for c in report["children"]]
    children.sort(key=lambda f: (f.rank is None, f.rank or 0, f.code))
    elements = []
    for e in report["elements"]:
        crits = tuple(figure(c, reliability) for c in e["criteria"])
        base = figure(e, reliability)
        elements.append(replace(base, criteria=crits))
    bars = [Bar(f.name, f.index, f.low, f.high) for f in children if f.reason is None]
    prev = report.get("previous") or {}
    trend = [_point(code, figure(r, r["design"]["reliability"])) for code, r in earlier]
    shown = {p.label for p in trend}
    previous_round = report.get("previous_round")
    if previous_round and previous_round not in shown and prev.get("index") is not None:
        trend.append(Point(previous_round, prev["index"]))  # compared with, not published
    trend.append(_point(report["round"], headline))
    changed = [f for e in elements for f in (e, *e.criteria) if f.significant]
    changed.sort(key=lambda f: -abs(f.delta or 0))
    return UnitView(headline, children, elements, bars, trend, changed, report)
