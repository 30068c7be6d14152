"""What the pages of a round's steps share (frame, plan, draw, invitations, quotas, weights,
targets, revisions): who may see and change the round, the steps' navigation, a service call whose
refusal re-renders the form (422) instead of failing, and the rejected rows of an import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import StaffAdmin
from app.auth.principal import Principal
from app.console.forms import Form
from app.console.rejections import rejected_rows
from app.console.views import render
from app.errors import AppError, Forbidden
from app.i18n import N_
from app.models import Round
from app.rounds.service import covered_unit_ids, round_in_scope
from app.sampling.router import RoundAdmin, RoundChange
from app.units.service import UnitTree, load_tree

T = TypeVar("T")
# (key, label, path under /console/rounds/{code}): the steps of a round, in their order.
ROUND_TABS: tuple[tuple[str, str, str], ...] = (
    ("round", N_("Đợt khảo sát"), ""),
    ("frame", N_("Khung mẫu"), "/frame"),
    ("plan", N_("Kế hoạch mẫu"), "/plan"),
    ("draws", N_("Rút mẫu"), "/draws"),
    ("tokens", N_("Thư mời"), "/tokens"),
    ("quotas", N_("Số phiếu cần thu"), "/quotas"),
    ("weights", N_("Trọng số"), "/weights"),
    ("targets", N_("Chỉ tiêu"), "/targets"),
    ("integrity", N_("Kiểm tra phiếu"), "/integrity"),
    ("revisions", N_("Công bố"), "/revisions"),
    ("statistics", N_("Thống kê"), "/statistics"),
)


@dataclass(frozen=True)
class RoundView:
    """A round as its step pages show it: readable by the viewer on every unit it covers."""

    round: Round
    tree: UnitTree
    covered: set[int]
    can_change: bool  # admin on every covered unit: the API's rule for these steps


async def round_view(session: AsyncSession, principal: Principal, code: str) -> RoundView:
    """The round (404 unknown, 403 unless the principal reads every unit it covers)."""
    round_ = await round_in_scope(session, principal, code, "viewer")
    tree, covered = await load_tree(session), await covered_unit_ids(session, round_.id)
    can_change = principal.has_any("admin") and all(
        principal.can("admin", unit_id, tree) for unit_id in covered
    )
    return RoundView(round_, tree, covered, can_change)


async def _changing(change: RoundAdmin, principal: StaffAdmin) -> tuple[RoundChange, Principal]:
    return change, principal


# A POST of a round's step: admin of every unit it covers, CSRF token checked before the body
# is read (the sampling API's dependency), with the caller for the page shown after a refusal.
RoundChangeDep = Annotated[tuple[RoundChange, Principal], Depends(_changing)]


async def attempt(session: AsyncSession, call: Awaitable[T]) -> T | AppError:
    """The service call's result, or its refusal with the transaction rolled back (the page is
    then shown again with the message; nothing the call began is kept)."""
    try:
        return await call
    except Forbidden:
        raise
    except AppError as exc:
        await session.rollback()
        return exc


def show(
    request: Request,
    template: str,
    view: RoundView,
    tab: str,
    context: dict[str, Any],
    form: Form | None = None,
    failure: AppError | None = None,
) -> HTMLResponse:
    """Render a step page; 422 with the form's values and errors, or a service's refusal."""
    refused = failure is not None or (form is not None and not form.ok)
    page = {
        **context,
        "round": view.round,
        "can_change": view.can_change,
        "tabs": ROUND_TABS,
        "tab": tab,
        "values": form.values() if form else context.get("values", {}),
        "errors": form.errors if form else {},
        "failure": failure,
        "rejected": rejected_rows(failure),
    }
    return render(request, template, page, 422 if refused else 200)


Context = Callable[[AsyncSession, RoundView], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Step:
    """A page of a round's steps: its template, its tab, and what it shows (``context``)."""

    template: str
    tab: str
    context: Context

    async def page(
        self,
        request: Request,
        session: AsyncSession,
        principal: Principal,
        code: str,
        form: Form | None = None,
        failure: AppError | None = None,
    ) -> HTMLResponse:
        """The page for ``principal`` (403 outside scope), with a refused form if any."""
        view = await round_view(session, principal, code)
        context = await self.context(session, view)
        return show(request, self.template, view, self.tab, context, form, failure)

    async def submit(
        self,
        request: Request,
        session: AsyncSession,
        principal: Principal,
        code: str,
        form: Form,
        call: Awaitable[T] | None,
        answer: Callable[[T], Response],
    ) -> Response:
        """Run the service ``call`` (None when the form has errors) and ``answer`` its result;
        or show the page again (422) with the form's values and errors or the refusal."""
        failure = None
        if call is not None:
            result = await attempt(session, call)
            if not isinstance(result, AppError):
                return answer(result)
            failure = result
        return await self.page(request, session, principal, code, form, failure)
