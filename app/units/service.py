"""Units and their hierarchy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.errors import NotFound
from app.models import Unit


@dataclass(frozen=True)
class UnitNode:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class UnitTree:
    """The whole hierarchy in memory: small (thousands of rows) and read in one query."""

    def __init__(self, nodes: Iterable[UnitNode]) -> None:
        self.by_id = {n.id: n for n in nodes}
        self.by_code = {n.code: n for n in self.by_id.values()}
        self._adopt(sorted(self.by_id.values(), key=lambda n: n.code))

    def _adopt(self, ordered: Iterable[UnitNode]) -> None:
        """``children`` of the nodes, given in code order."""
        self.children: dict[int | None, list[UnitNode]] = defaultdict(list)
        for node in ordered:
            self.children[node.parent_id].append(node)
        # subtrees asked for (a tree is not changed once built; kept trees serve many
        # reports: a ranking of 4,000 units asks each one's subtree three times)
        self._subtrees: dict[int, frozenset[int]] = {}

    def get(self, code: str) -> UnitNode:
        try:
            return self.by_code[code]
        except KeyError:
            raise NotFound(f"unknown unit {code!r}") from None

    def subtree_ids(self, unit_id: int) -> set[int]:
        """The unit and every unit under it (a new set: the caller may change it)."""
        found = self._subtrees.get(unit_id)
        if found is None:
            found = self._subtrees[unit_id] = frozenset(self._walk(unit_id))
        return set(found)

    def _walk(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(child.id for child in self.children.get(current, ()))
        return found

    def ancestors(self, unit_id: int) -> list[UnitNode]:
        """From the unit itself up to its root."""
        chain, node = [], self.by_id.get(unit_id)
        while node is not None:
            chain.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return chain

    def tops(self, roots: set[int] | None) -> list[UnitNode]:
        """The top units of a scope given by its grant roots (None: the whole hierarchy); a
        root inside another root's subtree is not a top unit."""
        if roots is None:
            return list(self.children.get(None, []))
        return sorted(
            (self.by_id[r] for r in roots if not any(a.id in roots for a in self.ancestors(r)[1:])),
            key=lambda n: n.code,
        )

    def leaves(self, unit_id: int) -> list[UnitNode]:
        """The units without children in ``unit_id``'s subtree (counters), in tree order."""
        found, stack = [], [self.by_id[unit_id]]
        while stack:
            node = stack.pop()
            children = self.children.get(node.id, [])
            if not children:
                found.append(node)
            stack.extend(reversed(children))
        return found

    def common_ancestor(self, unit_ids: Iterable[int]) -> UnitNode | None:
        """The deepest unit whose subtree holds them all (None: none, or no such unit). Each
        unit walks up only until it meets the common chain so far (a round of thousands of
        counters under one province: a few steps each)."""
        ids = iter(unit_ids)
        first = next(ids, None)
        if first is None:
            return None
        chain = list(reversed(self.ancestors(first)))  # from the root down to the unit
        depth = {node.id: k for k, node in enumerate(chain)}
        keep = len(chain)
        for unit_id in ids:
            node = self.by_id.get(unit_id)
            while node is not None and depth.get(node.id, keep) >= keep:
                node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
            if node is None:
                return None
            keep = depth[node.id] + 1
        return chain[keep - 1] if keep else None


async def load_tree(session: AsyncSession) -> UnitTree:
    rows = await session.execute(select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id))
    return UnitTree(UnitNode(*row) for row in rows)


async def get_unit(session: AsyncSession, code: str) -> Unit:
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"unknown unit {code!r}")
    return unit


async def upsert_unit(
    session: AsyncSession,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    parent: str | None,
    source: str = "edit",
) -> Unit:
    """Create or update a unit by code (used by the demo, imports and the console's unit
    form); audited. An update is kept as a dated version from today (app.units.edits), so
    the hierarchy's history holds; ``source`` says where it came from."""
    from app.units.edits import Edit, record_edits  # app.units.events imports this module

    parent_id = (await get_unit(session, parent)).id if parent else None
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    values = {"name": name, "level": level, "parent": parent}
    if unit is None:
        unit = Unit(code=code, name=name, level=level, parent_id=parent_id)
        session.add(unit)
        await session.flush()
        await record(session, actor, "unit.create", "unit", code, unit.id, values)
    elif (unit.name, unit.level, unit.parent_id) != (name, level, parent_id):
        before, after = (unit.name, unit.level, unit.parent_id), (name, level, parent_id)
        await record_edits(session, actor, [Edit(unit.id, code, before, after)], source)
        unit.name, unit.level, unit.parent_id = name, level, parent_id
        await session.flush()
        await record(session, actor, "unit.update", "unit", code, unit.id, values)
    return unit
