"""Bands, targets and the change from the previous round, added to satisfaction reports.

Loaded once per round (bands, targets, the previous round's design-based engine, unit
lineage) and then applied to as many reports as needed. Standard errors and 95% intervals are
read from the report items (fields ``se`` and ``ci95``) and from the previous round's
estimates; where one is missing (a withheld index) ``significant`` is null, and a target
without an interval is judged on the point estimate (``basis`` says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings, get_settings
from app.forms.registry import Catalogue
from app.models import Round, Target, UnitEvent, UnitLink
from app.reporting.comparison_schemas import BandOut, PreviousResult, TargetResult, with_places
from app.reporting.previous import RoundFigures, criterion_codes, previous_round, round_figures
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import ReportTarget, covered_children
from app.statistics.comparisons import Band, Change, band_of, change, target_status
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.overalls import overalls
from app.statistics.ranks import competition_ranks
from app.units.history import as_of_for, hierarchy_as_of
from app.units.lineage import Predecessors, lineage_ids, load_predecessors
from app.units.service import UnitTree

Boundary = Literal["same", "pooled", "changed", "shares"]


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
    index: float | None,
    item: Any,
    earlier: Estimate | None,
    rank: int | None = None,
    boundary: Boundary | None = None,
) -> PreviousResult:
    """The change of ``item`` (now: ``index``, its SE ``item.se``) from ``earlier``."""
    found = change(
        index,
        earlier.index if earlier else None,
        se_of(item),
        earlier.se if earlier else None,
        rank,
    )
    return as_previous(found).model_copy(update={"boundary": boundary})


def as_previous(found: Change) -> PreviousResult:
    return PreviousResult(
        index=found.index,
        rank=found.rank,
        delta=found.delta,
        significant=found.significant,
        se=found.se,
        delta_se=found.delta_se,
    )


def boundary_between(
    now_tree: UnitTree, then: UnitTree, shared: set[int], unit_id: int
) -> Boundary:
    """A unit's boundary in an earlier hierarchy (``then``) against ``now_tree``: same; pooled
    (only units merged into it since); shares (a split or transfer by shares in between
    touches it); changed (anything else: units moved in or out)."""
    now = now_tree.subtree_ids(unit_id)
    node = then.by_id.get(unit_id)
    existed = node is not None and then.by_code.get(node.code) is node
    before = then.subtree_ids(unit_id) if existed else set()
    if now == before:
        return "same"
    if (now | before) & shared:
        return "shares"
    inactive: set[int] = getattr(now_tree, "inactive", set())
    added = now - before
    merged = {u for u in added if u in inactive}  # absorbed now: merged into it
    came = {u for m in merged if m in then.by_id for u in then.subtree_ids(m)}
    if not (before - now) and added <= {unit_id} | merged | came:
        return "pooled"
    return "changed"


@dataclass
class Comparisons:
    """What a round's reports are compared with."""

    tree: UnitTree
    bands: list[Band]
    targets: dict[int, float]
    previous: RoundFigures | None
    criteria: dict[str, str]  # current criterion code -> code in the previous round
    predecessors: Predecessors
    then: UnitTree | None = None  # the previous round's hierarchy
    shared: set[int] = field(default_factory=set)  # units a split/transfer by shares touched
    _earlier: dict[int, DomainEstimates] = field(default_factory=dict)
    _overall: dict[int, Estimate | None] = field(default_factory=dict)  # of prefetch_overall
    _boundaries: dict[int, Boundary | None] = field(default_factory=dict)

    def boundary(self, unit_id: int) -> Boundary | None:
        """The unit's boundary in the previous round's hierarchy against this one's (see
        ``PreviousResult.boundary``)."""
        if unit_id not in self._boundaries:
            self._boundaries[unit_id] = self._boundary(unit_id)
        return self._boundaries[unit_id]

    def _boundary(self, unit_id: int) -> Boundary | None:
        if self.then is None:
            return None
        return boundary_between(self.tree, self.then, self.shared, unit_id)

    def rank_note(self, unit_ids: Sequence[int]) -> tuple[bool, str | None]:
        """Whether ranks then and now compare: every peer kept its boundary; else why not."""
        changed = [
            (self.tree.by_id[u].code, found)
            for u in unit_ids
            if (found := self.boundary(u)) not in ("same", None)
        ]
        if not changed:
            return True, None
        listed = ", ".join(f"{code} ({kind})" for code, kind in changed)
        return False, f"boundaries changed between the rounds: {listed}"

    def earlier(self, unit_id: int) -> DomainEstimates | None:
        """The unit's estimates in the previous round, pooling its predecessors (merges)."""
        if self.previous is None:
            return None
        if unit_id not in self._earlier:
            ids = lineage_ids(self.tree, self.predecessors, unit_id)
            self._earlier[unit_id] = self.previous.engine.domain(ids)
        return self._earlier[unit_id]

    def earlier_overall(self, unit_id: int) -> Estimate | None:
        if unit_id in self._overall:
            return self._overall[unit_id]
        found = self.earlier(unit_id)
        return found.overall if found else None

    def prefetch_overall(self, unit_ids: Sequence[int]) -> None:
        """The previous round's overall estimates of many units, computed together
        (app.statistics.overalls: a ranking of thousands of units)."""
        if self.previous is None:
            return
        domains = [lineage_ids(self.tree, self.predecessors, u) for u in unit_ids]
        found = overalls(self.previous.engine, domains)
        self._overall.update(zip(unit_ids, (f.estimate for f in found), strict=True))

    def earlier_ranks(self, unit_ids: Sequence[int]) -> list[int | None]:
        earlier = [self.earlier_overall(u) for u in unit_ids]
        return competition_ranks([e.index if e else None for e in earlier])

    def target(self, unit_id: int, index: float | None, item: Any) -> TargetResult | None:
        value = self.targets.get(unit_id)
        if value is None:
            return None
        found = target_status(value, index, ci_of(item))
        return TargetResult(value=found.value, status=found.status, basis=found.basis)

    def band_list(self) -> list[BandOut] | None:
        return [BandOut(label=b.label, min=b.min) for b in self.bands] or None


def report_units(target: ReportTarget) -> list[int]:
    """The units a satisfaction report compares: the unit and its covered children."""
    return [target.unit.id, *(c.id for c in covered_children(target, target.unit.id))]


async def load_comparisons(
    session: AsyncSession,
    catalogue: Catalogue,
    target: ReportTarget,
    units: Sequence[int] | None = (),
    live: bool = False,
    settings: Settings | None = None,
) -> Comparisons:
    """Everything a round's reports are compared with, read once.

    ``units``: the units whose previous figures will be asked for (default: those of the
    target's report; None: any unit). ``live``: the previous round is computed from its
    responses in this session (inside a write transaction)."""
    round_, tree = target.round, target.tree
    predecessors = await load_predecessors(session, target.as_of.day)
    planned = report_units(target) if units == () else units
    timezone = (settings or get_settings()).timezone
    earlier = await previous_round(session, round_)
    domains = (
        None
        if planned is None or earlier is None
        else [lineage_ids(tree, predecessors, u) for u in planned]
    )
    then, shared = None, set()
    if earlier is not None:
        then_day = as_of_for(earlier.starts_on, None, target.as_of.day).day
        then = await hierarchy_as_of(session, then_day)
        shared = await shared_units(session, then_day, target.as_of.day)
    previous = (
        await round_figures(session, catalogue, earlier, timezone, tree, domains, live)
        if earlier is not None
        else None
    )
    codes = criterion_codes(target.form.instrument, previous) if previous else {}
    return Comparisons(
        tree=tree,
        bands=round_bands(round_),
        targets=await round_targets(session, round_.id),
        previous=previous,
        criteria=codes,
        predecessors=predecessors,
        then=then,
        shared=shared,
    )


async def shared_units(session: AsyncSession, after: date, until: date) -> set[int]:
    """Units a split or partial transfer by shares touched after ``after`` up to ``until``."""
    rows = await session.execute(
        select(UnitLink.from_unit_id, UnitLink.to_unit_id)
        .join(UnitEvent, UnitEvent.id == UnitLink.event_id)
        .where(
            UnitEvent.reverted_at.is_(None),
            UnitEvent.effective > after,
            UnitEvent.effective <= until,
            UnitLink.share < 1,
        )
    )
    return {u for pair in rows for u in pair}


def _compare_elements(
    report: SatisfactionReport, cmp: Comparisons, earlier: DomainEstimates | None
) -> None:
    has_previous = cmp.previous is not None
    elements = earlier.elements if earlier else {}
    criteria = earlier.criteria if earlier else {}
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
        report.previous = previous_result(
            report.index, report, earlier.overall if earlier else None, None, cmp.boundary(unit_id)
        )
    _compare_elements(report, cmp, earlier)
    child_ids = [cmp.tree.get(c.code).id for c in report.children]
    ranks = cmp.earlier_ranks(child_ids)
    comparable, note = cmp.rank_note(child_ids) if cmp.then is not None else (None, None)
    for child, child_id, rank in zip(report.children, child_ids, ranks, strict=True):
        child.band = band_of(child.index, cmp.bands)
        child.target = cmp.target(child_id, child.index, child)
        if cmp.previous is not None:
            earlier_child = cmp.earlier_overall(child_id)
            found = previous_result(child.index, child, earlier_child, rank, cmp.boundary(child_id))
            if rank is not None:
                found.rank_comparable, found.rank_note = comparable, note
            child.previous = with_places(found, child.rank)
    return report
