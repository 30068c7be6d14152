"""Citizens submitting at once to `sipas serve` on SQLite, a server process per run.

    .venv/bin/python bench/sqlite_citizens.py [--citizens 64] [--rounds 5] [--repeat 3]
        [--baseline /path/to/other/checkout]

Each run starts a fresh database and server (the checkout given, or this one), seeds the
test province, then ``citizens`` clients each open the form and submit it ``rounds`` times,
all at once. Prints statuses, stored rows and submission latencies (p50/p99/max) per run;
with ``--baseline``, runs alternate between the two checkouts. Figures: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent.parent
UNITS = ("C11", "C12", "C21")
SEED = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.config import Settings
from app.main import create_app
from tests.factories import make_province

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        await make_province(app)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(checkout: Path, db: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "SIPAS_DATABASE_URL": f"sqlite:///{db}",
        "SIPAS_PROJECT_ROOT": str(checkout),
        "SIPAS_FORMS_DIR": str(checkout / "survey_forms"),
        "SIPAS_LOG_LEVEL": "WARNING",
    }
    code = "from app.cli import main; main()"
    subprocess.run([sys.executable, "-c", code, "db", "upgrade"], env=env, check=True)
    subprocess.run([sys.executable, "-c", SEED, str(checkout)], env=env, check=True)
    args = [sys.executable, "-c", code, "serve", "--port", str(port)]
    server = subprocess.Popen(args, env=env, cwd=checkout)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not start")


async def citizens(base: str, n: int, rounds: int) -> tuple[Counter[int], list[float]]:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            unit = UNITS[i % 3]
            for _ in range(rounds):
                page = await client.get(f"/s/{unit}")
                token = re.search(r'name="sid" value="([^"]+)"', page.text)
                if token is None:
                    statuses[page.status_code] += 1
                    continue
                body = {"sid": token.group(1), "field": "land"}
                body.update({q: "5" for q in re.findall(r'name="([A-Z]{3}\d)"', page.text)})
                start = time.perf_counter()
                answer = await client.post(f"/s/{unit}", data=body)
                latencies.append(time.perf_counter() - start)
                statuses[answer.status_code] += 1

        await asyncio.gather(*(one(i) for i in range(n)))
    return statuses, sorted(latencies)


def run(checkout: Path, n: int, rounds: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/bench.db"
        port = free_port()
        server = start(checkout, db, port)
        try:
            started = time.perf_counter()
            statuses, lat = asyncio.run(citizens(f"http://127.0.0.1:{port}", n, rounds))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
        stored = sqlite3.connect(db).execute("SELECT count(*) FROM response").fetchone()[0]
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    return (
        f"statuses={dict(statuses)} stored={stored}/{n * rounds} wall={wall:.1f}s "
        f"p50={p(0.5):.0f}ms p99={p(0.99):.0f}ms max={lat[-1] * 1000:.0f}ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    for i in range(args.repeat):
        for name, checkout in [("this", HERE), ("baseline", args.baseline)]:
            if checkout is None:
                continue
            print(f"run {i + 1} {name}: {run(checkout, args.citizens, args.rounds)}", flush=True)
            print(f"  loadavg {Path('/proc/loadavg').read_text().strip()}", flush=True)


if __name__ == "__main__":
    main()
