"""The console overview: each current round seen from the reader's scope, with the progress of
collection against the sample plan, the overall index with its interval and change from the
previous round (the reporting service's report as served), and the units below their target.

Current rounds: every open round, and for an instrument without an open round its most
recent closed or published one (so results stay in view after collection ends).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.console.figures import scope_units, served
from app.errors import NotFound
from app.forms.registry import Catalogue
from app.models import Round, SampleStratum
from app.reporting.comparison_schemas import TargetResult
from app.reporting.comparisons import round_targets
from app.reporting.queries import Lang, RankingQuery
from app.reporting.ranking import ranking_report
from app.reporting.schemas import SatisfactionReport
from app.rounds.service import covered_unit_ids, rounds_in_scope
from app.sampling.plans import current_plan
from app.sampling.progress import StratumRow, round_progress
from app.statistics.ranks import RANK_DECIMALS
from app.units.service import UnitNode, UnitTree


@dataclass(frozen=True)
class ProgressLine:
    """Responses so far in a stratum of the plan (or a unit), against its planned size."""

    row: StratumRow  # code: the stratum's key or the unit's code; name: its units' names
    planned: int | None  # the plan's size, else the unit's quota; None: neither, or partly
    # outside the reader's scope

    @property
    def share(self) -> float | None:
        """Valid responses as a percentage of the planned size."""
        return 100 * self.row.tally.valid / self.planned if self.planned else None


@dataclass(frozen=True)
class BelowTarget:
    code: str
    name: str
    level: str
    index: float
    target: TargetResult


@dataclass(frozen=True)
class RoundView:
    round: Round
    unit: UnitNode
    report: SatisfactionReport | None  # None: an instrument scored in points
    lines: list[ProgressLine]
    total: ProgressLine
    below: list[BelowTarget]


def current_rounds(rounds: list[Round]) -> list[Round]:
    """Open rounds, then per instrument without one its latest closed or published round."""
    opened = [r for r in rounds if r.status == "open"]
    latest: dict[str, Round] = {}
    for r in sorted(rounds, key=lambda r: r.starts_on, reverse=True):
        if r.status in ("closed", "published") and r.form_code not in latest:
            latest[r.form_code] = r
    families = {r.form_code for r in opened}
    return opened + [r for code, r in latest.items() if code not in families]


async def _plan(session: AsyncSession, round_: Round) -> list[SampleStratum]:
    try:
        return (await current_plan(session, round_))[1]
    except NotFound:
        return []


def _pooled(code: str, rows: list[StratumRow]) -> StratumRow:
    """The rows of a plan stratum's units added up."""
    line = StratumRow(None, code, ", ".join(r.name or "" for r in rows), None, 0)
    for r in rows:
        line.tally.add(r.tally)
        line.frame_n = (
            None if r.frame_n is None or line.frame_n is None else line.frame_n + r.frame_n
        )
    return line


async def progress_lines(
    session: AsyncSession, round_: Round, visible: set[int]
) -> tuple[list[ProgressLine], ProgressLine]:
    """Per stratum of the round's current plan (units outside it, or every unit when there is
    no plan: one line each, against the unit's quota if it has one), and the total."""
    rows, total = await round_progress(session, round_, visible)
    units = {r.code: r for r in rows if r.stratum is None}
    lines: list[ProgressLine] = []
    placed: set[str | None] = set()
    for stratum in await _plan(session, round_):
        members = [units[c] for c in stratum.members if c in units]
        if not members:
            continue
        whole = len(members) == len(stratum.members)
        lines.append(
            ProgressLine(_pooled(stratum.stratum, members), stratum.size if whole else None)
        )
        placed.update(r.code for r in members)
    for code, row in units.items():
        if code not in placed:
            lines.append(ProgressLine(row, row.quota.target if row.quota else None))
    planned = [line.planned for line in lines]
    known = None if None in planned else sum(p for p in planned if p is not None)
    return lines, ProgressLine(total, known)


def _below(
    code: str, name: str, level: str, index: float | None, target: TargetResult | None
) -> BelowTarget | None:
    if target is None or index is None or round(index, RANK_DECIMALS) >= target.value:
        return None
    return BelowTarget(code, name, level, index, target)


async def below_target(
    session: AsyncSession,
    catalogue: Catalogue,
    principal: Principal,
    tree: UnitTree,
    report: SatisfactionReport,
    round_: Round,
    lang: Lang,
) -> list[BelowTarget]:
    """The unit, its children and deeper units whose index is under their target: the unit and
    its children as the report judges them (on the 95% interval), deeper ones as the ranking
    of their level does."""
    unit = tree.get(report.unit.code)
    found = [_below(unit.code, unit.name, unit.level, report.index, report.target)]
    found += [_below(c.code, c.name, c.level, c.index, c.target) for c in report.children]
    shallow = {unit.id, *(tree.get(c.code).id for c in report.children)}
    deeper = (tree.subtree_ids(unit.id) - shallow) & set(await round_targets(session, round_.id))
    for level in sorted({tree.by_id[u].level for u in deeper}):
        query = RankingQuery(level, unit.code, lang, None, False)
        ranking = await ranking_report(session, catalogue, round_.code, query, principal)
        found += [
            _below(r.code, r.name, r.level, r.index, r.target)
            for r in ranking.rows
            if tree.get(r.code).id not in shallow
        ]
    return [b for b in found if b is not None]


async def round_view(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    principal: Principal,
    tree: UnitTree,
    round_: Round,
    unit: UnitNode,
    lang: Lang,
) -> RoundView:
    """A round seen from one unit of the reader's scope (its whole subtree is in scope)."""
    lines, total = await progress_lines(session, round_, tree.subtree_ids(unit.id))
    report = await served(session, catalogue, settings, principal, round_.code, unit, lang)
    below = (
        await below_target(session, catalogue, principal, tree, report, round_, lang)
        if report is not None
        else []
    )
    return RoundView(round_, unit, report, lines, total, below)


async def round_views(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    principal: Principal,
    tree: UnitTree,
    lang: Lang,
) -> list[RoundView]:
    """Every current round in the reader's scope, from each top unit of that scope it covers."""
    views = []
    for round_ in current_rounds(await rounds_in_scope(session, principal)):
        covered = await covered_unit_ids(session, round_.id)
        for unit in scope_units(tree, principal, covered):
            views.append(
                await round_view(session, catalogue, settings, principal, tree, round_, unit, lang)
            )
    return views
