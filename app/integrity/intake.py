"""A submission's paradata and screening, as the public form's routes need them."""

from __future__ import annotations

from fastapi import Request

from app.collection.answers import ParsedAnswer
from app.collection.service import CounterForm, Signed
from app.config import Settings
from app.integrity.device import KIOSK_COOKIE, KioskSeen, device_of
from app.integrity.kiosks import find_kiosk
from app.integrity.screening import Paradata, Screening, answers_fingerprint, keyed_hash, screen
from app.models.base import utcnow


async def kiosk_at(request: Request, unit_id: int) -> KioskSeen | None:
    """The registered kiosk this request comes from, if it is registered at ``unit_id``."""
    key = request.cookies.get(KIOSK_COOKIE)
    if not key or len(key) > 128:
        return None
    seen = await find_kiosk(request.app.state.db, key)
    return seen if seen is not None and seen.unit_id == unit_id else None


async def screened(
    request: Request,
    target: CounterForm,
    signed: Signed,
    answers: list[ParsedAnswer],
    channel: str = "qr",
    receipt_hash: str | None = None,
) -> tuple[Paradata, Screening]:
    """The paradata of a submission (device: a registered kiosk, else the device the form
    was served to, else the cookie) and the verdict of the rules it can be judged by alone."""
    settings: Settings = request.app.state.settings
    if channel == "qr" and (kiosk := await kiosk_at(request, target.unit.id)) is not None:
        channel, device = "kiosk", f"kiosk:{kiosk.kiosk_id}"
    else:
        device = signed.device or device_of(request)[0]
    paradata = Paradata(
        channel=channel,
        issued_at=signed.issued_at,
        device_hash=keyed_hash(settings.secret_key, "device", device),
        answers_hash=answers_fingerprint(answers),
        receipt_hash=receipt_hash,
    )
    verdict = screen(
        target.policy,
        paradata,
        answers,
        target.criteria,
        target.unit.code,
        target.burst_limit,
        utcnow(),
        settings.timezone,
    )
    return paradata, verdict
