"""What the console's statistics pages show, read from the reporting service as served (the
published revision of a frozen round, else current data, with the comparisons): the scope
units a reader sees a round from, and the bars and trend points drawn from the reports. No
figure is computed here; the charts only draw what the reports say."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.console.charts import Bar, Point
from app.console.service import scope_tops, unit_options, units_with_role
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.i18n import request_lang
from app.models import Round
from app.reporting.allocation import allocation, is_whole, share_domains, share_links
from app.reporting.comparisons import boundary_between
from app.reporting.previous import earlier_rounds, round_figures
from app.reporting.published import served_report
from app.reporting.queries import Lang, ReportQuery
from app.reporting.schemas import ChildResult, SatisfactionReport
from app.rounds.service import covered_unit_ids
from app.units.history import as_of_for, hierarchy_as_of
from app.units.lineage import load_predecessors
from app.units.service import UnitNode, UnitTree

TREND_ROUNDS = 8  # the current round and at most seven before it


class Interval(Protocol):
    @property
    def ci95(self) -> Sequence[float] | None: ...


class Estimate(Interval, Protocol):
    @property
    def index(self) -> float | None: ...
    @property
    def reliable(self) -> bool: ...


def report_lang(request: Request) -> Lang:
    """The page's language, as the reporting service takes it."""
    return "en" if request_lang(request) == "en" else "vi"


def scope_units(tree: UnitTree, principal: Principal, covered: set[int]) -> list[UnitNode]:
    """Where a reader sees a round from: per top unit of the reader's scope, the lowest unit
    holding every unit of that scope the round covers (none where it covers nothing)."""
    found = []
    for top in scope_tops(tree, principal, "viewer"):
        unit = tree.common_ancestor(covered & tree.subtree_ids(top.id))
        if unit is not None:
            found.append(unit)
    return found


async def served(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    principal: Principal,
    round_code: str,
    unit: UnitNode,
    lang: Lang,
) -> SatisfactionReport | None:
    """The unit's report as the API serves it; None for an instrument scored in points."""
    query = ReportQuery(unit.code, lang, None, False)
    try:
        found = await served_report(session, catalogue, round_code, query, principal, settings)
    except Conflict:  # TT 01/2018 points: no satisfaction share to chart
        return None
    return found.report


def bounds(item: Interval) -> tuple[float | None, float | None]:
    """The 95% interval of an estimate, (None, None) without one."""
    return (item.ci95[0], item.ci95[1]) if item.ci95 else (None, None)


def bar_of(label: str, item: Estimate) -> Bar:
    weak = item.index is not None and not item.reliable
    return Bar(label, item.index, *bounds(item), weak=weak)


def element_bars(report: SatisfactionReport) -> list[Bar]:
    return [bar_of(e.name, e) for e in report.elements]


def criterion_bars(report: SatisfactionReport) -> list[Bar]:
    """Criteria element by element, labelled with their code and (the start of) their text."""
    return [bar_of(f"{c.code} · {c.name}", c) for e in report.elements for c in e.criteria]


def covering_options(
    tree: UnitTree, principal: Principal, covered: set[int]
) -> list[tuple[str, str]]:
    """(code, label) of the units in the reader's scope whose subtree the round covers."""
    holding = {a.id for u in covered for a in tree.ancestors(u)}
    views = units_with_role(tree, principal, "viewer")
    return unit_options([v for v in views if v.node.id in holding])


def ranked_children(report: SatisfactionReport) -> list[ChildResult]:
    """Children best first; unranked ones (no data, or unreliable when not ranked) last."""
    return sorted(report.children, key=lambda c: (c.rank is None, c.rank or 0, c.code))


def child_bars(children: Sequence[ChildResult]) -> list[Bar]:
    return [bar_of(f"{c.rank}. {c.name}" if c.rank else c.name, c) for c in children]


@dataclass(frozen=True)
class TrendItem:
    """A round's overall index for the unit; ``pooled``: computed over the unit's lineage
    (its predecessors' responses pooled, as the API's ``previous`` does after a merge)."""

    round: Round
    index: float | None
    ci95: Sequence[float] | None
    respondents: int
    pooled: bool = False
    boundary: str = "same"  # the unit's boundary then against now (reporting.comparisons)

    @classmethod
    def of(cls, round_: Round, report: SatisfactionReport) -> TrendItem:
        return cls(round_, report.index, report.ci95, report.respondents)

    def point(self) -> Point:
        return Point(self.round.code, self.index, *bounds(self))


async def trend(
    session: AsyncSession,
    catalogue: Catalogue,
    settings: Settings,
    principal: Principal,
    tree: UnitTree,
    unit: UnitNode,
    current: TrendItem,
    lang: Lang,
) -> list[TrendItem]:
    """The unit's overall index in the earlier rounds of the family that covered it, oldest
    first, ending with the current round.

    A unit that absorbed others (a merge) is followed through its lineage: in an earlier
    round its predecessors' responses are pooled, and what splits and transfers moved to it
    allocated by shares (app.reporting.allocation), as the API compares it with its previous
    round; a unit without predecessors shows each round's served report."""
    inside = tree.subtree_ids(unit.id)
    predecessors = await load_predecessors(session)
    today = settings.today()
    now_day = as_of_for(current.round.starts_on, None, today).day
    now_tree = await hierarchy_as_of(session, now_day)
    items = [current]
    for round_ in await earlier_rounds(session, current.round, TREND_ROUNDS - 1):
        then_day = as_of_for(round_.starts_on, None, today).day
        links = await share_links(session, then_day, now_day)
        shares = allocation(tree, predecessors, links, unit.id)
        if not await covered_unit_ids(session, round_.id) & set(shares):
            continue
        boundary = "same"
        if unit.code in now_tree.by_code:
            then = await hierarchy_as_of(session, then_day)
            shared = {u for link in links for u in link.pair}
            allocated = not is_whole(shares)
            boundary = boundary_between(now_tree, then, shared, unit.id, allocated)
        if set(shares) == inside and is_whole(shares):
            report = await served(session, catalogue, settings, principal, round_.code, unit, lang)
            if report is not None:
                items.append(replace(TrendItem.of(round_, report), boundary=boundary))
            continue
        planned = [set(shares), *share_domains(predecessors, links)]
        figures = await round_figures(session, catalogue, round_, settings.timezone, tree, planned)
        if figures is not None:
            engine = figures.engine
            found = engine.domain(set(shares)) if is_whole(shares) else engine.allocated(shares)
            overall = found.overall
            items.append(
                TrendItem(round_, overall.index, overall.ci95, found.respondents, True, boundary)
            )
    return list(reversed(items))
