"""Bodies of state-changing requests: JSON from API clients, or a urlencoded form.

Read inside the handler, after the caller's role, scope and CSRF token are checked, so that a
caller without rights is refused (403) whatever the body looks like, never told "422".
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.errors import AppError

M = TypeVar("M", bound=BaseModel)
# Ids in paths and queries are bounded by their column's type: a larger number is a 422,
# never an overflow inside the database driver (a 500 on PostgreSQL). ``RowId``: tables with
# an INTEGER key (users, draws, weight sets, revisions); ``BigRowId``: BIGINT keys
# (responses, comments). tests/test_bad_input.py checks every int parameter has a bound.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=INT32_MAX)]
BigRowId = Annotated[int, Path(ge=1, le=INT64_MAX)]
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
        except UnicodeDecodeError:
            raise RequestValidationError([{"loc": ("body",), "msg": "not UTF-8"}]) from None
        except json.JSONDecodeError:
            raise RequestValidationError([{"loc": ("body",), "msg": "invalid JSON"}]) from None
    elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        data = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if isinstance(data, dict) and (nul := [k for k, v in data.items() if _has_nul(v)]):
        refused = [{"loc": ("body", str(k)), "msg": "contains a NUL character"} for k in nul]
        raise RequestValidationError(refused)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds the NUL character anywhere (PostgreSQL text cannot)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


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
