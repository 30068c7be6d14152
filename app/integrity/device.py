"""Device pseudonyms: a first-party random cookie on phones, a registration on desk tablets.

The cookie holds 128 random bits and nothing else; the server keeps only a keyed hash of it
on a response (``device_hash``), so a device's responses can be told apart from another's
without knowing whose device it is. No IP address is read for this, or stored.

A registered kiosk (app/integrity/kiosks.py) carries its own cookie; its responses share one
pseudonym, ``kiosk:<id>``, and its limits follow its counter's rate, not the phone limit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from app.config import Settings

DEVICE_COOKIE = "sipas_device"
KIOSK_COOKIE = "sipas_kiosk"
DEVICE_COOKIE_DAYS = 365


def device_of(request: Request) -> tuple[str, bool]:
    """The device id from its cookie, or a new one: (id, whether it is new)."""
    given = request.cookies.get(DEVICE_COOKIE, "")
    if 16 <= len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given, False
    return secrets.token_urlsafe(16), True


def remember_device(response: Response, device: str, settings: Settings) -> None:
    first_party_cookie(response, DEVICE_COOKIE, device, DEVICE_COOKIE_DAYS, settings)


def first_party_cookie(
    response: Response, name: str, value: str, days: int, settings: Settings
) -> None:
    """A long-lived cookie for this site only, out of scripts' reach (a device's or kiosk's)."""
    response.set_cookie(
        name,
        value,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


@dataclass(frozen=True)
class KioskSeen:
    kiosk_id: int
    unit_id: int
