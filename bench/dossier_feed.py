"""Dossier feed ingestion on PostgreSQL: POST /api/v1/dossiers in batches, beside a raw COPY.

    BENCH_PG_DSN=postgresql://postgres@127.0.0.1:5432/sipas_dossiers \
        python -m bench.dossier_feed --batch 1000 --batches 10 --repeats 5 --concurrency 1

Drops and recreates the public schema of BENCH_PG_DSN (use a scratch database), migrates,
creates a province of 50 counters and a feeder key, then alternates (order swapped every
repeat) two measurements over the same number of new events:

- feed: the whole app in process (httpx ASGI transport, no network): JSON parse, per-event
  validation and scope checks, one INSERT ... ON CONFLICT DO NOTHING RETURNING per batch,
  commit, the per-event answer;
- copy: asyncpg ``copy_records_to_table`` of the same rows into an unindexed table of the same
  columns (the floor: no validation, no unique check, no answer).

Prints events/s per repeat and min / median / max, and the feed's events per CPU second of
this process (the app and its client; not PostgreSQL's), which a loaded machine disturbs
far less than the wall-clock rate.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.audit.service import CLI
from app.auth.keys import create_key
from app.config import Settings
from app.db import async_url
from app.main import create_app
from app.migrate import upgrade
from app.units.service import upsert_unit

DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/sipas_dossiers")
COUNTERS = 50
NUMBERS = itertools.count()
CPU_RATES: list[float] = []  # feed events per CPU second of this process (app and client)
DAY = date.today() - timedelta(days=30)
COPY_DDL = """CREATE TABLE IF NOT EXISTS bench_copy (number text, kind text, unit_id int,
procedure_code text, procedure_name text, field text, channel text, received_on date,
due_on date, returned_on date)"""


def events(n: int) -> list[dict[str, object]]:
    out = []
    for _ in range(n):
        i = next(NUMBERS)
        out.append(
            {
                "number": f"H{i:09d}",
                "type": "returned",
                "unit": f"C{i % COUNTERS:02d}",
                "procedure_code": f"1.{i % 300:03d}",
                "procedure_name": "Thủ tục hành chính mẫu",
                "field": ("land", "civil", "business", "justice")[i % 4],
                "channel": ("in_person", "online", "postal")[i % 3],
                "received_on": DAY.isoformat(),
                "due_on": (DAY + timedelta(days=10)).isoformat(),
                "returned_on": (DAY + timedelta(days=i % 15)).isoformat(),
            }
        )
    return out


def as_record(event: dict[str, object], unit_ids: dict[str, int]) -> tuple[object, ...]:
    return (
        event["number"],
        event["type"],
        unit_ids[str(event["unit"])],
        event["procedure_code"],
        event["procedure_name"],
        event["field"],
        event["channel"],
        date.fromisoformat(str(event["received_on"])),
        date.fromisoformat(str(event["due_on"])),
        date.fromisoformat(str(event["returned_on"])),
    )


async def reset() -> None:
    engine = create_async_engine(async_url(DSN))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def feed(
    client: httpx.AsyncClient, key: str, batches: list[list[dict[str, object]]], concurrency: int
) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def post(batch: list[dict[str, object]]) -> None:
        async with gate:
            answer = await client.post(
                "/api/v1/dossiers",
                json={"events": batch},
                headers={"authorization": f"Bearer {key}"},
            )
            stored = answer.json().get("stored") if answer.status_code == 200 else None
            assert stored == len(batch), answer.text[:300]

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(post(b) for b in batches))
    count = sum(len(b) for b in batches)
    CPU_RATES.append(count / (time.process_time() - cpu))
    return count / (time.perf_counter() - started)


async def copy(
    pool: asyncpg.Pool, batches: list[list[tuple[object, ...]]], concurrency: int
) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def load(batch: list[tuple[object, ...]]) -> None:
        async with gate, pool.acquire() as conn:
            await conn.copy_records_to_table("bench_copy", records=batch)

    started = time.perf_counter()
    await asyncio.gather(*(load(b) for b in batches))
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    await reset()
    await asyncio.to_thread(upgrade, DSN)
    settings = Settings(
        environment="test",
        database_url=DSN,
        secret_key="bench-secret-key-0123456789",
        log_level="WARNING",
        worker=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.db.write_sessions.begin() as session:
            await upsert_unit(session, CLI, "P", "Tỉnh", "province", None)
            units = {}
            for c in range(COUNTERS):
                unit = await upsert_unit(session, CLI, f"C{c:02d}", f"Quầy {c}", "counter", "P")
                units[unit.code] = unit.id
            key = (await create_key(session, CLI, "bench", "P", None, "feed")).key
        pool = await asyncpg.create_pool(DSN, min_size=1, max_size=max(2, args.concurrency))
        async with pool.acquire() as conn:
            await conn.execute(COPY_DDL)
        transport = httpx.ASGITransport(app=app)
        results: dict[str, list[float]] = {"feed": [], "copy": []}
        async with httpx.AsyncClient(
            transport=transport, base_url="https://bench", timeout=120
        ) as client:
            await feed(client, key, [events(args.batch)], 1)  # warm-up
            for repeat in range(args.repeats):
                order = ("feed", "copy") if repeat % 2 == 0 else ("copy", "feed")
                for kind in order:
                    batches = [events(args.batch) for _ in range(args.batches)]
                    if kind == "feed":
                        rate = await feed(client, key, batches, args.concurrency)
                    else:
                        records = [[as_record(e, units) for e in b] for b in batches]
                        rate = await copy(pool, records, args.concurrency)
                    results[kind].append(rate)
                    cpu = f" ({CPU_RATES[-1]:,.0f} per CPU s)" if kind == "feed" else ""
                    print(f"repeat {repeat + 1} {kind}: {rate:,.0f} events/s{cpu}", flush=True)
        await pool.close()
    load = (await asyncio.to_thread(Path("/proc/loadavg").read_text)).strip()
    print(f"batch {args.batch} x {args.batches}, concurrency {args.concurrency}, loadavg {load}")
    for kind, rates in {**results, "feed per CPU s": CPU_RATES[1:]}.items():
        median = statistics.median(rates)
        print(
            f"{kind}: min {min(rates):,.0f}  median {median:,.0f}  max {max(rates):,.0f} events/s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
