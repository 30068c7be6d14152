"""The ranking table: units of one level under a parent, ranked by their overall index.

Shares are ranked by the weighted satisfaction index, each row with its design-based
uncertainty (as the report's children; unreliable units listed but unranked when the settings
say so; bands from the round); points instruments (TT 01/2018) by their total, with the class
it reaches as the band. A frozen round is ranked from its published reports, so its table does
not change until the next revision. The previous rank is the rank in the previous round's
own ranking, "of N" the units that existed then (app.reporting.then_ranks); the ranking rolls
up with the hierarchy ``as_of`` (default: the round's), and says which. Live rankings of
shares are served as the background worker stored them (app/reporting/ranking_store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.db import Database
from app.errors import AppError, NotFound
from app.forms.registry import Catalogue
from app.forms.schema import Instrument
from app.models import ReportSnapshot, Round
from app.reporting.changes import data_changed_at
from app.reporting.comparison_schemas import BandOut, PreviousResult, TargetResult
from app.reporting.comparisons import (
    as_previous,
    load_comparisons,
    previous_result,
    round_targets,
)
from app.reporting.precision import design_info, rankable, uncertainty
from app.reporting.previous import answered_form, previous_round
from app.reporting.published import freshness_out
from app.reporting.queries import RankingQuery
from app.reporting.ranking_store import keep, stored_ranking
from app.reporting.schemas import DesignInfo, HierarchyOut, ScreeningCounts, Uncertainty, UnitRef
from app.reporting.screening import screening_of
from app.reporting.service import ReportTarget, aggregation_text, report_target, weight_set_of
from app.reporting.snapshots import frozen_items, get_snapshot, snapshot_ref
from app.reporting.table_schemas import RankingReport, RankingRow
from app.reporting.then_ranks import existed
from app.statistics.comparisons import band_of, change, target_status
from app.statistics.freshness import observing
from app.statistics.load import round_engine
from app.statistics.overalls import overalls
from app.statistics.points import points_result
from app.statistics.ranks import competition_ranks
from app.statistics.unit_points import PointsTally, pool_points, tally_points
from app.units.lineage import lineage_ids, load_predecessors
from app.units.service import UnitNode
from app.weights.schemas import WeightSetOut


@dataclass(frozen=True)
class Figure:
    node: UnitNode
    index: float | None
    respondents: int
    weighted_respondents: float
    band: str | None
    target: TargetResult | None
    previous: PreviousResult | None = None  # its rank is set among the ranked units
    uncertainty: dict[str, Any] = field(default_factory=dict)  # Uncertainty fields
    rankable: bool = True
    screening: ScreeningCounts | None = None  # of a frozen revision: as frozen


@dataclass(frozen=True)
class Figures:
    rows: list[Figure]
    previous_round: str | None
    bands: list[BandOut] | None
    form_version: str | None = None  # of a frozen revision: as published
    design: DesignInfo | None = None  # of shares: what the standard errors follow
    weight_set: WeightSetOut | None = None


def peers_of(target: ReportTarget, level: str) -> list[UnitNode]:
    """Units of ``level`` strictly under the target unit whose subtree the round covers, as
    the hierarchy had them that day (not the units it absorbed: stopped, or created later)."""
    tree, top = target.tree, target.unit
    under = [tree.by_id[u] for u in tree.subtree_ids(top.id) if u != top.id and existed(tree, u)]
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
    session: AsyncSession,
    catalogue: Catalogue,
    target: ReportTarget,
    peers: list[UnitNode],
    settings: Settings,
    level: str | None = None,
) -> Figures:
    """Design-based estimates of each peer's subtree, as its satisfaction report has them;
    their previous ranks in the previous round's own ranking of ``level`` under the parent."""
    domains = [target.tree.subtree_ids(node.id) for node in peers]
    engine = await round_engine(
        session, target.round, target.form, settings.timezone, target.tree, domains=domains
    )
    ids = [node.id for node in peers]
    cmp = await load_comparisons(session, catalogue, target, ids, settings=settings, level=level)
    cmp.prefetch_overall(ids)
    ranks_then, ranked_then = cmp.previous_ranks(ids)
    comparable, note = cmp.rank_note(ids) if ranked_then is not None else (None, None)
    rows = []
    current = overalls(engine, domains)
    for node, found, rank_then in zip(peers, current, ranks_then, strict=True):
        est = found.estimate
        shown = uncertainty(est, settings)
        index = shown.pop("index")
        earlier = cmp.earlier_overall(node.id)
        previous = None
        if cmp.previous is not None:
            update = {"rank_of": ranked_then, "rank_comparable": comparable, "rank_note": note}
            extra = update if ranked_then is not None else {}
            boundary = cmp.boundary(node.id)
            previous = previous_result(index, est, earlier, rank_then, boundary, **extra)
        rows.append(
            Figure(
                node,
                index,
                found.respondents,
                found.weight,
                band_of(index, cmp.bands),
                cmp.target(node.id, index, est),
                previous,
                shown,
                rankable(est, settings),
            )
        )
    previous_code = cmp.previous.round.code if cmp.previous else None
    design = design_info(engine.design, settings)
    weight_set = await weight_set_of(session, target.round)
    return Figures(rows, previous_code, cmp.band_list(), None, design, weight_set)


async def _earlier_points(
    session: AsyncSession, catalogue: Catalogue, round_: Round
) -> tuple[str, Instrument, PointsTally] | None:
    """The previous round's points tally under its own instrument, if it is scored in points."""
    earlier = await previous_round(session, round_)
    if earlier is None:
        return None
    instrument = (await answered_form(session, catalogue, earlier)).instrument
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
    predecessors = await load_predecessors(session, target.as_of.day)
    rows = []
    for node in peers:
        n, counts = pool_points(tally, target.tree.subtree_ids(node.id))
        result = points_result(instrument, counts)
        total = float(result.total) if result.total is not None else None
        label = result.score_class.label.get(lang) if result.score_class else None
        previous = None
        if earlier is not None:
            ids = lineage_ids(target.tree, predecessors, node.id)
            before = points_result(earlier[1], pool_points(earlier[2], ids)[1]).total
            previous = as_previous(change(total, float(before) if before is not None else None))
        rows.append(
            Figure(node, total, n, float(n), label, _target(targets, node.id, total), previous)
        )
    classes = [BandOut(label=c.label.get(lang), min=c.min) for c in instrument.aggregation.classes]
    return Figures(rows, earlier[0] if earlier else None, classes)


async def _frozen(
    session: AsyncSession,
    snapshot: ReportSnapshot,
    peers: list[UnitNode],
    lang: str,
    settings: Settings,
) -> Figures:
    reports = await frozen_items(session, snapshot, [p.id for p in peers], lang)
    rows, published = [], None
    for node in peers:
        report = reports.get(node.id)
        if report is None:  # covered only after the freeze: not part of the published figures
            continue
        published = report
        rows.append(
            Figure(
                node,
                report.index,
                report.respondents,
                report.weighted_respondents,
                report.band,
                report.target,
                report.previous,
                {name: getattr(report, name) for name in Uncertainty.model_fields},
                settings.rank_unreliable or report.reliable,
                getattr(report, "screening", None),
            )
        )
    if published is None:
        return Figures(rows, None, None)
    return Figures(
        rows,
        published.previous_round,
        published.bands,
        published.form_version,
        published.design,
        published.weight_set,
    )


def ranked_rows(
    figures: Figures,
    parents: dict[int, str],
    screened: dict[str, ScreeningCounts] | None = None,
) -> list[RankingRow]:
    """Rows with ranks now and then, best first (unranked last). A previous rank from the
    previous round's own ranking (``rank_of`` set) is kept; otherwise (points instruments,
    revisions frozen before ranks "of N") it is the rank among these units' previous figures.
    ``screened``: live screening counts by unit code (a frozen figure keeps its own)."""
    ranks = competition_ranks([f.index if f.rankable else None for f in figures.rows])
    earlier = competition_ranks([f.previous.index if f.previous else None for f in figures.rows])
    ranked = sum(1 for r in ranks if r is not None)
    rows = []
    for f, rank, rank_then in zip(figures.rows, ranks, earlier, strict=True):
        previous = f.previous
        if previous is not None and previous.rank_of is None:
            previous = previous.model_copy(update={"rank": rank_then})
        rows.append(
            RankingRow(
                **f.uncertainty,
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
                screening=f.screening or (screened or {}).get(f.node.code),
            )
        )
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))


async def ranking_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    query: RankingQuery,
    principal: Principal | None = None,
    settings: Settings | None = None,
    db: Database | None = None,
    stored: bool = True,
) -> RankingReport:
    """Units of ``level`` under ``parent`` (default: the round's top unit), ranked; live
    figures of shares as the worker stored them when it has (app/reporting/ranking_store.py;
    ``db``: where to store one computed here; ``stored`` False: compute, as the worker does)."""
    settings = settings or get_settings()
    if query.live and query.revision is not None:
        raise AppError("ask for a revision or for live figures, not both")
    target = await report_target(
        session, catalogue, round_code, query.parent, principal, query.as_of
    )
    instrument = target.form.instrument
    points = instrument.aggregation.is_points
    snapshot = (
        None if query.live or points else await get_snapshot(session, target.round, query.revision)
    )
    if snapshot is not None and target.as_of.basis != "round":
        raise AppError(
            "a published revision rolls up with the round's hierarchy: ask with live=true for "
            "a ranking in another one",
            field="as_of",
        )
    kept = stored and snapshot is None and not points and query.as_of is None
    if kept:
        found = await stored_ranking(session, target.round, target.unit.id, query.level)
        if found is not None:
            return found
    peers = peers_of(target, query.level)
    with observing() as seen:
        if snapshot is not None:
            figures = await _frozen(session, snapshot, peers, query.lang, settings)
        elif points:
            figures = await _live_points(session, catalogue, target, peers, query.lang)
        else:
            figures = await _live_shares(session, catalogue, target, peers, settings, query.level)
    tree = target.tree
    parents = {n.id: tree.by_id[n.parent_id].code for n in peers if n.parent_id is not None}
    screened = (
        await screening_of(session, target.round.id, tree, peers) if snapshot is None else None
    )
    read = seen.get(target.round.id)
    report = RankingReport(
        round=target.round.code,
        form=instrument.code,
        form_version=figures.form_version or target.form.version,
        measure="points" if points else "percent",
        aggregation=aggregation_text(instrument),
        design=figures.design,
        weight_set=figures.weight_set,
        parent=UnitRef(code=target.unit.code, name=target.unit.name, level=target.unit.level),
        level=query.level,
        bands=figures.bands,
        previous_round=figures.previous_round,
        rows=ranked_rows(figures, parents, screened),
        snapshot=snapshot_ref(snapshot) if snapshot is not None else None,
        freshness=freshness_out(read, snapshot),
        hierarchy=HierarchyOut(as_of=target.as_of.day, basis=target.as_of.basis),
    )
    if kept and not (read is not None and read.stale):
        folded_at = read.as_of if read is not None and read.source == "tallies" else None
        basis = await data_changed_at(session, target.round, folded_at)
        await keep(db, target.round.id, target.unit.id, query.level, report, basis)
    return report
