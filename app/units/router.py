from __future__ import annotations

from fastapi import APIRouter, Query

from app.auth.access import ApiReader, require
from app.deps import SessionDep
from app.units.schemas import UnitOut
from app.units.service import load_tree

router = APIRouter(prefix="/api/v1", tags=["units"])


@router.get("/units", response_model=list[UnitOut])
async def get_units(
    session: SessionDep,
    principal: ApiReader,
    parent: str | None = Query(None, description="Parent unit code; default: your top units"),
) -> list[UnitOut]:
    """Units directly under ``parent``; without it, the top units of your scope."""
    tree = await load_tree(session)
    if parent is not None:
        node = tree.get(parent)
        require(principal, "viewer", node.id, tree)
        nodes = tree.children.get(node.id, [])
    else:
        nodes = tree.tops(None if principal.is_superadmin else principal.scope_roots("viewer"))
    return [
        UnitOut(
            code=n.code,
            name=n.name,
            level=n.level,
            parent=tree.by_id[n.parent_id].code if n.parent_id is not None else None,
        )
        for n in nodes
    ]
