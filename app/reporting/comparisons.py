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
from app.models import Round, Target
from app.reporting.allocation import (
    Allocation,
    ShareLink,
    allocation,
    is_whole,
    share_domains,
    share_links,
)
from app.reporting.comparison_schemas import (
    BandOut,
    PreviousResult,
    TargetResult,
    share_variance,
    with_places,
)
from app.reporting.previous import RoundFigures, criterion_codes, previous_round, round_figures
from app.reporting.schemas import SatisfactionReport
from app.reporting.service import ReportTarget, covered_children
from app.reporting.then_ranks import ThenRanking, then_peers, then_ranking
from app.statistics.comparisons import Band, Change, band_of, change, target_status
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.overalls import overalls
from app.units.history import as_of_for, hierarchy_as_of
from app.units.lineage import Predecessors, load_predecessors
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
    **fields: Any,
) -> PreviousResult:
    """The change of ``item`` (now: ``index``, its SE ``item.se``) from ``earlier``;
    ``fields``: other PreviousResult fields (a ranking's ``rank_of``, ``rank_note``)."""
    found = change(
        index,
        earlier.index if earlier else None,
        se_of(item),
        earlier.se if earlier else None,
        rank,
    )
    note = None
    if boundary == "shares" and earlier and earlier.index is not None and earlier.se is None:
        note = "allocation"
    variance = share_variance(boundary, found.se) if earlier and earlier.index is not None else None
    return as_previous(found, boundary=boundary, se_note=note, share_variance=variance, **fields)


def as_previous(found: Change, **fields: Any) -> PreviousResult:
    """The change as the API gives it (``fields``: the other PreviousResult fields; made
    in one construction: a ranking makes thousands, and a model_copy costs ~20 µs)."""
    return PreviousResult(
        index=found.index,
        rank=found.rank,
        delta=found.delta,
        significant=found.significant,
        se=found.se,
        delta_se=found.delta_se,
        **fields,
    )


def boundary_between(
    now_tree: UnitTree, then: UnitTree, shared: set[int], unit_id: int, allocated: bool = False
) -> Boundary:
    """A unit's boundary in an earlier hierarchy (``then``) against ``now_tree``: shares (its
    previous figure is ``allocated`` by shares, or a split or transfer by shares in between
    touches the units it holds); same; pooled (only units merged into it since); changed
    (anything else: units moved in or out)."""
    if allocated:
        return "shares"
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
    links: list[ShareLink] = field(default_factory=list)  # splits/transfers by shares since
    # Whose children (or units of ``ranking_level`` under it) the previous ranking ranks, unless
    # a report asks for another unit's: a freeze compares every unit's report with one object.
    ranking_root: int | None = None
    ranking_level: str | None = None
    _then_rankings: dict[int, ThenRanking] = field(default_factory=dict)
    _earlier: dict[int, DomainEstimates] = field(default_factory=dict)
    _overall: dict[int, Estimate | None] = field(default_factory=dict)  # of prefetch_overall
    _boundaries: dict[int, Boundary | None] = field(default_factory=dict)
    _allocations: dict[int, Allocation] = field(default_factory=dict)

    def boundary(self, unit_id: int) -> Boundary | None:
        """The unit's boundary in the previous round's hierarchy against this one's (see
        ``PreviousResult.boundary``)."""
        if unit_id not in self._boundaries:
            self._boundaries[unit_id] = self._boundary(unit_id)
        return self._boundaries[unit_id]

    @property
    def shared(self) -> set[int]:
        """Units a split or transfer by shares touched between the rounds."""
        return {u for link in self.links for u in link.pair}

    def _boundary(self, unit_id: int) -> Boundary | None:
        if self.then is None:
            return None
        allocated = not is_whole(self.allocation(unit_id))
        return boundary_between(self.tree, self.then, self.shared, unit_id, allocated)

    def allocation(self, unit_id: int) -> Allocation:
        """The multipliers of the previous round's responses for the unit (app.reporting.
        allocation): 1 for its lineage, shares for what splits and transfers moved. Once
        per unit: a ranking asks for each of its units several times."""
        if unit_id not in self._allocations:
            found = allocation(self.tree, self.predecessors, self.links, unit_id)
            self._allocations[unit_id] = found
        return self._allocations[unit_id]

    def rank_note(
        self, unit_ids: Sequence[int], root: int | None = None
    ) -> tuple[bool, str | None]:
        """Whether ranks then and now compare: every peer kept its boundary and the previous
        ranking (under ``root``, default ``ranking_root``) ranked the same units; else why
        not."""
        reasons = []
        changed = [
            (self.tree.by_id[u].code, found)
            for u in unit_ids
            if (found := self.boundary(u)) not in ("same", None)
        ]
        if changed:
            listed = ", ".join(f"{code} ({kind})" for code, kind in changed)
            reasons.append(f"boundaries changed between the rounds: {listed}")
        ranking = self.then_ranking(root)
        if ranking is not None and ranking.ranked_ids != set(unit_ids):
            reasons.append(
                f"the previous ranking (its own hierarchy) ranked {ranking.ranked} units, "
                f"this one {len(unit_ids)}"
            )
        return (not reasons), "; ".join(reasons) or None

    def then_ranking(self, root: int | None = None) -> ThenRanking | None:
        """The previous round's own ranking of the children of ``root`` (default
        ``ranking_root``; of ``ranking_level`` under it, if set) in the previous round's
        hierarchy (None: no previous round)."""
        root = self.ranking_root if root is None else root
        if self.previous is None or self.then is None or root is None:
            return None
        if root not in self._then_rankings:
            peers = then_peers(self.then, root, self.ranking_level)
            self._then_rankings[root] = then_ranking(self.previous.engine, self.then, peers)
        return self._then_rankings[root]

    def previous_ranks(
        self, unit_ids: Sequence[int], root: int | None = None
    ) -> tuple[list[int | None], int | None]:
        """Each unit's rank in the previous round's own ranking under ``root`` (null unless it
        was one of its units and kept its boundary) and N, the units it ranked."""
        ranking = self.then_ranking(root)
        if ranking is None:
            return [None] * len(unit_ids), None
        ranks = [ranking.ranks.get(u) if self.boundary(u) == "same" else None for u in unit_ids]
        return ranks, ranking.ranked

    def earlier(self, unit_id: int) -> DomainEstimates | None:
        """The unit's estimates in the previous round, pooling its predecessors (merges) and
        allocating by shares what splits and transfers moved."""
        if self.previous is None:
            return None
        if unit_id not in self._earlier:
            found = self.allocation(unit_id)
            engine = self.previous.engine
            whole = is_whole(found)
            self._earlier[unit_id] = engine.domain(set(found)) if whole else engine.allocated(found)
        return self._earlier[unit_id]

    def earlier_overall(self, unit_id: int) -> Estimate | None:
        if unit_id in self._overall:
            return self._overall[unit_id]
        found = self.earlier(unit_id)
        return found.overall if found else None

    def prefetch_overall(self, unit_ids: Sequence[int]) -> None:
        """The previous round's overall estimates of many units, computed together
        (app.statistics.overalls: a ranking of thousands of units); units whose figure is
        allocated by shares are left to ``earlier``."""
        if self.previous is None:
            return
        whole = [u for u in unit_ids if is_whole(self.allocation(u))]
        found = overalls(self.previous.engine, [set(self.allocation(u)) for u in whole])
        self._overall.update(zip(whole, (f.estimate for f in found), strict=True))

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
    level: str | None = None,
) -> Comparisons:
    """Everything a round's reports are compared with, read once.

    ``units``: the units whose previous figures will be asked for (default: those of the
    target's report; None: any unit). ``live``: the previous round is computed from its
    responses in this session (inside a write transaction). ``level``: the previous round's
    ranking is of the units of that level under the target unit (default: its children)."""
    round_, tree = target.round, target.tree
    predecessors = await load_predecessors(session, target.as_of.day)
    planned = report_units(target) if units == () else units
    timezone = (settings or get_settings()).timezone
    earlier = await previous_round(session, round_)
    then, links = None, []
    if earlier is not None:
        then_day = as_of_for(earlier.starts_on, None, target.as_of.day).day
        then = await hierarchy_as_of(session, then_day)
        links = await share_links(session, then_day, target.as_of.day)
    peers = then_peers(then, target.unit.id, level) if then is not None else []
    domains = None
    if planned is not None and then is not None:
        domains = [set(allocation(tree, predecessors, links, u)) for u in planned]
        domains += share_domains(predecessors, links) + [then.subtree_ids(p) for p in peers]
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
        links=links,
        ranking_root=target.unit.id,
        ranking_level=level,
    )


async def shared_units(session: AsyncSession, after: date, until: date) -> set[int]:
    """Units a split or partial transfer by shares touched after ``after`` up to ``until``."""
    return {u for link in await share_links(session, after, until) for u in link.pair}


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
    ranks, ranked_then = cmp.previous_ranks(child_ids, unit_id)
    comparable, note = cmp.rank_note(child_ids, unit_id) if cmp.then is not None else (None, None)
    for child, child_id, rank in zip(report.children, child_ids, ranks, strict=True):
        child.band = band_of(child.index, cmp.bands)
        child.target = cmp.target(child_id, child.index, child)
        if cmp.previous is not None:
            earlier_child = cmp.earlier_overall(child_id)
            found = previous_result(child.index, child, earlier_child, rank, cmp.boundary(child_id))
            found.rank_of = ranked_then
            if ranked_then is not None:
                found.rank_comparable, found.rank_note = comparable, note
            child.previous = with_places(found, child.rank)
    return report
