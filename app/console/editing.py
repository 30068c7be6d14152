"""The rules of the console's forms that change units and rounds: each reads a submitted
form, records a message per wrong field, and only then calls the domain service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.auth.principal import Principal
from app.console.forms import Form
from app.errors import Conflict
from app.forms.registry import Catalogue
from app.i18n import N_
from app.models import Round
from app.rounds.service import MSG_PERIOD, create_round, set_volume
from app.units.service import UnitNode, UnitTree, get_unit, upsert_unit

MSG_EXISTS = N_("Mã này đã được dùng.")
MSG_NO_PARENT = N_("Vui lòng chọn đơn vị cấp trên.")
MSG_PARENT_SCOPE = N_("Bạn không có quyền quản trị đơn vị cấp trên này.")
MSG_CYCLE = N_("Không thể đặt một đơn vị vào bên trong chính nó.")
MSG_NO_UNITS = N_("Vui lòng chọn ít nhất một đơn vị.")
MSG_UNIT_SCOPE = N_("Có đơn vị ngoài phạm vi quản lý của bạn.")


def _parent(form: Form, tree: UnitTree, principal: Principal) -> UnitNode | None:
    code = form.get("parent")
    if not code:
        if not principal.is_superadmin:  # only a superadmin adds or keeps a top unit
            form.fail("parent", MSG_NO_PARENT)
        return None
    node = tree.by_code.get(code)
    if node is None:
        form.fail("parent", MSG_NO_PARENT)
    elif not principal.can("admin", node.id, tree):
        form.fail("parent", MSG_PARENT_SCOPE)
    return node


async def save_unit(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    tree: UnitTree,
    form: Form,
    unit: UnitNode | None,
) -> str | None:
    """Create (``unit`` None) or edit a unit from the form; its code when saved, else None.

    The caller has checked that the principal administers ``unit``; here the parent must be
    in the principal's admin scope too (unless unchanged), and never inside the unit itself.
    """
    code = unit.code if unit else form.code("code")
    if unit is None and code in tree.by_code:
        form.fail("code", MSG_EXISTS)
    name = form.text("name")
    level = form.text("level", max_length=32)
    unchanged = unit is not None and form.get("parent") == _parent_code(tree, unit)
    parent = tree.by_code.get(form.get("parent")) if unchanged else _parent(form, tree, principal)
    if unit is not None and parent is not None and parent.id in tree.subtree_ids(unit.id):
        form.fail("parent", MSG_CYCLE)
    if not form.ok:
        return None
    await upsert_unit(session, actor, code, name, level, parent.code if parent else None, "console")
    return code


def _parent_code(tree: UnitTree, unit: UnitNode) -> str:
    return tree.by_id[unit.parent_id].code if unit.parent_id is not None else ""


@dataclass(frozen=True)
class RoundDraft:
    code: str
    name: str
    form_code: str
    starts_on: date
    ends_on: date
    volumes: dict[str, int | None]  # unit code → transaction volume N (None: unknown)


def read_round(
    form: Form, catalogue: Catalogue, tree: UnitTree, principal: Principal, root: UnitNode
) -> RoundDraft | None:
    """A new round's fields: code, name, instrument, period, counters under ``root``."""
    code = form.code("code")
    name = form.text("name")
    form_code = form.choice("form", catalogue.codes())
    starts_on, ends_on = form.day("starts_on"), form.day("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        form.fail("ends_on", MSG_PERIOD)
    counters = {node.code: node for node in tree.leaves(root.id)}
    chosen = form.getlist("unit")
    if not chosen:
        form.fail("unit", MSG_NO_UNITS)
    elif any(
        c not in counters or not principal.can("manager", counters[c].id, tree) for c in chosen
    ):
        form.fail("unit", MSG_UNIT_SCOPE)
    volumes = {c: form.whole(f"volume_{c}") for c in chosen}
    if not form.ok or starts_on is None or ends_on is None:
        return None
    return RoundDraft(code, name, form_code, starts_on, ends_on, volumes)


async def create_round_for_units(
    session: AsyncSession, actor: Actor, draft: RoundDraft, root: UnitNode, form: Form
) -> Round | None:
    """Create the round as a draft covering the chosen units with their volumes."""
    try:
        created = await create_round(
            session,
            actor,
            code=draft.code,
            name=draft.name,
            form_code=draft.form_code,
            starts_on=draft.starts_on,
            ends_on=draft.ends_on,
            unit_id=root.id,
        )
    except Conflict:  # the code is taken (checked before anything is written)
        form.fail("code", MSG_EXISTS)
        return None
    for unit_code, volume in draft.volumes.items():
        await set_volume(session, actor, created, await get_unit(session, unit_code), volume)
    return created
