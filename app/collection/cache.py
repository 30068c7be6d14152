"""A short-lived cache of what a counter serves: its unit, open round, instrument, and page.

Every scan of a QR code asks the same two questions (which unit, which open round) and renders
the same page; only the signed submission id differs. Caching the answer for a few seconds
(``SIPAS_COUNTER_CACHE_SECONDS``, 0 to switch off) removes the database and the template from
the hot path (measured in docs/performance.md).

When an entry expires under load, the requests that find it expired wait for one load
between them (single flight) instead of each querying the database: a burst of identical
queries every TTL was the p99 of ``POST /s/{code}`` (docs/performance.md).

Each replica keeps its own cache of read-only facts, never of responses: a round opened or
closed elsewhere shows here within the TTL, and nothing is lost if a replica stops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from app.collection.service import CounterForm
from app.db import database_unavailable

# Stands for the signed submission id in a cached page; it cannot occur in rendered text
# (only letters, and no instrument writes this word).
SID_PLACEHOLDER = "SipasSubmissionIdPlaceholderXq"
SID_BYTES = SID_PLACEHOLDER.encode()
MAX_ENTRIES = 10_000
K = TypeVar("K")
V = TypeVar("V")


class CounterCache:
    """Counter lookups and rendered form pages, each valid for ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._forms: dict[tuple[str, date], tuple[float, CounterForm]] = {}
        self._loading: dict[tuple[str, date], asyncio.Task[CounterForm]] = {}
        self._pages: dict[tuple[int, int, int, str], tuple[float, list[bytes]]] = {}

    async def counter_form(
        self, unit_code: str, today: date, load: Callable[[], Awaitable[CounterForm]]
    ) -> CounterForm:
        """The cached counter form, or ``load()``'s (its errors are not cached)."""
        if self.ttl <= 0:
            return await load()
        key = (unit_code, today)
        hit = self._forms.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, load))
        try:
            # Shielded: a waiter that goes away (client disconnected) does not cancel others'.
            return await asyncio.shield(loading)
        except Exception as exc:
            # The database is away: what the counter served a moment ago beats an error page
            # (a citizen's submitted answers come back on the form, not lost).
            if hit is not None and database_unavailable(exc):
                return hit[1]
            raise

    async def _load(
        self, key: tuple[str, date], load: Callable[[], Awaitable[CounterForm]]
    ) -> CounterForm:
        try:
            target = await load()
            self._store(self._forms, key, (time.monotonic() + self.ttl, target))
            return target
        finally:
            del self._loading[key]

    def page(self, target: CounterForm, lang: str, render: Callable[[str], str], sid: str) -> bytes:
        """The blank form page for ``target`` carrying ``sid``, rendered once per TTL and kept
        encoded, split where the id goes: a request joins bytes instead of encoding the page."""
        if self.ttl <= 0:
            return render(sid).encode()
        key = (target.unit.id, target.round.id, target.form.version_id, lang)
        now = time.monotonic()
        hit = self._pages.get(key)
        if hit is None or hit[0] <= now:
            hit = (now + self.ttl, render(SID_PLACEHOLDER).encode().split(SID_BYTES))
            self._store(self._pages, key, hit)
        return sid.encode().join(hit[1])

    @staticmethod
    def _store(entries: dict[K, V], key: K, value: V) -> None:
        if len(entries) >= MAX_ENTRIES:  # a flood of distinct codes cannot grow it unbounded
            entries.clear()
        entries[key] = value
