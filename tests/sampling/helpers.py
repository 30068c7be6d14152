"""Shared helpers for the sampling tests: a signed-in admin, files to upload, list frames."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.db import Database
from app.models import AuditEvent
from tests.auth_helpers import csrf_of, sign_in
from tests.factories import make_user, province_today

BASE = "/api/v1/rounds/R2026"


async def signed_in(
    app: FastAPI, client: httpx.AsyncClient, email: str, grants: list[tuple[str, str]]
) -> dict[str, str]:
    """Sign ``email`` in (created with ``grants``); returns the CSRF header for writes."""
    await make_user(app, email, grants)
    await sign_in(client, email)
    return {"x-csrf-token": await csrf_of(client)}


def upload(content: str | bytes, name: str = "frame.csv") -> dict[str, Any]:
    data = content.encode() if isinstance(content, str) else content
    return {"file": (name, data, "application/octet-stream")}


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def in_period(days: int = 0) -> str:
    """A completion date inside the test round's period (it started 30 days ago)."""
    return (province_today() - timedelta(days=30) + timedelta(days=days)).isoformat()


def dossier_csv(counts: dict[str, int], prefix: str = "HS") -> str:
    """A list frame: ``counts[unit]`` dossiers per unit, codes PREFIX-UNIT-00001 ..."""
    lines = ["dossier,unit,field,completed_on"]
    for unit, n in counts.items():
        fields = ("land", "justice", "construction")
        lines += [
            f"{prefix}-{unit}-{i:05d},{unit},{fields[i % 3]},{in_period(i % 50)}" for i in range(n)
        ]
    return "\n".join(lines) + "\n"


async def volumes(app: FastAPI) -> dict[str, int | None]:
    """round_unit.volume of R2026 by unit code, read from the database."""
    from app.models import Round, RoundUnit, Unit

    db: Database = app.state.db
    async with db.sessions() as session:
        rows = await session.execute(
            select(Unit.code, RoundUnit.volume)
            .join(RoundUnit, RoundUnit.unit_id == Unit.id)
            .join(Round, Round.id == RoundUnit.round_id)
            .where(Round.code == "R2026")
        )
        return {code: volume for code, volume in rows}


async def audit_actions(app: FastAPI) -> list[str]:
    db: Database = app.state.db
    async with db.sessions() as session:
        return list(
            (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
        )
