"""The console's merge form: what it offers, reading it, and the merge itself run by the
lineage service — as a dry run inside a rolled-back savepoint for the confirmation page (so
the page shows exactly what the service would do), then for real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.principal import Principal
from app.console.forms import MSG_CHOICE, Form
from app.console.service import levels, unit_options, units_with_role
from app.errors import AppError
from app.i18n import N_
from app.units.lineage import (
    MSG_NO_SOURCES,
    Inactive,
    MergeRequest,
    MergeResult,
    load_inactive,
    merge_units,
)
from app.units.service import UnitNode, UnitTree, load_tree

MSG_INTO_SCOPE = N_("Bạn không có quyền quản trị đơn vị này.")


@dataclass(frozen=True)
class MergeChoices:
    """What the form offers: the active units one administers, and the levels in use."""

    units: list[tuple[str, str]]
    levels: list[str]

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.units}


async def merge_choices(
    session: AsyncSession, tree: UnitTree, principal: Principal
) -> MergeChoices:
    inactive = {u.unit_id for u in await load_inactive(session)}
    views = [v for v in units_with_role(tree, principal, "admin") if v.node.id not in inactive]
    return MergeChoices(unit_options(views), levels(tree))


def read_merge(
    form: Form, choices: MergeChoices, tree: UnitTree, principal: Principal
) -> MergeRequest | None:
    """The merge the form asks for, or None with a message per wrong field. The service
    checks the rest (and again the scope)."""
    sources = form.getlist("sources")
    if not sources:
        form.fail("sources", MSG_NO_SOURCES)
    elif not set(sources) <= choices.codes:
        form.fail("sources", MSG_CHOICE)
    into = form.code("into")
    existing = tree.by_code.get(into)
    if existing is not None and not principal.can("admin", existing.id, tree):
        form.fail("into", MSG_INTO_SCOPE)
    name = form.text("name", required=False)
    level = form.text("level", max_length=32, required=False)
    parent = form.get("parent")
    if parent and parent not in choices.codes:
        form.fail("parent", MSG_CHOICE)
    effective = form.day("effective")
    if not form.ok or effective is None:
        return None
    moving = form.get("move_children") == "1"
    return MergeRequest(
        sources, into, effective, name or None, level or None, parent or None, moving
    )


@dataclass(frozen=True)
class MergePlan:
    """A merge as the service made it: the units as they are right after it."""

    request: MergeRequest
    result: MergeResult
    sources: list[UnitNode]
    successor: UnitNode
    parent: UnitNode | None
    moved: list[UnitNode]
    staying: list[UnitNode]  # active children left under the merged units


async def _plan(session: AsyncSession, req: MergeRequest, result: MergeResult) -> MergePlan:
    tree = await load_tree(session)
    inactive = {u.unit_id for u in await load_inactive(session)}
    successor = tree.by_code[result.successor]
    sources = [tree.by_code[code] for code in result.merged]
    staying = [
        child
        for source in sources
        for child in tree.children.get(source.id, [])
        if child.id not in inactive
    ]
    parent = tree.by_id.get(successor.parent_id) if successor.parent_id is not None else None
    moved = [tree.by_code[code] for code in result.moved_children]
    return MergePlan(req, result, sources, successor, parent, moved, staying)


async def run_merge(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    req: MergeRequest,
    form: Form,
    apply: bool,
) -> MergePlan | None:
    """Merge (``apply``) or only try to; None with the service's refusal as a field message.
    A refusal that names no field (scope) is raised."""
    savepoint = await session.begin_nested()
    try:
        result = await merge_units(session, actor, req, principal)
        plan = await _plan(session, req, result)
    except AppError as exc:
        await savepoint.rollback()
        field = exc.extra.get("field")
        if field is None:
            raise
        form.fail(str(field), exc.detail)
        return None
    except BaseException:
        await savepoint.rollback()
        raise
    await (savepoint.commit() if apply else savepoint.rollback())
    return plan


@dataclass(frozen=True)
class Lineage:
    """Per unit id: the successor it was merged into and from when; the units merged into it."""

    successor: dict[int, tuple[UnitNode, date | None]]
    predecessors: dict[int, list[tuple[UnitNode, date | None]]]
    closed: dict[int, date | None]  # stopped without a successor


def lineage_of(tree: UnitTree, inactive: list[Inactive]) -> Lineage:
    lineage = Lineage({}, {}, {})
    for unit in inactive:
        node = tree.by_id[unit.unit_id]
        if unit.successor_id is None:
            lineage.closed[node.id] = unit.inactive_from
            continue
        lineage.successor[node.id] = (tree.by_id[unit.successor_id], unit.inactive_from)
        lineage.predecessors.setdefault(unit.successor_id, []).append((node, unit.inactive_from))
    for merged in lineage.predecessors.values():
        merged.sort(key=lambda pair: pair[0].code)
    return lineage


async def load_lineage(session: AsyncSession, tree: UnitTree) -> Lineage:
    return lineage_of(tree, await load_inactive(session))
