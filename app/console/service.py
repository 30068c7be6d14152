"""Queries behind the console pages: units in scope as a tree, searches, counters, counts."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.models import Response, Round, RoundUnit
from app.rounds.service import rounds_in_scope
from app.units.service import UnitNode, UnitTree


@dataclass
class UnitView:
    """A unit as the tree shows it, with what the viewer may do there."""

    node: UnitNode
    depth: int
    can_edit: bool
    children: list[UnitView] = field(default_factory=list)
    counters: int = 0  # units without children in its subtree, itself included


def fold(text: str) -> str:
    """Lower case without diacritics, so "hoa lac" finds "Hòa Lạc" (đ is folded to d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def scope_tops(tree: UnitTree, principal: Principal, role: Role) -> list[UnitNode]:
    return tree.tops(None if principal.is_superadmin else principal.scope_roots(role))


def unit_forest(tree: UnitTree, principal: Principal, role: Role = "viewer") -> list[UnitView]:
    """Every unit on which the principal holds ``role``, as trees under its scope's tops."""

    def build(node: UnitNode, depth: int) -> UnitView:
        view = UnitView(node, depth, principal.can("admin", node.id, tree))
        view.children = [build(child, depth + 1) for child in tree.children.get(node.id, [])]
        view.counters = sum(c.counters for c in view.children) or 1
        return view

    return [build(top, 0) for top in scope_tops(tree, principal, role)]


def flatten(forest: list[UnitView]) -> list[UnitView]:
    """Depth-first, in tree order."""
    found: list[UnitView] = []
    stack = list(reversed(forest))
    while stack:
        view = stack.pop()
        found.append(view)
        stack.extend(reversed(view.children))
    return found


def search(forest: list[UnitView], query: str) -> list[UnitView]:
    """Units whose code or name contains ``query`` (case and diacritics ignored)."""
    wanted = fold(query.strip())
    return [
        v for v in flatten(forest) if wanted in fold(v.node.code) or wanted in fold(v.node.name)
    ]


def units_with_role(tree: UnitTree, principal: Principal, role: Role) -> list[UnitView]:
    """Every unit on which the principal holds ``role``, in tree order, with its depth."""
    return flatten(unit_forest(tree, principal, role))


def unit_options(views: list[UnitView]) -> list[tuple[str, str]]:
    """(code, label) for a select, indented by depth."""
    return [(v.node.code, f"{'— ' * v.depth}{v.node.name} ({v.node.code})") for v in views]


def parent_options(
    tree: UnitTree, principal: Principal, unit: UnitNode | None
) -> list[tuple[str, str]]:
    """(code, label) of the units a unit may be placed under: those the principal
    administers, outside the unit's own subtree, and its current parent whatever it is."""
    inside = tree.subtree_ids(unit.id) if unit else set()
    views = units_with_role(tree, principal, "admin")
    options = unit_options([v for v in views if v.node.id not in inside])
    current = tree.by_id.get(unit.parent_id) if unit and unit.parent_id is not None else None
    if current is not None and all(code != current.code for code, _ in options):
        options.insert(0, (current.code, f"{current.name} ({current.code})"))
    return options


def levels(tree: UnitTree) -> list[str]:
    return sorted({n.level for n in tree.by_id.values()})


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    units: int  # covered units in the viewer's scope
    responses: int  # valid responses at those units


async def round_summaries(
    session: AsyncSession, principal: Principal, tree: UnitTree
) -> list[RoundSummary]:
    """Rounds in scope, newest first, with their covered units and valid responses in scope."""
    rounds = await rounds_in_scope(session, principal)
    visible = principal.visible_units("viewer", tree)
    counts = await session.execute(
        select(Response.round_id, Response.unit_id, func.count())
        .where(Response.status == "valid")
        .group_by(Response.round_id, Response.unit_id)
    )
    responses: dict[int, int] = defaultdict(int)
    for round_id, unit_id, n in counts:
        if visible is None or unit_id in visible:
            responses[round_id] += n
    covered: dict[int, int] = defaultdict(int)
    for round_id, unit_id in await session.execute(select(RoundUnit.round_id, RoundUnit.unit_id)):
        if visible is None or unit_id in visible:
            covered[round_id] += 1
    return [RoundSummary(r, covered[r.id], responses[r.id]) for r in rounds]


@dataclass(frozen=True)
class CoveredUnit:
    node: UnitNode
    volume: int | None
    responses: int


async def covered_units(
    session: AsyncSession, round_: Round, tree: UnitTree, visible: set[int] | None
) -> list[CoveredUnit]:
    """The round's units that ``visible`` allows (None: all), with volume and valid responses."""
    answered = await session.execute(
        select(Response.unit_id, func.count())
        .where(Response.round_id == round_.id, Response.status == "valid")
        .group_by(Response.unit_id)
    )
    counts = {unit_id: n for unit_id, n in answered}
    rows = await session.execute(
        select(RoundUnit.unit_id, RoundUnit.volume).where(RoundUnit.round_id == round_.id)
    )
    found = [
        CoveredUnit(tree.by_id[unit_id], volume, counts.get(unit_id, 0))
        for unit_id, volume in rows
        if visible is None or unit_id in visible
    ]
    return sorted(found, key=lambda c: c.node.code)
