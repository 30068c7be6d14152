"""Webhook subscriptions API (admins of the unit; writes need the session's CSRF token)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth.access import StaffAdmin, StaffAdminWrite, actor_of
from app.deps import SessionDep, WriteSessionDep
from app.payload import BigRowId, RowId
from app.units.service import load_tree
from app.webhooks import service
from app.webhooks.schemas import DeliveryOut, SubscriptionCreated, SubscriptionIn, SubscriptionOut

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("", response_model=SubscriptionCreated, status_code=201)
async def create_webhook(
    request: Request, body: SubscriptionIn, principal: StaffAdminWrite, session: WriteSessionDep
) -> SubscriptionCreated:
    """Subscribe an endpoint to events of a unit's subtree; the signing secret is shown once."""
    tree = await load_tree(session)
    actor = actor_of(request, principal)
    return await service.create_subscription(session, actor, principal, tree, body)


@router.get("", response_model=list[SubscriptionOut])
async def list_webhooks(principal: StaffAdmin, session: SessionDep) -> list[SubscriptionOut]:
    """Subscriptions on units you administer."""
    return await service.list_subscriptions(session, principal, await load_tree(session))


@router.get("/{sub_id}/deliveries", response_model=list[DeliveryOut])
async def webhook_deliveries(
    sub_id: RowId, principal: StaffAdmin, session: SessionDep
) -> list[DeliveryOut]:
    """The subscription's delivery log, newest first."""
    sub = await service.subscription_in_scope(session, principal, await load_tree(session), sub_id)
    return [DeliveryOut.model_validate(d) for d in await service.deliveries(session, sub)]


@router.post("/{sub_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
async def redeliver_webhook(
    request: Request,
    sub_id: RowId,
    delivery_id: BigRowId,
    principal: StaffAdminWrite,
    session: WriteSessionDep,
) -> DeliveryOut:
    """Deliver again (the background worker sends it; not this request)."""
    sub = await service.subscription_in_scope(session, principal, await load_tree(session), sub_id)
    row = await service.redeliver(session, actor_of(request, principal), sub, delivery_id)
    return DeliveryOut.model_validate(row)


@router.post("/{sub_id}/enable", response_model=SubscriptionOut)
async def enable_webhook(
    request: Request, sub_id: RowId, principal: StaffAdminWrite, session: WriteSessionDep
) -> SubscriptionOut:
    """Enable a subscription that was disabled after repeated failures."""
    tree = await load_tree(session)
    sub = await service.subscription_in_scope(session, principal, tree, sub_id)
    await service.enable(session, actor_of(request, principal), sub)
    return service.out(sub, tree)


@router.post("/{sub_id}/disable", response_model=SubscriptionOut)
async def disable_webhook(
    request: Request, sub_id: RowId, principal: StaffAdminWrite, session: WriteSessionDep
) -> SubscriptionOut:
    """Stop delivering to a subscription; enabling it resumes its pending deliveries."""
    tree = await load_tree(session)
    sub = await service.subscription_in_scope(session, principal, tree, sub_id)
    await service.disable(session, actor_of(request, principal), sub)
    return service.out(sub, tree)
