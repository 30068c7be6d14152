"""Feeder keys and dossier events for the feed's tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from app.audit.service import CLI
from app.db import Database
from tests.factories import province_today


async def feeder_key(app: FastAPI, unit: str) -> str:
    from app.auth.keys import create_key

    db: Database = app.state.db
    async with db.write_sessions.begin() as session:
        return (await create_key(session, CLI, "one-stop system", unit, None, "feed")).key


def event(ref: str, /, kind: str = "returned", unit: str = "C11", **extra: Any) -> dict[str, Any]:
    """A valid event: received 10 days ago, due in 5 days' time from then, returned 3 days ago."""
    received = province_today() - timedelta(days=10)
    body: dict[str, Any] = {
        "number": ref,
        "type": kind,
        "unit": unit,
        "procedure_code": "1.001",
        "procedure_name": "Đăng ký khai sinh",
        "field": "civil",
        "channel": "online",
        "received_on": received.isoformat(),
        "due_on": (received + timedelta(days=5)).isoformat(),
    }
    if kind == "returned":
        body["returned_on"] = (received + timedelta(days=7)).isoformat()
    if kind == "cancelled":
        body["cancelled_on"] = (received + timedelta(days=1)).isoformat()
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}
