"""Webhook subscriptions: create (the secret shown once), list, enable, redeliver; audited."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.auth.access import require
from app.auth.principal import Principal
from app.errors import NotFound
from app.models import WebhookDelivery, WebhookSubscription
from app.models.base import utcnow
from app.units.service import UnitTree
from app.webhooks.events import start_cursors
from app.webhooks.schemas import SubscriptionCreated, SubscriptionIn, SubscriptionOut

LOG_LENGTH = 100


def out(sub: WebhookSubscription, tree: UnitTree) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        url=sub.url,
        unit=tree.by_id[sub.unit_id].code,
        events=list(sub.events),
        active=sub.active,
        failures=sub.failures,
        disabled_at=sub.disabled_at,
    )


async def create_subscription(
    session: AsyncSession, actor: Actor, principal: Principal, tree: UnitTree, body: SubscriptionIn
) -> SubscriptionCreated:
    node = tree.get(body.unit)
    require(principal, "admin", node.id, tree)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    sub = WebhookSubscription(
        unit_id=node.id,
        url=str(body.url),
        secret=secret,
        events=sorted(set(body.events)),
        active=True,
        failures=0,
        created_by_id=actor.user_id,
    )
    session.add(sub)
    await start_cursors(session)
    await session.flush()
    changes = {"url": sub.url, "events": sub.events}
    await record(session, actor, "webhook.create", "webhook", sub.id, node.id, changes)
    return SubscriptionCreated(**out(sub, tree).model_dump(), secret=secret)


async def subscription_in_scope(
    session: AsyncSession, principal: Principal, tree: UnitTree, sub_id: int
) -> WebhookSubscription:
    sub = await session.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound(f"no webhook subscription {sub_id}")
    require(principal, "admin", sub.unit_id, tree)
    return sub


async def list_subscriptions(
    session: AsyncSession, principal: Principal, tree: UnitTree
) -> list[SubscriptionOut]:
    visible = principal.visible_units("admin", tree)
    rows = (
        await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    ).all()
    return [out(s, tree) for s in rows if visible is None or s.unit_id in visible]


async def deliveries(session: AsyncSession, sub: WebhookSubscription) -> list[WebhookDelivery]:
    """The subscription's delivery log, newest first (the last ``LOG_LENGTH``)."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == sub.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_LENGTH)
    )
    return list((await session.scalars(query)).all())


async def redeliver(
    session: AsyncSession, actor: Actor, sub: WebhookSubscription, delivery_id: int
) -> WebhookDelivery:
    """Send a delivery again from its first attempt (the worker takes it at once)."""
    row = await session.get(WebhookDelivery, delivery_id)
    if row is None or row.subscription_id != sub.id:
        raise NotFound(f"no delivery {delivery_id} of this subscription")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    await record(
        session, actor, "webhook.redeliver", "webhook", sub.id, sub.unit_id, {"delivery": row.id}
    )
    return row


async def enable(session: AsyncSession, actor: Actor, sub: WebhookSubscription) -> None:
    """Enable a disabled subscription again; its pending deliveries resume."""
    sub.active, sub.failures, sub.disabled_at = True, 0, None
    await record(session, actor, "webhook.enable", "webhook", sub.id, sub.unit_id)


async def disable(session: AsyncSession, actor: Actor, sub: WebhookSubscription) -> None:
    """Stop delivering to the subscription (its pending deliveries wait until enabled)."""
    if sub.active:
        sub.active, sub.disabled_at = False, utcnow()
        await record(session, actor, "webhook.disable", "webhook", sub.id, sub.unit_id)
