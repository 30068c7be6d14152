"""Time the hierarchy "as of a day" on the scale of the 2025 reform, beside today's tree.

Seeds (set-based, in one transaction) the reform's history: before 1 July 2025, 63 provinces,
700 districts and 10,500 communes, each commune with a one-stop counter; from that day, 34
provinces and 3,300 communes (no district level): the old provinces merged into the new
(versions: active, then inactive with a successor), districts dissolved, old communes merged
into new ones, each counter moved under its new commune. 17,897 units, 31,497 versions.

Then, interleaved and repeated: ``load_tree`` (today's structure from the unit rows),
the resolver of c8406df (bench/hierarchy_baseline.py: the baseline) and ``resolve_hierarchy``
(the resolver now: one query for the history, then the tree; both cold) on a day before the
reform and on a day after it, ``hierarchy_as_of`` cold with the tree stored by the worker
(``units.store_trees``; nothing in memory: a process's first report reads the stamp and one
row), and ``hierarchy_as_of`` kept (the stamp query, then the tree kept in memory while no
unit changed; also for another day of a period already built). Prints min/median/max wall
and CPU ms and /proc/loadavg (before and after).

    PYTHONPATH=. python bench/hierarchy_time.py --url sqlite:////tmp/sipas-hier.db --n 30
    PYTHONPATH=. python bench/hierarchy_time.py \
        --url postgresql://postgres@127.0.0.1:5432/sipas_reform --n 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor, record
from app.config import Settings
from app.db import Database
from app.migrate import upgrade
from app.models import Unit, UnitEvent, UnitVersion
from app.units import history
from app.units.history import DatedTree, hierarchy_as_of, resolve_hierarchy, store_trees
from app.units.service import load_tree

sys.path.insert(0, str(Path(__file__).parent))
from hierarchy_baseline import baseline_resolve

REFORM = date(2025, 7, 1)
BEFORE, AFTER, OTHER = date(2025, 6, 30), date(2026, 1, 1), date(2025, 3, 15)
OLD_PROVINCES, DISTRICTS, OLD_COMMUNES = 63, 700, 10_500
NEW_PROVINCES, NEW_COMMUNES = 34, 3_300


def plan() -> tuple[list[dict], list[dict]]:
    """Unit rows (today's structure) and versions, with ids assigned here."""
    units: list[dict] = []
    versions: list[dict] = []
    next_id = iter(range(1, 10**6))

    def unit(code: str, name: str, level: str, parent: int | None, **extra: object) -> int:
        uid = next(next_id)
        units.append(
            {
                "id": uid,
                "code": code,
                "name": name,
                "level": level,
                "parent_id": parent,
                "inactive_from": extra.get("inactive_from"),
                "successor_id": extra.get("successor_id"),
            }
        )
        return uid

    def version(
        uid: int,
        frm: date | None,
        to: date | None,
        parent: int | None,
        level: str,
        status: str = "active",
        successor: int | None = None,
    ) -> None:
        versions.append(
            {
                "unit_id": uid,
                "valid_from": frm,
                "valid_to": to,
                "parent_id": parent,
                "name": f"u{uid}",
                "level": level,
                "status": status,
                "successor_id": successor,
                "event_id": 1,
            }
        )

    new_p = [unit(f"NP{i:02}", f"Tỉnh mới {i}", "province", None) for i in range(NEW_PROVINCES)]
    for uid in new_p:
        version(uid, REFORM, None, None, "province")
    new_c = []
    for i in range(NEW_COMMUNES):
        parent = new_p[i % NEW_PROVINCES]
        uid = unit(f"NC{i:04}", f"Xã mới {i}", "commune", parent)
        version(uid, REFORM, None, parent, "commune")
        new_c.append(uid)
    old_p = []
    for i in range(OLD_PROVINCES):
        succ = new_p[i % NEW_PROVINCES]
        uid = unit(
            f"OP{i:02}", f"Tỉnh cũ {i}", "province", None, inactive_from=REFORM, successor_id=succ
        )
        version(uid, None, REFORM, None, "province")
        version(uid, REFORM, None, None, "province", "inactive", succ)
        old_p.append(uid)
    districts = []
    for i in range(DISTRICTS):
        parent = old_p[i % OLD_PROVINCES]
        uid = unit(f"OD{i:03}", f"Huyện {i}", "district", parent, inactive_from=REFORM)
        version(uid, None, REFORM, parent, "district")
        version(uid, REFORM, None, parent, "district", "inactive")
        districts.append(uid)
    for i in range(OLD_COMMUNES):
        parent = districts[i % DISTRICTS]
        succ = new_c[i % NEW_COMMUNES]
        uid = unit(
            f"OC{i:05}", f"Xã cũ {i}", "commune", parent, inactive_from=REFORM, successor_id=succ
        )
        version(uid, None, REFORM, parent, "commune")
        version(uid, REFORM, None, parent, "commune", "inactive", succ)
        if i < NEW_COMMUNES:  # the counter of the commune that becomes the new one's seat
            counter = unit(f"MC{i:04}", f"Một cửa {i}", "counter", succ)
            version(counter, None, REFORM, uid, "counter")
            version(counter, REFORM, None, succ, "counter")
    return units, versions


async def seed(db: Database) -> tuple[int, int]:
    units, versions = plan()
    async with db.write_sessions.begin() as session:
        session.add(UnitEvent(id=1, kind="merge", effective=REFORM, details={}, created_by="bench"))
        await session.flush()
        roots = [u for u in units if u["parent_id"] is None]
        await session.execute(insert(Unit), roots)  # parents before children
        await session.execute(
            insert(Unit),
            [u for u in units if u["parent_id"] is not None and u["level"] != "counter"],
        )
        await session.execute(insert(Unit), [u for u in units if u["level"] == "counter"])
        for start in range(0, len(versions), 5000):
            await session.execute(insert(UnitVersion), versions[start : start + 5000])
        await record(session, Actor("bench"), "unit.import", "unit", None, None, {})
    return len(units), len(versions)


async def cold_stored(session: AsyncSession, day: date) -> DatedTree:
    """``hierarchy_as_of`` in a process that has nothing in memory (its first report), the
    worker having stored the day's tree: the stamp query and one row."""
    history._KEPT.clear()
    return await hierarchy_as_of(session, day)


def stats(ms: list[float]) -> dict[str, float]:
    return {
        "min": round(min(ms), 1),
        "median": round(statistics.median(ms), 1),
        "max": round(max(ms), 1),
    }


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


async def main(url: str, n: int) -> None:
    settings = Settings(database_url=url)
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings)
    try:
        sizes = await seed(db)
        async with db.write_sessions.begin() as session:  # what the worker does
            for day in (BEFORE, AFTER):
                await store_trees(session, day)
        runs = {
            "load_tree (today, baseline)": lambda s: load_tree(s),
            "c8406df resolver(2025-06-30) cold (baseline)": lambda s: baseline_resolve(s, BEFORE),
            "c8406df resolver(2026-01-01) cold (baseline)": lambda s: baseline_resolve(s, AFTER),
            "resolve_hierarchy(2025-06-30) cold": lambda s: resolve_hierarchy(s, BEFORE),
            "resolve_hierarchy(2026-01-01) cold": lambda s: resolve_hierarchy(s, AFTER),
            "hierarchy_as_of(2025-06-30) cold, stored": lambda s: cold_stored(s, BEFORE),
            "hierarchy_as_of(2025-06-30) kept": lambda s: hierarchy_as_of(s, BEFORE),
            "hierarchy_as_of(2025-03-15) kept, other day": lambda s: hierarchy_as_of(s, OTHER),
            "hierarchy_as_of(2026-01-01) cold, stored": lambda s: cold_stored(s, AFTER),
            "hierarchy_as_of(2026-01-01) kept": lambda s: hierarchy_as_of(s, AFTER),
        }
        times: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        load_before = await asyncio.to_thread(loadavg)
        shape = {}
        for _ in range(n):  # interleaved
            for name, run in runs.items():
                async with db.sessions() as session:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    tree = await run(session)
                    times[name].append((time.perf_counter() - start) * 1000)
                    cpu[name].append((time.process_time() - start_cpu) * 1000)
                shape[name] = {
                    "top": len(tree.children.get(None, [])),
                    "communes": sum(1 for u in tree.by_code.values() if u.level == "commune"),
                }
        load = await asyncio.to_thread(loadavg)
        out = {
            "url": url.split("@")[-1],
            "units": sizes[0],
            "versions": sizes[1],
            "n": n,
            "loadavg": [load_before, load],
            "ms": {k: stats(v) for k, v in times.items()},
            "cpu_ms": {k: stats(v) for k, v in cpu.items()},
            "shape": shape,
        }
        print(json.dumps(out, indent=1, ensure_ascii=False))
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="an empty database")
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.n))
