"""Background work of units: reorganisations dated ahead change today's structure (the
``unit`` rows) on the day they fall due. Idempotent: it sets each row to the version valid
today; an advisory-free update of the same values by two replicas is harmless."""

from __future__ import annotations

from app.units.events import apply_due
from app.worker.registry import Context, periodic

APPLY_DUE = "units.apply_due"


@periodic(APPLY_DUE, every=600.0, timeout=300.0)
async def apply_due_events(ctx: Context) -> int:
    """Bring unit rows to today's versions; rows changed."""
    async with ctx.db.write_sessions.begin() as session:
        return await apply_due(session, ctx.settings.today())
