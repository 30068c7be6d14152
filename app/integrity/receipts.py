"""Receipt codes: one response per real transaction.

A code is printed on the citizen's receipt (biên nhận / phiếu hẹn trả kết quả) by the one-stop
software, the counter's "print a code" page, or ``sipas receipts`` for counters without
integration. It is made from the dossier number and signed with the round's key, so another
system can issue codes offline and sipas verifies them without a database lookup:

    key  = HMAC-SHA256(SIPAS_SECRET_KEY, "sipas.receipt|" + round_code)          (32 bytes)
    ref  = the dossier number, upper case, spaces removed   (A–Z 0–9 . - / _, 1–64 chars)
    mac  = base32(HMAC-SHA256(key, unit_code + "|" + ref))[:10]   (RFC 4648, no padding)
    code = unit_code + "~" + ref + "~" + mac          URL: SIPAS_PUBLIC_BASE_URL/r/<code>

A code is used once: the response stores the keyed hash of its dossier reference (never the
dossier number itself, nor anything about the citizen) under a unique index, so concurrent
submissions of one code store exactly one response. docs/integrity.md has a test vector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date

from app.errors import AppError
from app.i18n import N_

ALGORITHM = "sipas-receipt-v1: HMAC-SHA256, base32, 10 characters"
REF = re.compile(r"^[A-Z0-9./_-]{1,64}$")
SEPARATOR = "~"


class InvalidReceipt(AppError):
    status_code = 404
    code = "invalid_receipt"
    title = N_("Mã biên nhận không hợp lệ")


MSG_INVALID = N_(
    "Mã trên biên nhận không đúng hoặc không thuộc đợt khảo sát đang mở tại đơn vị này. "
    "Xin Ông/Bà kiểm tra lại mã, hoặc quét mã QR tại quầy."
)


def round_key(secret_key: str, round_code: str) -> bytes:
    return hmac.new(
        secret_key.encode(), f"sipas.receipt|{round_code}".encode(), hashlib.sha256
    ).digest()


def normalise(dossier: str) -> str:
    """The dossier reference as signed: upper case, without spaces; refused when unusable."""
    ref = "".join(dossier.split()).upper()
    if not REF.match(ref):
        raise AppError(f"dossier {dossier!r}: 1–64 characters of A–Z 0–9 . / _ -", field="dossiers")
    return ref


def mac(key: bytes, unit_code: str, ref: str) -> str:
    digest = hmac.new(key, f"{unit_code}|{ref}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:10]


def issue_code(key: bytes, unit_code: str, dossier: str) -> str:
    ref = normalise(dossier)
    return SEPARATOR.join((unit_code, ref, mac(key, unit_code, ref)))


@dataclass(frozen=True)
class Receipt:
    unit_code: str
    ref: str
    signature: str

    def verify(self, key: bytes) -> None:
        """Raise unless the code was signed with ``key`` (this round's) for its unit."""
        if not hmac.compare_digest(self.signature.upper(), mac(key, self.unit_code, self.ref)):
            raise InvalidReceipt(MSG_INVALID)

    def dossier_hash(self, secret_key: str, round_code: str) -> str:
        """What the response keeps: a keyed hash of the dossier reference, per round."""
        from app.integrity.screening import keyed_hash

        return keyed_hash(secret_key, f"receipt|{round_code}", self.ref)


def parse_code(code: str) -> Receipt:
    """The parts of a code as the URL carries it (refused when malformed)."""
    parts = code.strip().split(SEPARATOR)
    if len(parts) != 3 or not all(parts) or len(code) > 160:
        raise InvalidReceipt(MSG_INVALID)
    unit_code, ref, signature = parts
    if not REF.match(ref.upper()):
        raise InvalidReceipt(MSG_INVALID)
    return Receipt(unit_code, ref.upper(), signature)


def receipt_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}/r/{code}"


def pre_printed_refs(count: int, day: date) -> list[str]:
    """Dossier references for a batch of pre-printed receipt slips (counters without
    integration): P-<date>-<8 random characters>, each unguessable."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return [
        f"P-{day:%Y%m%d}-{''.join(secrets.choice(alphabet) for _ in range(8))}"
        for _ in range(count)
    ]
