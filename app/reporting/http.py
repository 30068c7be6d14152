"""Conditional responses for reports: a strong ETag over the body, Last-Modified, and 304."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.models.base import as_utc


def json_body(model: BaseModel) -> bytes:
    """The model as JSON; its figures (``Figure`` fields) to 12 significant digits."""
    return model.model_dump_json().encode()


def _matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _not_modified_since(request: Request, last_modified: datetime | None) -> bool:
    header = request.headers.get("if-modified-since")
    if header is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return as_utc(last_modified).replace(microsecond=0) <= since


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def conditional(
    request: Request,
    body: bytes | BaseModel,
    last_modified: datetime | None,
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """The body with ETag and Last-Modified, or 304 when the client's copy is current.

    The ETag is a hash of the body unless given (files whose bytes carry a creation time).
    If-None-Match is decisive when sent (RFC 9110 §13.2.2); If-Modified-Since only otherwise.
    """
    content = json_body(body) if isinstance(body, BaseModel) else body
    etag = etag or etag_of(content)
    sent = {"ETag": etag, "Cache-Control": "private, no-cache", **(headers or {})}
    if last_modified is not None:
        sent["Last-Modified"] = format_datetime(as_utc(last_modified).astimezone(UTC), usegmt=True)
    if_none_match = request.headers.get("if-none-match")
    fresh = (
        _matches(if_none_match, etag)
        if if_none_match is not None
        else _not_modified_since(request, last_modified)
    )
    if fresh:
        return Response(status_code=304, headers=sent)
    return Response(content, media_type=media_type, headers=sent)
