"""Signed one-time submission ids: the kernel's, so dependencies and collection both use them.

A served form carries an id this server signed for one binding (a counter, an invitation, a
receipt) and one device, with the moment it was signed: the time a citizen took to answer is
the server's to know, not the client's to say (app/integrity).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.errors import AppError
from app.i18n import N_


class TamperedSubmission(AppError):
    status_code = 400
    code = "invalid_submission"
    title = N_("Không mở được phiếu")


class ExpiredSubmission(Exception):
    """The form was served too long ago; the citizen is shown it again with a fresh id."""


@dataclass(frozen=True)
class Signed:
    """What a served form's signed submission id carries."""

    submission_id: str
    issued_at: datetime  # when the form was served: the time to complete is the server's
    device: str  # the device id the form was served to ("" if none)


class _OnceKeyedSigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving its key once per secret and salt instead of on
    every signature (the serializer makes a signer per call; each derived the key again)."""

    _keys: dict[tuple[Any, ...], bytes] = {}  # noqa: RUF012 (a cache shared by instances)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else secret_key
        cache_key = (key, self.salt, self.key_derivation, self.digest_method)
        found = self._keys.get(cache_key)
        if found is None:
            found = self._keys[cache_key] = super().derive_key(secret_key)
        return found


class SubmissionSigner:
    """Signs a fresh one-time id into each served form, bound to the unit it was served for.

    A POST must carry an id this server signed for this unit: a cross-site page cannot forge
    one, and replaying a captured one is answered as a duplicate, never stored twice.
    """

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="sipas.submission", signer=_OnceKeyedSigner
        )
        self._max_age = max_age_seconds

    def issue(self, unit_code: str, device: str = "") -> str:
        return self._serializer.dumps([str(uuid.uuid4()), unit_code, device])

    def verify(self, token: str, unit_code: str) -> Signed:
        """What ``token`` carries; raises when forged, foreign or expired."""
        try:
            payload, issued = self._serializer.loads(
                token, max_age=self._max_age, return_timestamp=True
            )
            submission_id, signed_unit, *rest = payload
        except SignatureExpired as exc:
            raise ExpiredSubmission() from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise TamperedSubmission(N_("Không mở được phiếu. Xin Ông/Bà quét lại mã QR.")) from exc
        if signed_unit != unit_code:
            raise TamperedSubmission(N_("Phiếu của quầy khác. Xin Ông/Bà quét lại mã QR tại quầy."))
        device = str(rest[0]) if rest else ""
        return Signed(str(submission_id), _aware(issued), device)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
