"""Collection: which form a counter serves, signed submission ids, storing a response once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.collection.answers import ParsedAnswer
from app.db import insert_ignore
from app.errors import AppError
from app.forms.registry import Catalogue, RegisteredForm
from app.i18n import N_
from app.models import Answer, Response, Round, Unit
from app.rounds.service import open_round_for_unit
from app.units.service import get_unit


class TamperedSubmission(AppError):
    status_code = 400
    code = "invalid_submission"
    title = N_("Phiếu không hợp lệ")


class ExpiredSubmission(Exception):
    """The form was served too long ago; the citizen is shown it again with a fresh id."""


@dataclass(frozen=True)
class CounterForm:
    unit: Unit
    round: Round
    form: RegisteredForm


async def counter_form(
    session: AsyncSession, catalogue: Catalogue, unit_code: str, today: date
) -> CounterForm:
    """The form a counter serves now: its unit, the open round covering it, the instrument."""
    unit = await get_unit(session, unit_code)
    round_ = await open_round_for_unit(session, unit.id, today)
    return CounterForm(unit, round_, catalogue.get(round_.form_code))


class SubmissionSigner:
    """Signs a fresh one-time id into each served form, bound to the unit it was served for.

    A POST must carry an id this server signed for this unit: a cross-site page cannot forge
    one, and replaying a captured one is answered as a duplicate, never stored twice.
    """

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="sipas.submission")
        self._max_age = max_age_seconds

    def issue(self, unit_code: str) -> str:
        return self._serializer.dumps([str(uuid.uuid4()), unit_code])

    def verify(self, token: str, unit_code: str) -> str:
        """The submission id inside ``token``; raises when forged, foreign or expired."""
        try:
            submission_id, signed_unit = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired as exc:
            raise ExpiredSubmission() from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise TamperedSubmission(N_("Phiếu không hợp lệ. Vui lòng quét lại mã QR.")) from exc
        if signed_unit != unit_code:
            raise TamperedSubmission(N_("Phiếu không thuộc đơn vị này. Vui lòng quét lại mã QR."))
        return str(submission_id)


async def store_response(
    session: AsyncSession,
    target: CounterForm,
    submission_id: str,
    answers: list[ParsedAnswer],
    channel: str = "qr",
) -> bool:
    """Store a response and its answers; False when this submission id was already stored.

    The unique submission id makes a retried or double-tapped POST a no-op, also when
    concurrent requests race: the database, not this process, decides who stored it.
    """
    values = {
        "submission_id": submission_id,
        "round_id": target.round.id,
        "unit_id": target.unit.id,
        "form_version_id": target.form.version_id,
        "channel": channel,
        "status": "valid",
    }
    stmt = insert_ignore(session, Response, values).returning(Response.id)
    response_id = (await session.execute(stmt)).scalar_one_or_none()
    if response_id is None:
        return False
    if answers:
        await session.execute(
            insert(Answer),
            [
                {
                    "response_id": response_id,
                    "question": a.question,
                    "ordinal": a.ordinal,
                    "value": a.value,
                    "text": a.text,
                }
                for a in answers
            ],
        )
    return True
