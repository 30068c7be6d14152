"""What compressing the citizen's form costs and saves, per gzip level (interleaved runs).

    PYTHONPATH=. .venv/bin/python bench/gzip_form.py   # from the repository root

Renders /s/C11 of the test province (a temporary SQLite database) once, then compresses that
page at levels 1, 6 and 9 in turn, 300 times each; prints bytes and min/median/max ms.
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import tempfile
import time

import httpx

from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from tests.factories import make_province

URL = f"sqlite:///{tempfile.mkdtemp()}/bench.db"


async def form_page() -> bytes:
    settings = Settings(
        environment="test",
        database_url=URL,
        secret_key="bench-secret-key-not-for-production",
        log_level="WARNING",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await make_province(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
            page = await client.get("/s/C11", headers={"accept-encoding": "identity"})
            return page.content


def main() -> None:
    upgrade(URL)
    body = asyncio.run(form_page())
    print(f"form page: {len(body)} bytes")
    times: dict[int, list[float]] = {1: [], 6: [], 9: []}
    for _ in range(300):
        for level, seen in times.items():
            start = time.perf_counter()
            gzip.compress(body, compresslevel=level)
            seen.append((time.perf_counter() - start) * 1000)
    for level, seen in times.items():
        size = len(gzip.compress(body, compresslevel=level))
        spread = f"{min(seen):.3f}/{statistics.median(seen):.3f}/{max(seen):.3f}"
        print(f"level {level}: {size} bytes, ms min/median/max {spread}")
    with open("/proc/loadavg") as load:
        print(f"loadavg: {load.read().strip()}")


if __name__ == "__main__":
    main()
