"""The public province page (GET /public/{round}) at two data sizes, beside baselines.

It reads the frozen revision only (one report of the top unit), so its time should not grow
with the responses. Freezing computes every unit's report live from the responses (800
reports: hours at 1,000,000 responses on this machine); ``--tally-freeze`` (used for the
figures in docs/performance.md) freezes from the maintained tallies instead (the reports the
API serves: same estimates, folded first), through the same freeze_round.

Two rounds seeded by bench/stats_seed.py in one database (400 units,
sipas-2017); each is closed, frozen and made public here (the freeze time is printed), then
requests are timed in-process (httpx over ASGI, sequential), interleaved and repeated:

- ``healthz``: the floor (no database);
- ``api-frozen-<round>``: GET /api/v1/rounds/{round}/satisfaction?unit=<top> with an API key,
  served from the same frozen revision (the existing cached endpoint);
- ``public-<round>``: the public province page (HTML, ranking of 20 departments, SVG chart);
- ``public-304-<round>``: the same page revalidated (``If-None-Match`` of its ETag: 304).

    python bench/stats_seed.py --url sqlite:////tmp/pub-bench.db --n 10000 --round BENCH-10K
    python bench/stats_seed.py --url sqlite:////tmp/pub-bench.db --n 1000000 --round BENCH-1M
    python bench/public_page.py --url sqlite:////tmp/pub-bench.db --rounds BENCH-10K BENCH-1M
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx
from sqlalchemy import select, update

from app.audit.service import CLI
from app.auth.keys import create_key
from app.config import Settings
from app.main import create_app
from app.models import Round
from app.public.publishing import set_public
from app.reporting.service import satisfaction_report
from app.reporting.snapshots import freeze_round, latest_snapshot
from app.rounds.service import covered_unit_ids
from app.units.service import load_tree


def tally_freeze() -> None:
    """Freeze from the maintained tallies (live=False) rather than rereading the responses."""
    import app.reporting.snapshots as snapshots

    served = snapshots.satisfaction_report

    async def from_tallies(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["live"] = False
        return await served(*args, **kwargs)

    snapshots.satisfaction_report = from_tallies  # type: ignore[assignment]


async def publish(app, code: str) -> str:  # type: ignore[no-untyped-def]
    """Close, freeze and make public the round (once); its top unit's code."""
    async with app.state.db.write_sessions.begin() as session:
        round_ = await session.scalar(select(Round).where(Round.code == code))
        assert round_ is not None, code
        top = (await load_tree(session)).common_ancestor(await covered_unit_ids(session, round_.id))
        assert top is not None
        frozen = await latest_snapshot(session, round_.id) is not None
        if not frozen:
            closing = update(Round).where(Round.id == round_.id).values(status="closed")
            await session.execute(closing)
    if frozen:
        return top.code
    started = time.perf_counter()
    async with app.state.db.sessions() as session:  # fold the tallies first (own transactions)
        await satisfaction_report(session, app.state.catalogue, code, top.code)
    folded = time.perf_counter() - started
    async with app.state.db.write_sessions.begin() as session:
        round_ = await session.scalar(select(Round).where(Round.code == code))
        started = time.perf_counter()
        snapshot, _ = await freeze_round(session, app.state.catalogue, CLI, round_)
        took = time.perf_counter() - started
        print(f"{code}: tallies folded in {folded:.1f} s, frozen in {took:.1f} s")
        s = app.state.settings
        await set_public(
            session, CLI, round_, snapshot.revision, True, s.public_base_url, s.open_data_licence
        )
    return top.code


async def timed(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], n: int
) -> list[float]:
    """Each request's wall time, then (appended) the process's CPU time per request, in ms: on
    a loaded machine the CPU time is the steadier measure of the work a request does."""
    times = []
    cpu = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        answer = await client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        expected = 304 if "If-None-Match" in headers else 200
        assert answer.status_code == expected, (url, answer.status_code, answer.text[:200])
    return [*times, (time.process_time() - cpu) * 1000 / n]


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return f.read().strip()


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


async def main(url: str, rounds: list[str], repeat: int, n: int) -> None:
    settings = Settings(
        database_url=url,
        worker=False,
        log_level="WARNING",
        secret_key="bench-secret-key-not-for-production",
        environment="test",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        tops = {code: await publish(app, code) for code in rounds}
        async with app.state.db.write_sessions.begin() as session:
            key = (await create_key(session, CLI, "bench", tops[rounds[0]], None)).key
        auth = {"Authorization": f"Bearer {key}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            targets: list[tuple[str, str, dict[str, str]]] = [("healthz", "/healthz", {})]
            for code in rounds:
                targets.append(
                    (
                        f"api-frozen-{code}",
                        f"/api/v1/rounds/{code}/satisfaction?unit={tops[code]}",
                        auth,
                    )
                )
                targets.append((f"public-{code}", f"/public/{code}", {}))
                etag = (await client.get(f"/public/{code}")).headers["etag"]
                revalidate = {"If-None-Match": etag}
                targets.append((f"public-304-{code}", f"/public/{code}", revalidate))
            results: dict[str, list[tuple[float, ...]]] = {name: [] for name, _, _ in targets}
            for _, path, headers in targets:  # warm up: caches, first reads
                await timed(client, path, headers, 5)
            for _ in range(repeat):
                for name, path, headers in targets:
                    *times, cpu = await timed(client, path, headers, n)
                    results[name].append((statistics.median(times), p95(times), cpu))
        print("loadavg after:", loadavg())
        heads = ("p50 min/med/max ms", "p95 min/med/max ms", "CPU/request min/med/max ms")
        print(f"{'target':<24}", *(f"{h:>26}" for h in heads))
        for name, runs in results.items():
            fmt = lambda v: f"{min(v):.2f}/{statistics.median(v):.2f}/{max(v):.2f}"  # noqa: E731
            print(f"{name:<24}", *(f"{fmt([r[i] for r in runs]):>26}" for i in range(3)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", nargs="+", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="requests per target and repeat")
    parser.add_argument("--tally-freeze", action="store_true")
    args = parser.parse_args()
    if args.tally_freeze:
        tally_freeze()
    print("loadavg before:", loadavg(), "| pid", os.getpid())
    asyncio.run(main(args.url, args.rounds, args.repeat, args.n))
