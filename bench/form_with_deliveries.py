"""POST /s/{code} latency with and without webhook deliveries running in the same process.

    BENCH_PG_DSN=postgresql://postgres@127.0.0.1:5432/sipas_dossiers \
        python -m bench.form_with_deliveries --posts 60 --repeats 2

Drops and recreates the public schema of BENCH_PG_DSN, migrates, opens a round at one
counter (limits off) and queues webhook deliveries to a receiver on 127.0.0.1 that takes
50 ms per request. Then alternates: ``idle`` (no background work) and ``delivering`` (the
worker's ``webhooks.events`` + ``webhooks.deliver`` passes looping in the same event loop, as
the worker does inside each app process), timing each citizen's POST (GET of the form first,
not timed). Prints median and p95 per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from sqlalchemy import insert

from app.audit.service import CLI
from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models import WebhookDelivery
from app.models.base import utcnow
from app.rounds.service import create_round, set_volume
from app.units.service import upsert_unit
from app.webhooks.delivery import deliver_due
from app.webhooks.schemas import SubscriptionIn
from app.webhooks.service import create_subscription
from app.webhooks.tasks import find_events
from bench.dossier_feed import DSN, reset
from tests.factories import CRITERIA
from tests.webhooks.helpers import ROOT


class Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(0.05)
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def post_times(client: httpx.AsyncClient, posts: int) -> list[float]:
    times = []
    body = {"field": "land", **{c: "5" for c in CRITERIA}}
    for _ in range(posts):
        page = (await client.get("/s/C11")).text
        sid = page.split('name="sid" value="', 1)[1].split('"', 1)[0]
        started = time.perf_counter()
        answer = await client.post("/s/C11", data={"sid": sid, **body})
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 303, answer.status_code
    return times


async def main(args: argparse.Namespace) -> None:
    await reset()
    await asyncio.to_thread(upgrade, DSN)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = Settings(
        environment="test",
        database_url=DSN,
        log_level="WARNING",
        secret_key="bench-secret-key-0123456789",
        worker=False,
        webhook_settle_seconds=0.0,
        counter_cache_seconds=10.0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.db.write_sessions.begin() as session:
            await upsert_unit(session, CLI, "P", "Tỉnh", "province", None)
            unit = await upsert_unit(session, CLI, "C11", "Quầy", "counter", "P")
            round_ = await create_round(
                session,
                CLI,
                code="R",
                name="R",
                form_code="one-stop-counter",
                starts_on=date.today() - timedelta(days=5),
                ends_on=date.today() + timedelta(days=5),
                status="open",
            )
            round_.integrity_policy = {"limits": False}
            await set_volume(session, CLI, round_, unit, 1000)
            url = f"http://127.0.0.1:{server.server_address[1]}/hook"
            body = SubscriptionIn.model_validate(
                {"url": url, "unit": "P", "events": ["response.created"]}
            )
            from app.units.service import load_tree

            sub = await create_subscription(session, CLI, ROOT, await load_tree(session), body)
            now = utcnow()
            await session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "subscription_id": sub.id,
                        "event_key": f"bench:{i}",
                        "msg_id": f"msg_{i:032d}",
                        "event_type": "response.created",
                        "payload": {"type": "bench", "data": {"i": i}},
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for i in range(args.backlog)
                ],
            )
        results: dict[str, list[float]] = {"idle": [], "delivering": []}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            await post_times(client, 5)  # warm-up
            for repeat in range(args.repeats):
                for phase in ("idle", "delivering") if repeat % 2 == 0 else ("delivering", "idle"):
                    stop = asyncio.Event()

                    async def worker(stop: asyncio.Event = stop) -> None:
                        while not stop.is_set():
                            await find_events(app.state.db, 0.0)
                            await deliver_due(app.state.db, settings)
                            await asyncio.sleep(0.05)

                    runner = asyncio.create_task(worker()) if phase == "delivering" else None
                    results[phase] += await post_times(client, args.posts)
                    stop.set()
                    if runner is not None:
                        await runner
    server.shutdown()
    load = (await asyncio.to_thread(Path("/proc/loadavg").read_text)).strip()
    print(f"posts {args.posts} x {args.repeats} per phase, backlog {args.backlog}, loadavg {load}")
    for phase, times in results.items():
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{phase}: median {statistics.median(times):.1f} ms  p95 {p95:.1f} ms  (n={len(times)})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--backlog", type=int, default=3000)
    asyncio.run(main(parser.parse_args()))
