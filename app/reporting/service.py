"""Assemble the satisfaction report of a unit from the round's tallies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import require
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.forms.registry import Catalogue, RegisteredForm
from app.forms.schema import Instrument
from app.models import Round
from app.reporting.schemas import (
    ChildResult,
    CriterionResult,
    ElementResult,
    SatisfactionReport,
    UnitRef,
)
from app.rounds.service import covered_unit_ids, get_round
from app.statistics.estimates import UnitEstimate, competition_ranks, estimate
from app.statistics.tally import RoundTally, tally_round
from app.units.service import UnitNode, UnitTree, load_tree


@dataclass(frozen=True)
class ReportTarget:
    """What a report is about: a round, its instrument, the unit tree and the unit asked for."""

    round: Round
    form: RegisteredForm
    tree: UnitTree
    covered: set[int]
    unit: UnitNode


async def report_target(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    principal: Principal | None,
) -> ReportTarget:
    """Resolve round and unit (default: the round's top unit) and check the reader's scope."""
    round_ = await get_round(session, round_code)
    tree = await load_tree(session)
    covered = await covered_unit_ids(session, round_.id)
    unit = tree.get(unit_code) if unit_code else tree.common_ancestor(covered)
    if unit is None:
        raise NotFound("this round covers no unit yet")
    if principal is not None:
        require(principal, "viewer", unit.id, tree)
    return ReportTarget(round_, catalogue.get(round_.form_code), tree, covered, unit)


def aggregation_text(instrument: Instrument) -> str:
    rule = instrument.aggregation
    return f"element: {rule.element}; overall: {rule.overall}"


def element_results(instrument: Instrument, est: UnitEstimate, lang: str) -> list[ElementResult]:
    names = {e.code: e.name.get(lang) for e in instrument.elements}
    texts = {q.code: q.text.get(lang) for q in instrument.criteria}
    return [
        ElementResult(
            code=e.code,
            name=names[e.code],
            index=e.index,
            criteria=[
                CriterionResult(
                    code=c.code,
                    name=texts[c.code],
                    index=c.index,
                    respondents=c.respondents,
                    weighted_respondents=c.weighted_respondents,
                )
                for c in e.criteria
            ],
        )
        for e in est.elements
    ]


async def satisfaction_report(
    session: AsyncSession,
    catalogue: Catalogue,
    round_code: str,
    unit_code: str | None,
    lang: str = "vi",
    principal: Principal | None = None,
) -> SatisfactionReport:
    """Indices of a unit's subtree, its elements and criteria, and its ranked children."""
    target = await report_target(session, catalogue, round_code, unit_code, principal)
    round_, instrument = target.round, target.form.instrument
    if instrument.aggregation.is_points:
        raise Conflict(
            f"{instrument.code} is scored in points with classes, not as a satisfaction share: "
            f"see /api/v1/rounds/{round_.code}/questions"
        )
    satisfied = {q.code: instrument.scale_of(q).satisfied for q in instrument.criteria}
    tally = await tally_round(session, round_.id, list(satisfied), satisfied)
    return build_report(target, tally, lang)


def build_report(target: ReportTarget, tally: RoundTally, lang: str) -> SatisfactionReport:
    """The report of ``target.unit`` from the round's tallies (computed once for many units)."""
    round_, instrument, tree, unit = target.round, target.form.instrument, target.tree, target.unit
    covered = target.covered
    own = estimate(instrument, tally, tree.subtree_ids(unit.id))

    children = []
    for child in tree.children.get(unit.id, ()):
        subtree = tree.subtree_ids(child.id)
        if subtree & covered:
            children.append((child, estimate(instrument, tally, subtree)))
    ranks = competition_ranks([est.index for _, est in children])

    return SatisfactionReport(
        round=round_.code,
        form=instrument.code,
        form_version=instrument.version,
        aggregation=aggregation_text(instrument),
        unit=UnitRef(code=unit.code, name=unit.name, level=unit.level),
        respondents=own.respondents,
        weighted_respondents=own.weighted_respondents,
        index=own.index,
        elements=element_results(instrument, own, lang),
        children=[
            ChildResult(
                code=child.code,
                name=child.name,
                level=child.level,
                respondents=est.respondents,
                weighted_respondents=est.weighted_respondents,
                index=est.index,
                rank=rank,
            )
            for (child, est), rank in zip(children, ranks, strict=True)
        ],
    )
