"""Background work of units: reorganisations dated ahead change today's structure (the
``unit`` rows) on the day they fall due. Idempotent: it sets each row to the version valid
today; an advisory-free update of the same values by two replicas is harmless.

The dated trees reports ask by default (today's, each round's day) are stored resolved at
the current hierarchy version (``unit_tree``), so that a process's first report reads one row
instead of every unit's history; an unchanged hierarchy costs three short reads a pass."""

from __future__ import annotations

from app.units.events import apply_due
from app.units.history import store_trees
from app.worker.registry import Context, periodic

APPLY_DUE = "units.apply_due"
STORE_TREES = "units.store_trees"


@periodic(APPLY_DUE, every=600.0, timeout=300.0)
async def apply_due_events(ctx: Context) -> int:
    """Bring unit rows to today's versions; rows changed."""
    async with ctx.db.write_sessions.begin() as session:
        return await apply_due(session, ctx.settings.today())


@periodic(STORE_TREES, every=30.0, timeout=300.0)
async def store_dated_trees(ctx: Context) -> int:
    """Store the dated trees of the current hierarchy version; trees stored."""
    async with ctx.db.write_sessions.begin() as session:
        return await store_trees(session, ctx.settings.today())
