"""Unit lineage: merges (A and B become C from a date) and the predecessors reports pool.

A merged unit stays in the tree, inactive from the merge date, with a link to its successor.
Its responses stay where they were collected; a report that compares a successor with an
earlier round pools the successor's subtree with its predecessors' (recursively), so that
"C in 2025" is compared with "A and B together in 2024".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.errors import AppError, Conflict, Forbidden
from app.i18n import N_, Message
from app.models import Unit
from app.units.events import link, local_today, new_event, open_version
from app.units.service import UnitNode, UnitTree, get_unit, load_tree, upsert_unit

Predecessors = dict[int, list[int]]  # successor id -> ids of the units merged into it
# Refusals name the form field they concern (``field``, also in the API's error body).
MSG_NO_SOURCES = N_("Vui lòng chọn ít nhất một đơn vị được sáp nhập.")
MSG_TWICE = N_("Một đơn vị được chọn hai lần.")
MSG_INSIDE = N_("Đơn vị tiếp nhận không thể nằm bên trong một đơn vị bị sáp nhập.")
MSG_PARENTS = N_("Các đơn vị có cấp trên khác nhau: vui lòng chọn cấp trên của đơn vị tiếp nhận.")
MSG_LEVELS = N_("Các đơn vị khác cấp nhau: vui lòng nhập cấp của đơn vị tiếp nhận.")
MSG_TOP = N_("Chỉ quản trị viên cấp cao nhất mới được tạo đơn vị không có cấp trên.")


@dataclass(frozen=True)
class Inactive:
    """A unit that stopped: merged into ``successor_id``, or closed (no successor)."""

    unit_id: int
    successor_id: int | None
    inactive_from: date | None


async def load_inactive(session: AsyncSession) -> list[Inactive]:
    rows = await session.execute(
        select(Unit.id, Unit.successor_id, Unit.inactive_from).where(
            or_(Unit.successor_id.is_not(None), Unit.inactive_from.is_not(None))
        )
    )
    return [Inactive(*row) for row in rows]


async def load_predecessors(session: AsyncSession, as_of: date | None = None) -> Predecessors:
    """Successor id -> the units merged into it (by ``as_of``, if given: a merge dated later
    does not count yet)."""
    found: Predecessors = {}
    for unit in await load_inactive(session):
        if as_of is not None and (unit.inactive_from is None or unit.inactive_from > as_of):
            continue
        if unit.successor_id is not None:
            found.setdefault(unit.successor_id, []).append(unit.unit_id)
    return found


def lineage_ids(tree: UnitTree, predecessors: Predecessors, unit_id: int) -> set[int]:
    """The unit's subtree with every predecessor's subtree, followed back through merges."""
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        for member in tree.subtree_ids(stack.pop()):
            if member not in found:
                found.add(member)
                stack.extend(predecessors.get(member, ()))
    return found


@dataclass(frozen=True)
class MergeRequest:
    sources: Sequence[str]
    into: str
    effective: date
    name: str | None = None  # for a new successor
    level: str | None = None  # default: the sources' common level
    parent: str | None = None  # default: the sources' common parent
    move_children: bool = False


@dataclass(frozen=True)
class MergeResult:
    successor: str
    created: bool
    merged: list[str]
    moved_children: list[str]


def _new_parent(tree: UnitTree, sources: list[Unit], req: MergeRequest) -> str | None:
    """Where a new successor goes: the given parent, else the sources' common parent."""
    if req.parent is not None:
        return tree.get(req.parent).code
    parent_ids = {u.parent_id for u in sources}
    if len(parent_ids) != 1:
        raise AppError(MSG_PARENTS, field="parent")
    parent_id = next(iter(parent_ids))
    return tree.by_id[parent_id].code if parent_id is not None else None


def _check_sources(tree: UnitTree, sources: list[Unit], into: str, parent: str | None) -> None:
    if not sources:
        raise AppError(MSG_NO_SOURCES, field="sources")
    if len({u.code for u in sources}) != len(sources):
        raise AppError(MSG_TWICE, field="sources")
    for unit in sources:
        if unit.code == into:
            raise AppError(
                Message("Không thể sáp nhập %(code)s vào chính nó.", code=into), field="into"
            )
        if unit.successor_id is not None or unit.inactive_from is not None:
            message = Message(
                "Đơn vị %(code)s đã được sáp nhập hoặc ngừng hoạt động.", code=unit.code
            )
            raise Conflict(message, field="sources")
    inside = {tree.by_id[m].code for u in sources for m in tree.subtree_ids(u.id)}
    if into in inside or (parent is not None and parent in inside):
        raise AppError(MSG_INSIDE, field="parent" if parent in inside else "into")


def _check_scope(
    principal: Principal | None, tree: UnitTree, units: list[UnitNode], new_top: bool
) -> None:
    """Admin on each of ``units``; creating a top-level unit is for a superadmin only."""
    if principal is None:
        return
    for unit in units:
        require(principal, "admin", unit.id, tree)
    if new_top and not principal.is_superadmin:
        raise Forbidden(MSG_TOP, field="parent")


async def _successor(
    session: AsyncSession,
    actor: Actor,
    sources: list[Unit],
    req: MergeRequest,
    parent: str | None,
    exists: bool,
) -> Unit:
    if exists:
        successor = await get_unit(session, req.into)
        if successor.inactive_from is not None:
            message = Message(
                "Đơn vị %(code)s đã ngừng hoạt động; hãy chọn một đơn vị đang hoạt động.",
                code=req.into,
            )
            raise Conflict(message, field="into")
        return successor
    if not req.name:
        raise AppError(
            Message("Chưa có đơn vị %(code)s: nhập tên để tạo mới.", code=req.into), field="name"
        )
    levels = {u.level for u in sources}
    if req.level is None and len(levels) != 1:
        raise AppError(MSG_LEVELS, field="level")
    level = req.level or next(iter(levels))
    return await upsert_unit(session, actor, req.into, req.name, level, parent)


async def merge_units(
    session: AsyncSession, actor: Actor, req: MergeRequest, principal: Principal | None = None
) -> MergeResult:
    """Mark ``sources`` inactive from ``effective`` with ``into`` as their successor (created
    if new); optionally move their active children under it. Audited; checks admin scope."""
    tree = await load_tree(session)
    sources = [await get_unit(session, code) for code in req.sources]
    _check_scope(principal, tree, [tree.by_id[u.id] for u in sources], False)
    exists = req.into in tree.by_code
    parent = None if exists else _new_parent(tree, sources, req)
    _check_sources(tree, sources, req.into, parent)
    anchor = req.into if exists else parent
    anchors = [tree.by_code[anchor]] if anchor is not None else []
    _check_scope(principal, tree, anchors, anchor is None)
    successor = await _successor(session, actor, sources, req, parent, exists)
    today = local_today()
    details = {
        "sources": [u.code for u in sources],
        "into": successor.code,
        "created": not exists,
        "move_children": req.move_children,
    }
    event = await new_event(session, actor, "merge", req.effective, details)
    if not exists:
        await open_version(session, event, successor, today, new=True)
    moved: list[str] = []
    for unit in sources:
        if req.move_children:
            children = await session.scalars(
                select(Unit).where(Unit.parent_id == unit.id, Unit.inactive_from.is_(None))
            )
            for child in list(children):
                await open_version(session, event, child, today, parent_id=successor.id)
                moved.append(child.code)
        await link(session, event, unit, successor, 1.0)
        await open_version(
            session, event, unit, today, status="inactive", successor_id=successor.id
        )
        changes = {
            "successor": successor.code,
            "inactive_from": req.effective.isoformat(),
            "event": event.id,
        }
        await record(session, actor, "unit.merge", "unit", unit.code, unit.id, changes)
    await record(
        session,
        actor,
        "unit.merge",
        "unit",
        successor.code,
        successor.id,
        {"predecessors": [u.code for u in sources], "moved_children": moved, "event": event.id},
    )
    return MergeResult(successor.code, not exists, [u.code for u in sources], moved)
