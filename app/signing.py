"""Signed one-time submission ids: the kernel's, so dependencies and collection both use them."""

from __future__ import annotations

import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import AppError
from app.i18n import N_


class TamperedSubmission(AppError):
    status_code = 400
    code = "invalid_submission"
    title = N_("Phiếu không hợp lệ")


class ExpiredSubmission(Exception):
    """The form was served too long ago; the citizen is shown it again with a fresh id."""


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
