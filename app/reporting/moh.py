"""The satisfaction report's ``moh`` block: the Ministry of Health's own indicators (mean score
1–5 per item, section and overall; the share satisfied with every item rated) for rounds of a
health-family instrument, with design-based SEs and intervals (app.statistics.moh)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.forms.schema import Instrument
from app.models import ImprovementFigures, Round
from app.models.base import as_utc
from app.reporting.changes import data_changed_at
from app.reporting.freshness_schemas import FreshnessOut
from app.reporting.moh_schemas import (
    ALL_SATISFIED_DEFINITION,
    MEAN_DEFINITION,
    VARIANCE_DEFINITION,
    MohChild,
    MohFigure,
    MohIndicators,
    MohItem,
    MohSection,
)
from app.statistics.design import Design
from app.statistics.freshness import has_pending
from app.statistics.inference import Engine
from app.statistics.load import round_volumes
from app.statistics.moh import MohDomain, MohEstimate, MohSums, estimate_domain, load_sums
from app.units.service import UnitNode, UnitTree

MOH = "moh"  # the kind of the worker's rows (improvement_figures) that hold the block
STORED_LANG = "vi"  # rows are stored in Vietnamese; names are relabelled on reading


def is_health(instrument: Instrument) -> bool:
    method = instrument.method
    return method is not None and method.family == "health"


def _figure(found: MohEstimate) -> MohFigure:
    return MohFigure(
        value=found.value,
        se=found.se,
        ci95=list(found.ci95) if found.ci95 is not None else None,
        respondents=found.n,
        weighted_respondents=found.weight,
        df=found.df,
    )


def _sections(instrument: Instrument, found: MohDomain, lang: str) -> list[MohSection]:
    sections = []
    for element in instrument.elements:
        items = [
            MohItem(code=q.code, name=q.text.get(lang), **_figure(found.items[q.code]).__dict__)
            for q in instrument.criteria_of(element.code)
        ]
        figure = _figure(found.sections[element.code]).__dict__
        sections.append(
            MohSection(code=element.code, name=element.name.get(lang), items=items, **figure)
        )
    return sections


def definitions(instrument: Instrument) -> dict[str, str]:
    """The three definition texts, as the report and the exports' method block state them."""
    rule = instrument.aggregation
    return {
        "mean_definition": MEAN_DEFINITION.format(
            rule=f"element: {rule.element}; overall: {rule.overall}"
        ),
        "all_satisfied_definition": ALL_SATISFIED_DEFINITION,
        "variance_method": VARIANCE_DEFINITION,
    }


# Sums loaded for an engine that serves many reports (a freeze): read once per engine.
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, MohSums] = weakref.WeakKeyDictionary()


async def round_sums(
    session: AsyncSession, round_: Round, instrument: Instrument, design: Design, tree: UnitTree
) -> MohSums:
    """The PSU sums of every unit of the round (read once for all its units' blocks)."""
    volumes = await round_volumes(session, round_.id)
    return await load_sums(session, round_, instrument, design, tree, volumes, set(tree.by_id))


def moh_block(
    sums: MohSums,
    instrument: Instrument,
    tree: UnitTree,
    unit: UnitNode,
    children: Sequence[UnitNode],
    lang: str,
    ci: str,
) -> MohIndicators:
    """The unit's block and each child's figures, from sums that hold their units."""
    own = estimate_domain(sums, instrument, tree.subtree_ids(unit.id), ci)
    kids = []
    for child in children:
        found = estimate_domain(sums, instrument, tree.subtree_ids(child.id), ci)
        kids.append(
            MohChild(
                code=child.code,
                name=child.name,
                level=child.level,
                mean=_figure(found.overall),
                all_satisfied=_figure(found.all_satisfied),
            )
        )
    return MohIndicators(
        **definitions(instrument),
        mean=_figure(own.overall),
        all_satisfied=_figure(own.all_satisfied),
        sections=_sections(instrument, own, lang),
        children=kids,
    )


async def moh_indicators(
    session: AsyncSession,
    round_: Round,
    instrument: Instrument,
    design: Design,
    tree: UnitTree,
    unit: UnitNode,
    children: Sequence[UnitNode],
    lang: str,
    engine: Engine | None = None,
) -> MohIndicators | None:
    """The block computed from the responses (a freeze, the worker; None for an instrument
    outside the health family): the unit's subtree and each child's. With ``engine`` the
    whole round is read once for every report that engine serves."""
    if not is_health(instrument):
        return None
    sums = _BY_ENGINE.get(engine) if engine is not None else None
    if sums is None:
        if engine is not None:
            sums = _BY_ENGINE[engine] = await round_sums(session, round_, instrument, design, tree)
        else:
            volumes = await round_volumes(session, round_.id)
            units = tree.subtree_ids(unit.id)
            sums = await load_sums(session, round_, instrument, design, tree, volumes, units)
    return moh_block(sums, instrument, tree, unit, children, lang, design.ci)


async def served_moh(
    session: AsyncSession, round_: Round, instrument: Instrument, unit: UnitNode, lang: str
) -> tuple[MohIndicators | None, bool]:
    """The block as the background worker last computed it (an ``improvement_figures`` row of
    kind 'moh', app/improvement/cache.py), with its ``freshness``; (None, True) while the
    worker has not reached the unit, (None, False) for an instrument outside the family."""
    if not is_health(instrument):
        return None, False
    row = await session.get(ImprovementFigures, (round_.id, unit.id, MOH))
    if row is None:
        return None, True
    block = MohIndicators.model_validate(row.report)
    if lang != STORED_LANG:
        names = instrument.names(lang)
        for section in block.sections:
            section.name = names.get(section.code, section.name)
            for item in section.items:
                item.name = names.get(item.code, item.name)
    changed = await data_changed_at(session, round_)
    block.freshness = FreshnessOut(
        source="worker",
        as_of=as_utc(row.as_of),
        pending=await has_pending(session, round_.id),
        stale=changed > as_utc(row.basis),
    )
    return block, False
