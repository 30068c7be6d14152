"""Assemble the satisfaction report of a unit from the round's design-based estimates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import require
from app.auth.principal import Principal
from app.config import Settings, get_settings
from app.errors import Conflict, NotFound
from app.forms.method import measure_of
from app.forms.registry import Catalogue, RegisteredForm
from app.forms.schema import Instrument
from app.models import Round
from app.reporting.domains import domain_results
from app.reporting.moh import moh_indicators, served_moh
from app.reporting.precision import Measure, design_info, fields, rank_among, ranks
from app.reporting.schemas import (
    ChildResult,
    CriterionResult,
    ElementResult,
    HierarchyOut,
    RankOf,
    SatisfactionReport,
    UnitRef,
)
from app.reporting.screening import screening_of
from app.rounds.service import covered_unit_ids, get_round
from app.statistics.design import Design
from app.statistics.inference import DomainEstimates, Engine
from app.statistics.load import round_engine
from app.units.history import AsOf, as_of_for, current_tree, hierarchy_as_of
from app.units.service import UnitNode, UnitTree
from app.weights.schemas import WeightSetOut
from app.weights.service import active_weight_set


@dataclass(frozen=True)
class ReportTarget:
    """What a report is about: a round, its instrument, the unit tree and the unit asked for."""

    round: Round
    form: RegisteredForm
    tree: UnitTree
    covered: set[int]
    unit: UnitNode
    as_of: AsOf  # the hierarchy ``tree`` is as of


async def report_target(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
    as_of: str | None = None,
) -> ReportTarget:
    """Resolve round and unit (default: the round's top unit) in the hierarchy as of
    ``as_of`` (default: the round's; ``now``; a date) and check the reader's scope (granted
    on today's hierarchy)."""
    round_ = await get_round(session, round_code)
    when = as_of_for(round_.starts_on, as_of, get_settings().today())
    tree = await hierarchy_as_of(session, when.day)
    covered = await covered_unit_ids(session, round_.id)
    if unit_code and unit_code not in tree.by_code:
        (await current_tree(session)).get(unit_code)  # 404 for an unknown code
        raise NotFound(
            f"unit {unit_code} did not exist on {when.day.isoformat()} (it was merged, split "
            "or dissolved): ask for its successor, or with as_of=now or another date",
            field="unit",
        )
    unit = tree.get(unit_code) if unit_code else tree.common_ancestor(covered)
    if unit is None:
        raise NotFound("this round covers no unit yet")
    if principal is not None:
        require(principal, "viewer", unit.id, await current_tree(session))
    return ReportTarget(round_, catalogue.get(round_.form_code), tree, covered, unit, when)


@dataclass(frozen=True)
class Estimated:
    """The unit's estimates and those of its children and siblings (the unit among them)."""

    own: DomainEstimates
    children: list[tuple[UnitNode, DomainEstimates]]
    siblings: list[DomainEstimates]
    position: int  # of the unit among its siblings


def covered_children(target: ReportTarget, parent_id: int) -> list[UnitNode]:
    tree = target.tree
    return [c for c in tree.children.get(parent_id, ()) if tree.subtree_ids(c.id) & target.covered]


async def _estimate(
    session: AsyncSession,
    target: ReportTarget,
    settings: Settings,
    live: bool = False,
    engine: Engine | None = None,
) -> tuple[Estimated, Design]:
    tree, unit = target.tree, target.unit
    parent = unit.parent_id
    children = covered_children(target, unit.id)
    peers = covered_children(target, parent) if parent is not None else []
    if parent is not None and unit not in peers:
        peers.append(unit)
    nodes = [unit, *children, *peers]
    domains = [tree.subtree_ids(node.id) for node in nodes]
    if engine is None:
        engine = await round_engine(
            session, target.round, target.form, settings.timezone, tree, domains=domains, live=live
        )
    own = engine.domain(domains[0])
    estimated = [engine.domain(d) for d in domains[1 : 1 + len(children)]]
    siblings = [own if p.id == unit.id else engine.domain(tree.subtree_ids(p.id)) for p in peers]
    position = next((i for i, p in enumerate(peers) if p.id == unit.id), 0)
    return Estimated(own, list(zip(children, estimated, strict=True)), siblings, position), (
        engine.design
    )


def _criterion(code: str) -> Measure:
    return lambda d: d.criteria[code]


def _element(code: str) -> Measure:
    return lambda d: d.elements[code]


def element_results(
    instrument: Instrument, est: Estimated, lang: str, settings: Settings
) -> list[ElementResult]:
    names = {e.code: e.name.get(lang) for e in instrument.elements}
    texts = {q.code: q.text.get(lang) for q in instrument.criteria}

    def rank(measure: Measure) -> RankOf | None:
        return rank_among(est.position, est.siblings, measure, settings)

    results = []
    for element in instrument.elements:
        e = est.own.elements[element.code]
        criteria = []
        for q in instrument.criteria_of(element.code):
            c = est.own.criteria[q.code]
            criteria.append(
                CriterionResult(
                    code=q.code,
                    name=texts[q.code],
                    respondents=c.n,
                    weighted_respondents=c.weight,
                    **fields(c, settings, rank(_criterion(q.code))),
                )
            )
        by_element = rank(_element(element.code))
        results.append(
            ElementResult(
                code=element.code,
                name=names[element.code],
                respondents=e.n,
                weighted_respondents=e.weight,
                criteria=criteria,
                **fields(e, settings, by_element),
            )
        )
    return results


def _children(est: Estimated, settings: Settings) -> list[ChildResult]:
    places = ranks([d.overall for _, d in est.children], settings)
    return [
        ChildResult(
            code=child.code,
            name=child.name,
            level=child.level,
            respondents=d.respondents,
            weighted_respondents=d.weight,
            **fields(d.overall, settings, place),
        )
        for (child, d), place in zip(est.children, places, strict=True)
    ]


async def satisfaction_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    lang: str = "vi",
    principal: Principal | None = None,
    settings: Settings | None = None,
    live: bool = False,
    as_of: str | None = None,
    engine: Engine | None = None,
) -> SatisfactionReport:
    """Indices of a unit's subtree, its elements and criteria, and its ranked children, each
    with its standard error, interval, design effect, reliability and rank among siblings.

    ``live``: computed from the responses in this session's transaction rather than from the
    maintained tallies (which refresh in a transaction of their own): for use inside a write
    transaction, such as freezing a round."""
    settings = settings or get_settings()
    target = await report_target(session, catalogue, round_code, unit_code, principal, as_of)
    round_, instrument, unit = target.round, target.form.instrument, target.unit
    if instrument.aggregation.is_points:
        raise Conflict(
            f"{instrument.code} is scored in points with classes, not as a satisfaction share: "
            f"see /api/v1/rounds/{round_.code}/questions"
        )
    est, design = await _estimate(session, target, settings, live, engine)
    overall = rank_among(est.position, est.siblings, lambda d: d.overall, settings)
    elements = element_results(instrument, est, lang, settings)
    children = _children(est, settings)
    screened = await screening_of(
        session, round_.id, target.tree, [unit, *(child for child, _ in est.children)]
    )
    for child in children:
        child.screening = screened.get(child.code)
    # The Ministry of Health's indicators read the round's answers: a freeze (``live``)
    # computes them; a report serves what the background worker stored (docs/statistics.md).
    if live:
        found_moh = await moh_indicators(
            session,
            round_,
            instrument,
            Design.of(round_, settings.timezone),
            target.tree,
            unit,
            [child for child, _ in est.children],
            lang,
            engine,
        )
        moh_pending = False
    else:
        found_moh, moh_pending = await served_moh(session, round_, instrument, unit, lang)
    return SatisfactionReport(
        round=round_.code,
        form=instrument.code,
        form_version=instrument.version,
        measure=measure_of(instrument.method, lang),
        domains=domain_results(instrument, elements, lang),
        aggregation=aggregation_text(instrument),
        design=design_info(design, settings),
        weight_set=await weight_set_of(session, round_),
        unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
        respondents=est.own.respondents,
        weighted_respondents=est.own.weight,
        responses=est.own.responses,
        elements=elements,
        children=children,
        screening=screened.get(unit.code),
        hierarchy=HierarchyOut(as_of=target.as_of.day, basis=target.as_of.basis),
        moh=found_moh,
        moh_pending=moh_pending,
        **fields(est.own.overall, settings, overall),
    )


async def weight_set_of(session: AsyncSession, round_: Round) -> WeightSetOut | None:
    """The weight set the round's estimates use (None: base weights)."""
    found = await active_weight_set(session, round_)
    return WeightSetOut.model_validate(found) if found is not None else None


def aggregation_text(instrument: Instrument) -> str:
    rule = instrument.aggregation
    return f"element: {rule.element}; overall: {rule.overall}"
