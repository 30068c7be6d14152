"""Dependencies of round-level write routes: the caller's role on every unit of the round,
and the CSRF token, checked before the request body is read (so scope answers 403 first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.auth.access import check_csrf, staff
from app.auth.principal import Principal, Role
from app.deps import SessionDep, WriteSessionDep
from app.models import Round
from app.rounds.service import round_in_scope


@dataclass(frozen=True)
class RoundWrite:
    round: Round
    principal: Principal


def round_write(role: Role) -> Callable[..., Awaitable[RoundWrite]]:
    async def dependency(
        round_code: str,
        request: Request,
        session: WriteSessionDep,
        principal: Principal = Depends(staff(role)),
    ) -> RoundWrite:
        await check_csrf(request, principal)
        return RoundWrite(await round_in_scope(session, principal, round_code, role), principal)

    return dependency


RoundAdmin = Annotated[RoundWrite, Depends(round_write("admin"))]
RoundManager = Annotated[RoundWrite, Depends(round_write("manager"))]


async def _round_admin_reading(
    round_code: str,
    request: Request,
    session: SessionDep,
    principal: Principal = Depends(staff("admin")),
) -> RoundWrite:
    """As ``RoundAdmin`` over a read session: for routes that hand their writes to a job
    (app.worker.jobs), which writes in its own short transactions (SQLite has one writer)."""
    await check_csrf(request, principal)
    return RoundWrite(await round_in_scope(session, principal, round_code, "admin"), principal)


RoundAdminEnqueue = Annotated[RoundWrite, Depends(_round_admin_reading)]
