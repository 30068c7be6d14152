"""The feed's background work: fed events counted into the indicators' tally
(app/dossiers/tally.py), and volumes of following rounds kept equal to the feed's counts
(app/dossiers/volumes.py). Idempotent; short transactions."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.db import Database
from app.dossiers.rating_tally import refresh_ratings
from app.dossiers.tally import fold_events
from app.dossiers.volumes import FOLLOWING, follow_feed
from app.models import Round
from app.worker.registry import DEFER, Context, periodic

log = logging.getLogger("sipas.dossiers")


async def sync_volumes(db: Database) -> int:
    """Follow the feed in every round that does; the number of units whose volume changed."""
    async with db.sessions() as session:
        ids = (
            await session.scalars(
                select(Round.id).where(Round.status.in_(FOLLOWING), Round.volumes_fixed.is_(False))
            )
        ).all()
    await fold_events(db)  # volumes read the tally: count what has come in first
    changed = 0
    for round_id in ids:
        async with db.write_sessions.begin() as session:
            round_ = await session.get(Round, round_id)
            if round_ is not None:
                changed += await follow_feed(session, round_)
    if changed:
        log.info("dossier volumes: %d unit(s) follow the feed", changed)
    return changed


@periodic("dossiers.volumes", every=300.0, timeout=300, defer=DEFER)
async def volumes(ctx: Context) -> int:
    return await sync_volumes(ctx.db)


@periodic("dossiers.fold", every=2.0, timeout=300)
async def fold(ctx: Context) -> int:
    return await fold_events(ctx.db)


@periodic("dossiers.ratings", every=60.0, timeout=300, defer=DEFER)
async def ratings(ctx: Context) -> int:
    """Satisfaction by rated dossier (app/dossiers/rating_tally.py), for /dossier-satisfaction."""
    return await refresh_ratings(ctx.db, ctx.catalogue, ctx.settings.timezone)
