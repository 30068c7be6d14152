"""Where one rebuild (or fold) of round BENCH-STATS spends its time: every SQL statement's
wall time (SQLAlchemy cursor events), the slowest 15, beside the total and the process's CPU.

    python bench/rebuild_profile.py postgresql://postgres@127.0.0.1:5432/sipas_stats rebuild
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from fold_time import Bench, loadavg  # bench/ is on sys.path
from sqlalchemy import event


async def main(url: str, what: str) -> None:
    bench = Bench(url)
    await bench.start()
    took: list[tuple[float, str]] = []

    def before(conn: Any, *_: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took.append((time.perf_counter() - conn.info["t0"], " ".join(statement.split())[:100]))

    engine = bench.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    if what == "rebuild":
        stale = "UPDATE tally_state SET stale = TRUE WHERE round_id = :r"
        await bench.execute(stale, r=bench.round_id)
    took.clear()
    start, cpu = time.perf_counter(), time.process_time()
    await bench.fold_new()
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    load = " ".join(loadavg())
    print(f"total {total:.2f} s, cpu {cpu:.2f} s, loadavg {load}")
    for seconds, statement in sorted(took, reverse=True)[:15]:
        print(f"{seconds:8.2f} {statement}")
    await bench.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "rebuild"))
