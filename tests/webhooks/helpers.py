"""Webhook subscriptions for tests, made through the service layer."""

from __future__ import annotations

from fastapi import FastAPI

from app.audit.service import CLI
from app.auth.principal import Principal
from app.units.service import load_tree
from app.webhooks.schemas import SubscriptionIn
from app.webhooks.service import create_subscription

ROOT = Principal(kind="user", id=0, label="test", is_superadmin=True)


async def make_webhook(
    app: FastAPI, unit: str, url: str = "http://127.0.0.1:9/hook", events: list[str] | None = None
) -> tuple[int, str]:
    """A subscription (id, secret) on ``unit`` for ``events`` (default: all)."""
    body = SubscriptionIn.model_validate(
        {
            "url": url,
            "unit": unit,
            "events": events or ["response.created", "integrity.flag", "round.published"],
        }
    )
    async with app.state.db.write_sessions.begin() as session:
        created = await create_subscription(session, CLI, ROOT, await load_tree(session), body)
    return created.id, created.secret
