"""Bands, targets and the change from the previous round, added to satisfaction reports.

Loaded once per round (bands, targets, the previous round's tallies, unit lineage) and then
applied to as many reports as needed. Standard errors and 95% intervals are read from the
report items (fields ``se`` and ``ci95``) and from the previous round's estimates (attribute
``se``) when the statistics provide them; without them ``significant`` is null and targets are
judged on the point estimate (``basis`` says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.registry import Catalogue
from app.models import Round, Target
from app.reporting.comparison_schemas import BandOut, PreviousResult, TargetResult
from app.reporting.previous import RoundFigures, criterion_codes, previous_figures
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import ReportTarget
from app.statistics.comparisons import Band, band_of, change, target_status
from app.statistics.estimates import UnitEstimate, competition_ranks, estimate
from app.units.lineage import Predecessors, lineage_ids, load_predecessors
from app.units.service import UnitTree


def round_bands(round_: Round) -> list[Band]:
    return [Band(str(b["label"]), b.get("min")) for b in round_.bands or []]


async def round_targets(session: AsyncSession, round_id: int) -> dict[int, float]:
    rows = await session.execute(
        select(Target.unit_id, Target.value).where(Target.round_id == round_id)
    )
    return {unit_id: value for unit_id, value in rows}


def se_of(item: Any) -> float | None:
    value = getattr(item, "se", None)
    return float(value) if isinstance(value, int | float) else None


def ci_of(item: Any) -> tuple[float, float] | None:
    """A 95% interval as (low, high), from a pair or an object with low/high or lower/upper."""
    ci = getattr(item, "ci95", None)
    if ci is None:
        return None
    if isinstance(ci, Sequence) and len(ci) == 2:
        low, high = ci
    else:
        low = getattr(ci, "low", getattr(ci, "lower", None))
        high = getattr(ci, "high", getattr(ci, "upper", None))
    if low is None or high is None:
        return None
    return float(low), float(high)


def previous_result(
    index: float | None, item: Any, earlier: Any | None, rank: int | None = None
) -> PreviousResult:
    """The change of ``item`` (now: ``index``) from ``earlier`` (an estimate, or None)."""
    found = change(
        index,
        getattr(earlier, "index", None),
        se_of(item),
        se_of(earlier),
        rank,
    )
    return PreviousResult(
        index=found.index, rank=found.rank, delta=found.delta, significant=found.significant
    )


@dataclass
class Comparisons:
    """What a round's reports are compared with."""

    tree: UnitTree
    bands: list[Band]
    targets: dict[int, float]
    previous: RoundFigures | None
    criteria: dict[str, str]  # current criterion code -> code in the previous round
    predecessors: Predecessors
    _earlier: dict[int, UnitEstimate] = field(default_factory=dict)

    def earlier(self, unit_id: int) -> UnitEstimate | None:
        """The unit's estimate in the previous round, pooling its predecessors (merges)."""
        if self.previous is None:
            return None
        if unit_id not in self._earlier:
            ids = lineage_ids(self.tree, self.predecessors, unit_id)
            self._earlier[unit_id] = estimate(self.previous.instrument, self.previous.tally, ids)
        return self._earlier[unit_id]

    def earlier_ranks(self, unit_ids: Sequence[int]) -> list[int | None]:
        return competition_ranks([getattr(self.earlier(u), "index", None) for u in unit_ids])

    def target(self, unit_id: int, index: float | None, item: Any) -> TargetResult | None:
        value = self.targets.get(unit_id)
        if value is None:
            return None
        found = target_status(value, index, ci_of(item))
        return TargetResult(value=found.value, status=found.status, basis=found.basis)

    def band_list(self) -> list[BandOut] | None:
        return [BandOut(label=b.label, min=b.min) for b in self.bands] or None


async def load_comparisons(
    session: AsyncSession, catalogue: Catalogue, target: ReportTarget
) -> Comparisons:
    """Everything a round's reports are compared with, read once."""
    round_ = target.round
    previous = await previous_figures(session, catalogue, round_)
    codes = criterion_codes(target.form.instrument, previous) if previous else {}
    return Comparisons(
        tree=target.tree,
        bands=round_bands(round_),
        targets=await round_targets(session, round_.id),
        previous=previous,
        criteria=codes,
        predecessors=await load_predecessors(session),
    )


def _compare_elements(report: SatisfactionReport, cmp: Comparisons, earlier: Any) -> None:
    has_previous = cmp.previous is not None
    elements = {e.code: e for e in getattr(earlier, "elements", ())}
    criteria = {c.code: c for e in elements.values() for c in e.criteria}
    for element in report.elements:
        element.band = band_of(element.index, cmp.bands)
        if has_previous:
            element.previous = previous_result(element.index, element, elements.get(element.code))
        for criterion in element.criteria:
            criterion.band = band_of(criterion.index, cmp.bands)
            if has_previous:
                code = cmp.criteria.get(criterion.code)
                earlier_c = criteria.get(code) if code else None
                criterion.previous = previous_result(criterion.index, criterion, earlier_c)


def compare_report(report: SatisfactionReport, cmp: Comparisons) -> SatisfactionReport:
    """Fill ``band``, ``target`` and ``previous`` on the report, its elements, criteria and
    children (children's previous rank: among the same children in the previous round)."""
    unit_id = cmp.tree.get(report.unit.code).id
    earlier = cmp.earlier(unit_id)
    report.bands = cmp.band_list()
    report.previous_round = cmp.previous.round.code if cmp.previous else None
    report.band = band_of(report.index, cmp.bands)
    report.target = cmp.target(unit_id, report.index, report)
    if cmp.previous is not None:
        report.previous = previous_result(report.index, report, earlier)
    _compare_elements(report, cmp, earlier)
    child_ids = [cmp.tree.get(c.code).id for c in report.children]
    ranks = cmp.earlier_ranks(child_ids)
    for child, child_id, rank in zip(report.children, child_ids, ranks, strict=True):
        child.band = band_of(child.index, cmp.bands)
        child.target = cmp.target(child_id, child.index, child)
        if cmp.previous is not None:
            child.previous = previous_result(child.index, child, cmp.earlier(child_id), rank)
    return report
