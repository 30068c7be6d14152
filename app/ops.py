"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.auth.access import public_access
from app.db import Database
from app.migrate import head_revision
from app.statistics.freshness import queue_health

router = APIRouter(tags=["operations"], dependencies=[Depends(public_access)])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migrations' head; with the background
    work's state (queued tally changes, age of the oldest, worker heartbeat) for monitoring."""
    db: Database = request.app.state.db
    try:
        async with db.engine.connect() as conn:
            current = (
                await conn.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
            background = await _background(request, conn) if current == head_revision() else {}
    except Exception as exc:  # any driver error means "not ready"
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "migrating", "schema": current, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ready", "schema": current, **background})


async def _background(request: Request, conn: AsyncConnection) -> dict[str, Any]:
    """The tally queue's depth and oldest age, and this process's worker (None: disabled)."""
    async with AsyncSession(conn) as session:
        queue = await queue_health(session)
    worker = request.app.state.worker
    return {"tally_queue": queue, "worker": worker.status() if worker is not None else None}
