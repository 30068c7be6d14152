"""Which units a principal's list query covers: a chosen subtree, cut to the role's scope."""

from __future__ import annotations

from app.auth.access import require
from app.auth.principal import Principal, Role
from app.units.service import UnitTree


def units_in_scope(
    principal: Principal, tree: UnitTree, unit_code: str | None, role: Role = "viewer"
) -> set[int] | None:
    """Unit ids to list: ``unit_code``'s subtree (403 outside scope, 404 unknown) or everything
    the principal may see; None means no restriction (a superadmin without a unit)."""
    visible = principal.visible_units(role, tree)
    if unit_code is None:
        return visible
    unit = tree.get(unit_code)
    require(principal, role, unit.id, tree)
    return tree.subtree_ids(unit.id)
