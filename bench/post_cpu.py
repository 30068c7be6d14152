"""CPU per ``POST /s/{code}``, in-process: the ASGI app driven directly, without HTTP.

    SIPAS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sipas_micro sipas demo --no-serve
    SIPAS_DATABASE_URL=... .venv/bin/python bench/post_cpu.py   # from the repository root

Prints process CPU time per stored submission (steadier than wall time on a shared machine,
though not free of it) and the in-process rate. Bodies come from gen_bodies.body_for, signed
with the settings' secret key, for the demo counter SH-HOALAC-MC. ``--no-store``: the same
requests with storing replaced by a no-op, to see the route's cost outside the database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import uvloop
from gen_bodies import body_for

from app.collection import router as collection_router
from app.collection.service import SubmissionSigner
from app.config import Settings
from app.main import create_app

COUNTER = "SH-HOALAC-MC"


async def post(app: Any, body: bytes) -> int:
    path = f"/s/{COUNTER}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    received = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if received.is_set():  # the body was read: only a disconnect could follow
            await asyncio.sleep(3600)
        received.set()
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _stored_nowhere(*_: Any, **__: Any) -> Any:
    from app.integrity.admission import Admission

    return Admission("valid", 1)


async def measure(count: int, concurrency: int, warmup: int, store: bool) -> None:
    settings = Settings()
    app = create_app(settings)
    if not store:
        collection_router.store_submission = _stored_nowhere
    signer = SubmissionSigner(settings.secret_key, settings.submission_max_age_seconds)
    rng = random.Random(time.time_ns())
    bodies = [body_for(rng, signer.issue(COUNTER))[0].encode() for _ in range(count + warmup)]
    async with app.router.lifespan_context(app):
        for body in bodies[:warmup]:
            assert await post(app, body) == 303
        pending = iter(bodies[warmup:])

        async def worker() -> None:
            for body in pending:
                status = await post(app, body)
                assert status == 303, status

        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{count} posts: {1000 * cpu / count:.3f} ms CPU each, {count / wall:.0f}/s in-process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--no-store", dest="store", action="store_false")
    args = parser.parse_args()
    uvloop.install()
    asyncio.run(measure(args.count, args.concurrency, args.warmup, args.store))


if __name__ == "__main__":
    main()
