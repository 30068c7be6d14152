"""Console: a single split, partial transfer, rename, re-level, move under another parent or
dissolution of a unit, each from a date — forms
over the event services (app/units/events.py: admin scope, audit), CSRF-checked. A refusal
is shown on the form and nothing is written (the event runs in a savepoint). These events
have no preview in the API; the crosswalk import previews batches."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.access import StaffAdmin, StaffAdminWrite, actor_of, require
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.merging import MergeChoices, merge_choices
from app.console.views import done, render
from app.deps import SessionDep, WriteSessionDep
from app.errors import AppError
from app.i18n import N_
from app.units.events import (
    Change,
    SplitRequest,
    Successor,
    TransferRequest,
    change_unit,
    split_unit,
    transfer_part,
)
from app.units.service import load_tree

router = APIRouter(include_in_schema=False)  # under /console/units (units.py includes it)
ROWS = 4  # successor rows on the split form
MSG_SHARE = N_("Nhập tỷ lệ từ 0 đến 1, ví dụ 0,6.")
MSG_CHILD = N_("Mỗi dòng một đơn vị con: mã đơn vị con=mã đơn vị kế thừa.")
PAGES = {
    "split": "console/unit_split.html",
    "transfer": "console/unit_transfer.html",
    "rename": "console/unit_rename.html",
    "relevel": "console/unit_relevel.html",
    "move": "console/unit_move.html",
    "dissolve": "console/unit_dissolve.html",
}


def _page(
    request: Request,
    kind: str,
    choices: MergeChoices,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "choices": choices,
        "values": values,
        "errors": errors or {},
        "rows": range(1, ROWS + 1),
    }
    return render(request, PAGES[kind], context, status)


async def _form(
    request: Request, principal: Principal, session: SessionDep, kind: str, unit: str
) -> HTMLResponse:
    tree = await load_tree(session)
    if unit:
        require(principal, "admin", tree.get(unit).id, tree)
    values = {"unit": unit, "source": unit, "effective": request.app.state.settings.today()}
    shown = {k: str(v) for k, v in values.items()}
    return _page(request, kind, await merge_choices(session, tree, principal), shown)


@router.get("/split", response_class=HTMLResponse)
async def split_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to split one unit into several, with the share each takes."""
    return await _form(request, principal, session, "split", unit)


@router.get("/transfer", response_class=HTMLResponse)
async def transfer_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to transfer part of a unit (a share, and children) to another."""
    return await _form(request, principal, session, "transfer", unit)


@router.get("/rename", response_class=HTMLResponse)
async def rename_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to rename a unit from a date."""
    return await _form(request, principal, session, "rename", unit)


@router.get("/relevel", response_class=HTMLResponse)
async def relevel_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to change a unit's level from a date."""
    return await _form(request, principal, session, "relevel", unit)


@router.get("/move", response_class=HTMLResponse)
async def move_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to move a unit (with its subtree) under another parent from a date."""
    return await _form(request, principal, session, "move", unit)


@router.get("/dissolve", response_class=HTMLResponse)
async def dissolve_page(
    request: Request, principal: StaffAdmin, session: SessionDep, unit: str = ""
) -> HTMLResponse:
    """The form to dissolve a unit from a date."""
    return await _form(request, principal, session, "dissolve", unit)


def _share(form: Form, name: str) -> float | None:
    value = form.decimal(name)
    if value is not None and not 0 < value <= 1:
        form.fail(name, MSG_SHARE)
    return value


def read_split(form: Form, choices: MergeChoices, effective: date) -> SplitRequest | None:
    """The split the form asks for (None: messages per field; the service checks the rest)."""
    unit = form.choice("unit", choices.codes)
    into = []
    for i in range(1, ROWS + 1):
        code = form.get(f"code{i}")
        if not code:
            continue
        share = _share(form, f"share{i}")
        if share is None:
            form.fail(f"share{i}", MSG_SHARE)
            continue
        into.append(Successor(code, share, form.get(f"name{i}") or None))
    children: dict[str, str] = {}
    for line in form.get("children").splitlines():
        if not line.strip():
            continue
        child, sep, to = line.partition("=")
        if not sep or not child.strip() or not to.strip():
            form.fail("children", MSG_CHILD)
            break
        children[child.strip()] = to.strip()
    return SplitRequest(unit, into, effective, children) if form.ok else None


def read_transfer(form: Form, choices: MergeChoices, effective: date) -> TransferRequest | None:
    source = form.choice("source", choices.codes)
    to = form.choice("to", choices.codes)
    share = _share(form, "share")
    if share is None:
        form.fail("share", MSG_SHARE)
    children = form.get("children").replace(",", " ").split()
    if not form.ok or share is None:
        return None
    return TransferRequest(source, to, share, effective, children)


def read_rename(form: Form, choices: MergeChoices, effective: date) -> Change | None:
    unit = form.choice("unit", choices.codes)
    name = form.text("name")
    return Change("rename", unit, effective, name=name) if form.ok else None


def read_relevel(form: Form, choices: MergeChoices, effective: date) -> Change | None:
    unit = form.choice("unit", choices.codes)
    level = form.text("level", max_length=32)
    return Change("relevel", unit, effective, level=level) if form.ok else None


def read_move(form: Form, choices: MergeChoices, effective: date) -> Change | None:
    unit = form.choice("unit", choices.codes)
    parent = form.choice("parent", choices.codes)
    return Change("move", unit, effective, parent=parent) if form.ok else None


def read_dissolve(form: Form, choices: MergeChoices, effective: date) -> Change | None:
    unit = form.choice("unit", choices.codes)
    return Change("dissolve", unit, effective) if form.ok else None


READERS = {
    "split": read_split,
    "transfer": read_transfer,
    "rename": read_rename,
    "relevel": read_relevel,
    "move": read_move,
    "dissolve": read_dissolve,
}


async def _record(
    request: Request, principal: Principal, session: WriteSessionDep, kind: str
) -> Response:
    """Read the form, record the event in a savepoint (a refusal writes nothing), then go
    to the events page; the form again with the messages otherwise."""
    tree = await load_tree(session)
    choices = await merge_choices(session, tree, principal)
    form = await Form.read(request)
    effective = form.day("effective")
    asked = READERS[kind](form, choices, effective) if effective is not None else None
    if asked is None or not form.ok:
        return _page(request, kind, choices, form.values(), form.errors, 422)
    actor = actor_of(request, principal)
    try:
        async with session.begin_nested():
            if isinstance(asked, SplitRequest):
                await split_unit(session, actor, asked, principal)
            elif isinstance(asked, TransferRequest):
                await transfer_part(session, actor, asked, principal)
            else:
                await change_unit(session, actor, asked, principal)
    except AppError as exc:
        if exc.status_code == 403:
            raise
        field = str(exc.extra.get("field") or "form")
        errors = {field: exc.detail}
        status = 422 if exc.status_code == 400 else exc.status_code  # the form's input
        return _page(request, kind, choices, form.values(), errors, status)
    return done("/console/units/events", f"unit-{kind}")


@router.post("/split", response_class=HTMLResponse)
async def record_split(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Split the unit from the date; audited by the service."""
    return await _record(request, principal, session, "split")


@router.post("/transfer", response_class=HTMLResponse)
async def record_transfer(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Transfer part of the unit from the date; audited by the service."""
    return await _record(request, principal, session, "transfer")


@router.post("/rename", response_class=HTMLResponse)
async def record_rename(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Rename the unit from the date; audited by the service."""
    return await _record(request, principal, session, "rename")


@router.post("/relevel", response_class=HTMLResponse)
async def record_relevel(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Change the unit's level from the date; audited by the service."""
    return await _record(request, principal, session, "relevel")


@router.post("/move", response_class=HTMLResponse)
async def record_move(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Move the unit under another parent from the date; audited by the service (admin on
    the unit and on the new parent)."""
    return await _record(request, principal, session, "move")


@router.post("/dissolve", response_class=HTMLResponse)
async def record_dissolve(
    request: Request, principal: StaffAdminWrite, session: WriteSessionDep
) -> Response:
    """Dissolve the unit from the date; audited by the service."""
    return await _record(request, principal, session, "dissolve")
