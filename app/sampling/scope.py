"""What an import may touch: the round's units, and which units it may add to the round.

A frame (volumes or dossiers) that names a unit the round does not cover yet ADDS the unit to
the round, provided the caller holds admin on that unit; otherwise the row is rejected. This
keeps "the frame defines the round's coverage" without letting an admin of one district extend
a round into another district (round_in_scope already required admin on every covered unit).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.models import Round
from app.rounds.service import covered_unit_ids
from app.units.service import UnitNode, UnitTree, load_tree


@dataclass(frozen=True)
class ImportScope:
    round: Round
    tree: UnitTree
    covered: set[int]
    addable: set[int] | None  # units the caller may add to the round; None: any (superadmin, CLI)

    def check(self, code: str) -> tuple[UnitNode | None, str | None]:
        """The unit named ``code``, or the reason a row naming it is rejected."""
        node = self.tree.by_code.get(code)
        if node is None:
            return None, f"unknown unit {code!r}" if code else "unit is empty"
        if node.id in self.covered or self.addable is None or node.id in self.addable:
            return node, None
        return None, f"unit {code} is not in the round and outside your scope"

    @property
    def anchor(self) -> int | None:
        """The unit the round's audit events belong to: the common ancestor of its units."""
        node = self.tree.common_ancestor(self.covered)
        return node.id if node else None


async def import_scope(
    session: AsyncSession, round_: Round, principal: Principal | None
) -> ImportScope:
    tree = await load_tree(session)
    covered = await covered_unit_ids(session, round_.id)
    addable = None if principal is None else principal.visible_units("admin", tree)
    return ImportScope(round_, tree, covered, addable)
