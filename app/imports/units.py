"""Importing units from CSV or XLSX (code,name,level,parent): validated whole, then written
at once.

Parents may come later in the file or already exist; a unit already stored is updated (name,
level, parent). Rejected: bad or repeated codes, unknown parents, cycles (also through stored
units), and — for a signed-in admin — any unit outside the admin's scope: a stored unit must
be in it, and every row's parent chain must reach a unit where the caller is admin.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.principal import Principal
from app.i18n import N_, Message
from app.imports.csvfile import QUIET, ImportFile, ImportResult, Progress, open_file, read_rows
from app.models import AuditEvent, Unit
from app.units.edits import Edit, record_edits
from app.units.service import UnitNode, UnitTree, load_tree

COLUMNS = ("code", "name", "level", "parent")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
BATCH = 5000
# Core tables: an ORM bulk insert leaves out None values and so splits a batch into runs.
UNITS = cast(Table, Unit.__table__)
EVENTS = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    level: str
    parent: str | None


MSG_CODE = N_("Mã gồm 1–64 chữ cái không dấu, chữ số, '-', '_' hoặc '.'.")
MSG_NAME = N_("Tên đơn vị dài 1–255 ký tự.")
MSG_LEVEL = N_("Cấp dài 1–32 ký tự.")
MSG_OWN_PARENT = N_("Một đơn vị không thể là cấp trên của chính nó.")
MSG_PARENT_SCOPE = N_("Đơn vị cấp trên này nằm ngoài phạm vi quản trị của bạn.")


def _parse(line: int, values: dict[str, str], result: ImportResult) -> UnitRow | None:
    code, name, level = values["code"], values["name"], values["level"]
    parent = values["parent"] or None
    problems = [
        ("code", not CODE.match(code), MSG_CODE),
        ("name", not name or len(name) > 255, MSG_NAME),
        ("level", not level or len(level) > 32, MSG_LEVEL),
        ("parent", parent == code, MSG_OWN_PARENT),
    ]
    bad = [(column, reason) for column, failed, reason in problems if failed]
    for column, reason in bad:
        result.error(line, column, reason)
    return None if bad else UnitRow(line, code, name, level, parent)


def _cycles(parents: dict[str, str | None], rows: dict[str, UnitRow], result: ImportResult) -> None:
    """Report each imported unit that lies on a cycle of the resulting hierarchy."""
    state: dict[str, int] = {}  # 1: on the current path, 2: reaches a root
    for start in rows:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parents.get(node)
        if node is not None and state.get(node) == 1:
            loop = path[path.index(node) :]
            for code in loop:
                if code in rows:
                    cycle = " → ".join([*loop, node])
                    result.error(
                        rows[code].line, "parent", Message("Vòng lặp: %(cycle)s", cycle=cycle)
                    )
        for code in path:
            state[code] = 2


def _in_scope(
    principal: Principal, tree: UnitTree, parents: dict[str, str | None], rows: dict[str, UnitRow]
) -> dict[str, bool]:
    """For each imported code: does its final parent chain reach a unit where it is admin?"""
    roots = {tree.by_id[u].code for u in principal.scope_roots("admin") if u in tree.by_id}
    memo: dict[str, bool] = {}
    for start in rows:
        path, node = [], parents.get(start)
        while node is not None and node not in memo and node not in roots:
            path.append(node)
            node = parents.get(node)
        inside = node is not None and (node in roots or memo[node])
        for code in path:
            memo[code] = inside
        memo[start] = inside
    return memo


def _parent_code(tree: UnitTree, node: UnitNode) -> str | None:
    return tree.by_id[node.parent_id].code if node.parent_id is not None else None


def _check_scope(
    principal: Principal | None,
    tree: UnitTree,
    parents: dict[str, str | None],
    rows: dict[str, UnitRow],
    result: ImportResult,
) -> None:
    if principal is None or principal.is_superadmin:
        return
    reaches = _in_scope(principal, tree, parents, rows)
    for code, row in rows.items():
        stored = tree.by_code.get(code)
        if stored is not None and not principal.can("admin", stored.id, tree):
            reason = Message("Đơn vị %(code)s nằm ngoài phạm vi quản trị của bạn.", code=code)
            result.error(row.line, "code", reason)
        elif stored is not None and _parent_code(tree, stored) == row.parent:
            continue  # a unit of the scope that stays where it is (the scope's own root too)
        elif not reaches[code]:
            result.error(row.line, "parent", MSG_PARENT_SCOPE)


def _validate(
    file: ImportFile,
    tree: UnitTree,
    principal: Principal | None,
    result: ImportResult,
    progress: Progress,
) -> dict[str, UnitRow]:
    rows: dict[str, UnitRow] = {}
    for line, values in read_rows(file, COLUMNS, COLUMNS.__contains__, result):
        result.rows += 1
        progress.advance()
        row = _parse(line, values, result)
        if row is None:
            continue
        if row.code in rows:
            first = rows[row.code].line
            reason = Message("%(code)s đã có ở dòng %(line)s.", code=row.code, line=first)
            result.error(line, "code", reason)
            continue
        rows[row.code] = row
    parents = {n.code: _parent_code(tree, n) for n in tree.by_id.values()}
    parents.update({code: row.parent for code, row in rows.items()})
    for row in rows.values():
        if row.parent is not None and row.parent not in parents:
            reason = Message("Không có đơn vị cấp trên %(parent)s.", parent=row.parent)
            result.error(row.line, "parent", reason)
    if not result.error_count:
        _cycles(parents, rows, result)
    if not result.error_count:
        _check_scope(principal, tree, parents, rows, result)
    return rows


def _depths(rows: dict[str, UnitRow], new: set[str]) -> dict[str, int]:
    """Per new unit: how many new units lie above it (they must be inserted first)."""
    depths: dict[str, int] = {}
    for code in new:
        chain, node = [], code
        while node in new and node not in depths:
            chain.append(node)
            parent = rows[node].parent
            node = parent if parent is not None else ""
        base = depths.get(node, -1) if node in new else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depths[member] = base + offset
    return depths


async def _insert(
    session: AsyncSession, tree: UnitTree, rows: dict[str, UnitRow], progress: Progress
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Insert new units, parents first; returns (code -> id for all units, created rows)."""
    ids = {code: node.id for code, node in tree.by_code.items()}
    depths = _depths(rows, {c for c in rows if c not in ids})
    created: list[dict[str, Any]] = []
    for depth in sorted(set(depths.values())):
        layer = [rows[c] for c, d in depths.items() if d == depth]
        for start in range(0, len(layer), BATCH):
            values: list[dict[str, Any]] = [
                {
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "parent_id": ids[r.parent] if r.parent else None,
                }
                for r in layer[start : start + BATCH]
            ]
            inserted = await session.execute(
                insert(UNITS).returning(UNITS.c.id, UNITS.c.code), values
            )
            ids.update({code: unit_id for unit_id, code in inserted})
            created += [{**v, "id": ids[v["code"]]} for v in values]
            progress.advance(len(values))
    return ids, created


async def _update(
    session: AsyncSession, tree: UnitTree, rows: dict[str, UnitRow], ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Update stored units whose name, level or parent differ; returns the changed rows."""
    updated = []
    for code, row in rows.items():
        node = tree.by_code.get(code)
        parent_id = ids[row.parent] if row.parent else None
        if node is None or (node.name, node.level, node.parent_id) == (
            row.name,
            row.level,
            parent_id,
        ):
            continue
        updated.append(
            {"id": node.id, "name": row.name, "level": row.level, "parent_id": parent_id}
        )
    if updated:
        await session.execute(update(Unit), updated)
    return updated


def _edit(tree: UnitTree, codes: dict[int, str], row: dict[str, Any]) -> Edit:
    """An updated row as a dated edit (app.units.edits): what the unit was, what it is."""
    node = tree.by_id[row["id"]]
    before = (node.name, node.level, node.parent_id)
    return Edit(row["id"], codes[row["id"]], before, (row["name"], row["level"], row["parent_id"]))


async def _audit(
    session: AsyncSession,
    actor: Actor,
    created: list[dict[str, Any]],
    updated: list[dict[str, Any]],
    codes: dict[int, str],
) -> None:
    """One event per created or changed unit, as upsert_unit records them."""
    events = []
    for action, changed in (("unit.create", created), ("unit.update", updated)):
        for row in changed:
            parent = codes.get(row["parent_id"]) if row["parent_id"] is not None else None
            events.append(
                {
                    "actor": actor.label,
                    "user_id": actor.user_id,
                    "client_hash": actor.client_hash,
                    "action": action,
                    "object_type": "unit",
                    "object_id": codes[row["id"]],
                    "unit_id": row["id"],
                    "changes": {"name": row["name"], "level": row["level"], "parent": parent},
                }
            )
    for start in range(0, len(events), BATCH):
        await session.execute(insert(EVENTS), events[start : start + BATCH])


def _plan(rows: dict[str, UnitRow], tree: UnitTree, result: ImportResult, preview: int) -> int:
    """Count (and show the first ``preview`` of) the rows that create, update or keep a unit;
    an update shows what the unit was. Returns how many units are new."""
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for row in rows.values():
        values = {"name": row.name, "level": row.level, "parent": row.parent}
        node = tree.by_code.get(row.code)
        was = None
        if node is not None:
            was = {"name": node.name, "level": node.level, "parent": _parent_code(tree, node)}
        action = "create" if was is None else "unchanged" if was == values else "update"
        counts[action] += 1
        shown = {"line": row.line, "code": row.code, **values, "action": action}
        result.show({**shown, "was": was} if action == "update" else shown, preview)
    result.counts = counts
    return counts["create"]


async def import_units(
    session: AsyncSession,
    actor: Actor,
    data: bytes,
    *,
    principal: Principal | None = None,
    dry_run: bool = False,
    preview: int = 0,
    progress: Progress = QUIET,
) -> ImportResult:
    """Check every row (CSV or XLSX); if none is rejected and not ``dry_run``, write them all;
    audited. ``preview`` rows are echoed with their action: create, update or unchanged."""
    result = ImportResult()
    file = open_file(data, result)
    if file is None:
        return result
    tree = await load_tree(session)
    progress.start("checking", file.size)
    rows = _validate(file, tree, principal, result, progress)
    new = _plan(rows, tree, result, preview)
    if result.error_count or dry_run or not rows:
        return result
    progress.start("writing", new)
    ids, created = await _insert(session, tree, rows, progress)
    updated = await _update(session, tree, rows, ids)
    codes = {v: k for k, v in ids.items()}
    await record_edits(session, actor, [_edit(tree, codes, row) for row in updated], "import")
    await _audit(session, actor, created, updated, codes)
    result.counts = {
        "created": len(created),
        "updated": len(updated),
        "unchanged": len(rows) - len(created) - len(updated),
    }
    digest = hashlib.sha256(data).hexdigest()
    await record(
        session,
        actor,
        "unit.import",
        "unit",
        None,
        None,
        {"file_sha256": digest, "rows": result.rows, **result.counts},
    )
    result.written = True
    return result
