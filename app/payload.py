"""Bodies of state-changing requests: JSON from API clients, or a urlencoded form.

Read inside the handler, after the caller's role, scope and CSRF token are checked, so that a
caller without rights is refused (403) whatever the body looks like, never told "422".
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, TypeVar

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.errors import AppError

M = TypeVar("M", bound=BaseModel)
# Query parameters shared by the list filters (str: a blank form field arrives as "").
ROUND_QUERY = Query(None, description="Round code")
UNIT_QUERY = Query(None, description="Unit code: the unit and everything under it")
SINCE_QUERY = Query(None, description="Submitted on or after (local date YYYY-MM-DD)")
UNTIL_QUERY = Query(None, description="Submitted on or before (local date YYYY-MM-DD)")


async def read_payload(request: Request, model: type[M]) -> M:
    """``model`` from the request body (JSON object or form fields; extra fields ignored)."""
    data: Any = {}
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            data = await request.json()
        except json.JSONDecodeError:
            raise RequestValidationError([{"loc": ("body",), "msg": "invalid JSON"}]) from None
    elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        data = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI text for a body read with ``read_payload`` (JSON shown; a form works too)."""
    return {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def optional_day(name: str, raw: str | None) -> date | None:
    """A date query parameter that may arrive empty from a submitted filter form."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise AppError(f"{name}: expected a date YYYY-MM-DD, got {raw!r}") from None


def ordered_period(since: date | None, until: date | None) -> None:
    """API clients are told when ``since`` is after ``until`` (the console's filter forms show
    such a period as a notice instead, keeping the user's dates)."""
    if since and until and since > until:
        raise AppError(f"since ({since}) is after until ({until}): no day lies in that period")


def yes_no(raw: str | None) -> bool | None:
    """A "yes"/"no" filter; anything else (a blank form field) means "either"."""
    return {"yes": True, "no": False}.get(raw or "")
