"""Evidence files (tài liệu kiểm chứng): PDF, PNG or JPEG only, recognised by their first
bytes (the name and the declared type are not trusted), at most EVIDENCE_MAX_BYTES, stored in
the database and served only as a download under the type their bytes showed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from app.errors import Unprocessable

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Signature → (content type, extension). Nothing else is accepted: no HTML, SVG or script.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff(data: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted file; refuses any other (422)."""
    if not data:
        raise Unprocessable("the evidence file is empty")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise Unprocessable(f"evidence files are limited to {EVIDENCE_MAX_BYTES} bytes")
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    raise Unprocessable("evidence must be a PDF, PNG or JPEG file")


def safe_name(name: str, extension: str) -> str:
    """A download name of letters, digits, dots, dashes and underscores, ending in the
    extension the bytes showed."""
    base = unicodedata.normalize("NFKD", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    base = base.encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base.rsplit(".", 1)[0]).strip("._")[:80]
    return f"{base or 'evidence'}.{extension}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
