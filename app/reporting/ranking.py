"""The ranking table: units of one level under a parent, ranked by their overall index.

Shares are ranked by the weighted satisfaction index (bands from the round); points
instruments (TT 01/2018) by their total, with the class it reaches as the band. A frozen
round is ranked from its published reports, so its table does not change until the next
revision. The previous rank is the rank among the same units in the previous round.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.errors import AppError, NotFound
from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.models import ReportSnapshot, Round
from app.reporting.comparison_schemas import BandOut, PreviousResult, TargetResult
from app.reporting.comparisons import (
    load_comparisons,
    previous_result,
    round_targets,
)
from app.reporting.previous import answered_instrument, previous_round, share_tally
from app.reporting.queries import RankingQuery
from app.reporting.schemas import UnitRef
from app.reporting.service import ReportTarget, aggregation_text, report_target
from app.reporting.snapshots import frozen_items, get_snapshot, snapshot_ref
from app.reporting.table_schemas import RankingReport, RankingRow
from app.statistics.comparisons import band_of, target_status
from app.statistics.estimates import competition_ranks, estimate
from app.statistics.points import points_result
from app.statistics.unit_points import PointsTally, pool_points, tally_points
from app.units.lineage import lineage_ids, load_predecessors
from app.units.service import UnitNode


@dataclass(frozen=True)
class Figure:
    node: UnitNode
    index: float | None
    respondents: int
    weighted_respondents: float
    band: str | None
    target: TargetResult | None
    previous_index: float | None = None
    significant: bool | None = None


@dataclass(frozen=True)
class Figures:
    rows: list[Figure]
    previous_round: str | None
    bands: list[BandOut] | None
    form_version: str | None = None  # of a frozen revision: as published


def peers_of(target: ReportTarget, level: str) -> list[UnitNode]:
    """Units of ``level`` strictly under the target unit whose subtree the round covers."""
    tree, top = target.tree, target.unit
    under = [tree.by_id[u] for u in tree.subtree_ids(top.id) if u != top.id]
    at_level = sorted((n for n in under if n.level == level), key=lambda n: n.code)
    if not at_level:
        raise NotFound(f"no unit of level {level!r} under {top.code}")
    return [n for n in at_level if tree.subtree_ids(n.id) & target.covered]


def _target(targets: dict[int, float], unit_id: int, index: float | None) -> TargetResult | None:
    if unit_id not in targets:
        return None
    found = target_status(targets[unit_id], index)
    return TargetResult(value=found.value, status=found.status, basis=found.basis)


async def _live_shares(
    session: AsyncSession, catalogue: Catalogue, target: ReportTarget, peers: list[UnitNode]
) -> Figures:
    instrument = target.form.instrument
    tally = await share_tally(session, target.round.id, instrument)
    cmp = await load_comparisons(session, catalogue, target)
    rows = []
    for node in peers:
        est = estimate(instrument, tally, target.tree.subtree_ids(node.id))
        earlier = cmp.earlier(node.id)
        change = previous_result(est.index, est, earlier) if cmp.previous else None
        rows.append(
            Figure(
                node,
                est.index,
                est.respondents,
                est.weighted_respondents,
                band_of(est.index, cmp.bands),
                cmp.target(node.id, est.index, est),
                change.index if change else None,
                change.significant if change else None,
            )
        )
    return Figures(rows, cmp.previous.round.code if cmp.previous else None, cmp.band_list())


async def _earlier_points(
    session: AsyncSession, catalogue: Catalogue, round_: Round
) -> tuple[str, Instrument, PointsTally] | None:
    """The previous round's points tally under its own instrument, if it is scored in points."""
    earlier = await previous_round(session, round_)
    if earlier is None:
        return None
    instrument, _ = await answered_instrument(session, catalogue, earlier)
    if not instrument.aggregation.is_points:
        return None
    codes = [q.code for q in instrument.criteria]
    return earlier.code, instrument, await tally_points(session, earlier.id, codes)


async def _live_points(
    session: AsyncSession,
    catalogue: Catalogue,
    target: ReportTarget,
    peers: list[UnitNode],
    lang: str,
) -> Figures:
    instrument = target.form.instrument
    criteria = [q.code for q in instrument.criteria]
    tally = await tally_points(session, target.round.id, criteria)
    targets = await round_targets(session, target.round.id)
    earlier = await _earlier_points(session, catalogue, target.round)
    predecessors = await load_predecessors(session)
    rows = []
    for node in peers:
        n, counts = pool_points(tally, target.tree.subtree_ids(node.id))
        result = points_result(instrument, counts)
        total = float(result.total) if result.total is not None else None
        label = result.score_class.label.get(lang) if result.score_class else None
        before = None
        if earlier is not None:
            ids = lineage_ids(target.tree, predecessors, node.id)
            before = points_result(earlier[1], pool_points(earlier[2], ids)[1]).total
        rows.append(
            Figure(
                node,
                total,
                n,
                float(n),
                label,
                _target(targets, node.id, total),
                float(before) if before is not None else None,
            )
        )
    classes = [BandOut(label=c.label.get(lang), min=c.min) for c in instrument.aggregation.classes]
    return Figures(rows, earlier[0] if earlier else None, classes)


async def _frozen(
    session: AsyncSession, snapshot: ReportSnapshot, peers: list[UnitNode], lang: str
) -> Figures:
    reports = await frozen_items(session, snapshot, [p.id for p in peers], lang)
    rows, previous_round_code, bands, version = [], None, None, None
    for node in peers:
        report = reports.get(node.id)
        if report is None:  # covered only after the freeze: not part of the published figures
            continue
        previous_round_code, bands, version = (
            report.previous_round,
            report.bands,
            report.form_version,
        )
        before = report.previous
        rows.append(
            Figure(
                node,
                report.index,
                report.respondents,
                report.weighted_respondents,
                report.band,
                report.target,
                before.index if before else None,
                before.significant if before else None,
            )
        )
    return Figures(rows, previous_round_code, bands, version)


def ranked_rows(figures: Figures, parents: dict[int, str]) -> list[RankingRow]:
    """Rows with ranks now and then among these units, best first (unranked last)."""
    ranks = competition_ranks([f.index for f in figures.rows])
    earlier = competition_ranks([f.previous_index for f in figures.rows])
    ranked = sum(1 for r in ranks if r is not None)
    rows = []
    for f, rank, rank_then in zip(figures.rows, ranks, earlier, strict=True):
        previous = None
        if figures.previous_round is not None:
            delta = (
                f.index - f.previous_index
                if f.index is not None and f.previous_index is not None
                else None
            )
            previous = PreviousResult(
                index=f.previous_index, rank=rank_then, delta=delta, significant=f.significant
            )
        rows.append(
            RankingRow(
                code=f.node.code,
                name=f.node.name,
                level=f.node.level,
                parent=parents.get(f.node.id),
                index=f.index,
                respondents=f.respondents,
                weighted_respondents=f.weighted_respondents,
                rank=rank,
                rank_of=ranked,
                band=f.band,
                previous=previous,
                target=f.target,
            )
        )
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))


async def ranking_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    query: RankingQuery,
    principal: Principal | None = None,
) -> RankingReport:
    """Units of ``level`` under ``parent`` (default: the round's top unit), ranked."""
    if query.live and query.revision is not None:
        raise AppError("ask for a revision or for live figures, not both")
    target = await report_target(session, catalogue, round_code, query.parent, principal)
    instrument = target.form.instrument
    peers = peers_of(target, query.level)
    points = instrument.aggregation.is_points
    snapshot = (
        None if query.live or points else await get_snapshot(session, target.round, query.revision)
    )
    if snapshot is not None:
        figures = await _frozen(session, snapshot, peers, query.lang)
    elif points:
        figures = await _live_points(session, catalogue, target, peers, query.lang)
    else:
        figures = await _live_shares(session, catalogue, target, peers)
    tree = target.tree
    parents = {n.id: tree.by_id[n.parent_id].code for n in peers if n.parent_id is not None}
    return RankingReport(
        round=target.round.code,
        form=instrument.code,
        form_version=figures.form_version or target.form.version,
        measure="points" if points else "percent",
        aggregation=aggregation_text(instrument),
        parent=UnitRef(code=target.unit.code, name=target.unit.name, level=target.unit.level),
        level=query.level,
        bands=figures.bands,
        previous_round=figures.previous_round,
        rows=ranked_rows(figures, parents),
        snapshot=snapshot_ref(snapshot) if snapshot is not None else None,
    )
