"""Improvement plans: a unit's actions for a round, created and updated by the unit's managers
(scope-checked), reviewed by the province (a manager of a unit above it), every change
audited. Evidence files: app.improvement.evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.errors import Forbidden, NotFound, Unprocessable
from app.forms.registry import Catalogue
from app.i18n import N_
from app.improvement.evidence import digest, safe_name, sniff
from app.improvement.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    EvidenceOut,
    NoteOut,
)
from app.models import ImprovementAction, ImprovementEvidence, ImprovementNote, Round
from app.models.base import utcnow
from app.models.improvement_action import ACTION_STATUSES, REVIEWS
from app.rounds.service import get_round
from app.units.service import UnitTree, load_tree

OPEN = ("planned", "in_progress")
STATUS_LABELS = {
    "planned": N_("Đã lập kế hoạch"),
    "in_progress": N_("Đang thực hiện"),
    "done": N_("Đã hoàn thành"),
    "cancelled": N_("Đã hủy"),
}


def can_review(principal: Principal, tree: UnitTree, unit_id: int) -> bool:
    """The province reviews: a manager of a unit strictly above the plan's unit."""
    parent = tree.by_id[unit_id].parent_id
    return principal.is_superadmin or (
        parent is not None and principal.can("manager", parent, tree)
    )


def targets_of(catalogue: Catalogue, round_: Round, codes: Sequence[str]) -> list[str]:
    """The criterion and element codes, checked against the round's instrument."""
    instrument = catalogue.get(round_.form_code).instrument
    known = {q.code for q in instrument.criteria} | {e.code for e in instrument.elements}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise Unprocessable(f"not criteria or elements of {instrument.code}: {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


async def create_action(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    catalogue: Catalogue,
    body: ActionIn,
) -> ImprovementAction:
    """A new action of ``body.unit``'s plan (manager on the unit); audited."""
    tree = await load_tree(session)
    unit = tree.get(body.unit)
    require(principal, "manager", unit.id, tree)
    round_ = await get_round(session, body.round)
    responsible = tree.get(body.responsible_unit).id if body.responsible_unit else None
    action = ImprovementAction(
        round_id=round_.id,
        unit_id=unit.id,
        title=body.title.strip(),
        criteria=targets_of(catalogue, round_, body.criteria),
        responsible_unit_id=responsible,
        responsible_person=body.responsible_person.strip(),
        due_on=body.due_on,
        status="planned",
        owner_id=actor.user_id,
    )
    session.add(action)
    await session.flush()
    changes = {"round": round_.code, "title": action.title, "due_on": str(action.due_on)}
    await record(
        session, actor, "improvement.action", "improvement_action", action.id, unit.id, changes
    )
    return action


async def get_action(
    session: AsyncSession,
    principal: Principal,
    tree: UnitTree,
    action_id: int,
    role: str = "viewer",
) -> ImprovementAction:
    action = await session.get(ImprovementAction, action_id)
    if action is None:
        raise NotFound(f"no action {action_id}")
    require(principal, role, action.unit_id, tree)  # type: ignore[arg-type]
    return action


async def update_action(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    action_id: int,
    patch: ActionPatch,
    today: date,
) -> ImprovementAction:
    """Status and notes by the unit's managers; the review by the province; audited."""
    tree = await load_tree(session)
    action = await get_action(session, principal, tree, action_id)
    changes: dict[str, object] = {}
    if patch.status is not None or patch.note:
        require(principal, "manager", action.unit_id, tree)
    reviewing = patch.review is not None or bool(patch.review_note)
    if reviewing and not can_review(principal, tree, action.unit_id):
        raise Forbidden("only the province reviews a unit's plan")
    if patch.status is not None:
        if patch.status not in ACTION_STATUSES:
            raise Unprocessable(f"status must be one of {', '.join(ACTION_STATUSES)}")
        changes["status"] = [action.status, patch.status]
        action.status = patch.status
        action.done_on = today if patch.status == "done" else None
    if patch.review is not None:
        if patch.review not in REVIEWS:
            raise Unprocessable(f"review must be one of {', '.join(REVIEWS)}")
        changes["review"] = [action.review, patch.review]
        action.review = patch.review
        action.review_note = (patch.review_note or "").strip() or None
    if patch.note and patch.note.strip():
        session.add(
            ImprovementNote(action_id=action.id, text=patch.note.strip(), author=actor.label)
        )
        changes["note"] = True
    if not changes:
        raise Unprocessable("nothing to change: give a status, a note or a review")
    action.updated_at = utcnow()
    await session.flush()
    await record(
        session,
        actor,
        "improvement.update",
        "improvement_action",
        action.id,
        action.unit_id,
        changes,
    )
    return action


async def add_evidence(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    action_id: int,
    filename: str,
    data: bytes,
) -> ImprovementEvidence:
    """Attach a checked evidence file to an action (manager on its unit); audited."""
    tree = await load_tree(session)
    action = await get_action(session, principal, tree, action_id, "manager")
    content_type, extension = sniff(data)
    evidence = ImprovementEvidence(
        action_id=action.id,
        filename=safe_name(filename, extension),
        content_type=content_type,
        size=len(data),
        sha256=digest(data),
        data=data,
        uploaded_by=actor.label,
    )
    session.add(evidence)
    await session.flush()
    changes = {"evidence": evidence.id, "type": content_type, "size": len(data)}
    await record(
        session,
        actor,
        "improvement.evidence",
        "improvement_action",
        action.id,
        action.unit_id,
        changes,
    )
    return evidence


async def get_evidence(
    session: AsyncSession, principal: Principal, evidence_id: int
) -> ImprovementEvidence:
    """An evidence file, for a reader of its action's unit."""
    evidence = await session.get(ImprovementEvidence, evidence_id)
    if evidence is None:
        raise NotFound(f"no evidence {evidence_id}")
    tree = await load_tree(session)
    await get_action(session, principal, tree, evidence.action_id)
    return evidence


async def list_actions(
    session: AsyncSession,
    principal: Principal,
    tree: UnitTree,
    round_code: str | None = None,
    unit_code: str | None = None,
    limit: int = 500,
) -> list[ImprovementAction]:
    """Actions of the units in the reader's scope (a unit: its subtree), by due date."""
    from app.auth.scope import units_in_scope

    units = units_in_scope(principal, tree, unit_code)
    stmt = select(ImprovementAction).order_by(ImprovementAction.due_on, ImprovementAction.id)
    if units is not None:
        stmt = stmt.where(ImprovementAction.unit_id.in_(units))
    if round_code:
        stmt = stmt.where(ImprovementAction.round_id == (await get_round(session, round_code)).id)
    return list((await session.scalars(stmt.limit(limit))).all())


async def action_out(
    session: AsyncSession, tree: UnitTree, action: ImprovementAction, detail: bool = True
) -> ActionOut:
    round_ = await session.get(Round, action.round_id)
    assert round_ is not None
    notes: list[NoteOut] = []
    evidence: list[EvidenceOut] = []
    if detail:
        for note in await session.scalars(
            select(ImprovementNote)
            .where(ImprovementNote.action_id == action.id)
            .order_by(ImprovementNote.id)
        ):
            notes.append(NoteOut(text=note.text, author=note.author, at=note.created_at))
        rows = await session.execute(
            select(
                ImprovementEvidence.id,
                ImprovementEvidence.filename,
                ImprovementEvidence.content_type,
                ImprovementEvidence.size,
                ImprovementEvidence.uploaded_at,
            )
            .where(ImprovementEvidence.action_id == action.id)
            .order_by(ImprovementEvidence.id)
        )
        evidence = [
            EvidenceOut(id=i, filename=f, content_type=c, size=s, uploaded_at=u)
            for i, f, c, s, u in rows
        ]
    responsible = action.responsible_unit_id
    return ActionOut(
        id=action.id,
        unit=tree.by_id[action.unit_id].code,
        round=round_.code,
        title=action.title,
        criteria=[str(c) for c in action.criteria],
        responsible_unit=tree.by_id[responsible].code if responsible else None,
        responsible_person=action.responsible_person,
        due_on=action.due_on,
        status=action.status,
        done_on=action.done_on,
        review=action.review,
        review_note=action.review_note,
        notes=notes,
        evidence=evidence,
    )
