"""Who is asking, and what they may do where: roles on units, valid for whole subtrees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.units.service import UnitTree

Role = Literal["viewer", "manager", "admin"]
# A higher role includes the lower ones: an admin may do what a manager or viewer may.
ROLE_RANK: dict[str, int] = {"viewer": 1, "manager": 2, "admin": 3}
# A key's "feeder" grant (posting dossier events, app/dossiers) is no role: it ranks below every
# reading role (rank 0: no reading), and only a feeder grant may feed (``feeds``).
FEEDER = "feeder"


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "api_key"]
    id: int
    label: str  # for the audit trail: "user:3 an@x.vn", "api_key:sk_ab12cd34"
    is_superadmin: bool = False
    grants: tuple[tuple[str, int], ...] = ()  # (role, unit id)
    csrf_token: str | None = None
    must_change_password: bool = False
    session_hash: str | None = field(default=None, repr=False)

    def scope_roots(self, role: Role) -> set[int]:
        """Units on which this principal holds ``role`` or higher."""
        needed = ROLE_RANK[role]
        return {unit for r, unit in self.grants if ROLE_RANK.get(r, 0) >= needed}

    def can(self, role: Role, unit_id: int, tree: UnitTree) -> bool:
        if self.is_superadmin:
            return True
        roots = self.scope_roots(role)
        return any(node.id in roots for node in tree.ancestors(unit_id))

    def feeds(self, unit_id: int, tree: UnitTree) -> bool:
        """Whether this principal holds a feeder grant on ``unit_id`` or an ancestor."""
        roots = {unit for r, unit in self.grants if r == FEEDER}
        return any(node.id in roots for node in tree.ancestors(unit_id))

    def has_any(self, role: Role) -> bool:
        return self.is_superadmin or bool(self.scope_roots(role))

    def visible_units(self, role: Role, tree: UnitTree) -> set[int] | None:
        """Every unit in scope for ``role``; None means all (superadmin)."""
        if self.is_superadmin:
            return None
        found: set[int] = set()
        for root in self.scope_roots(role):
            found |= tree.subtree_ids(root)
        return found
