"""Time the province satisfaction report over HTTP (sequential requests, after a warm-up),
then the same report's pieces in-process, to show where the time goes.

    python bench/time_report.py --base http://127.0.0.1:18091 --n 50 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time

import httpx

PATH = "/api/v1/rounds/DEMO-2026/satisfaction"


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "min": round(min(ms), 1),
        "median": round(statistics.median(ms), 1),
        "p95": round(pct(ms, 95), 1),
        "max": round(max(ms), 1),
    }


def over_http(
    base: str, unit: str, n: int, warmup: int, key: str | None
) -> tuple[dict[str, float], dict]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        for _ in range(warmup):
            client.get(PATH, params={"unit": unit}).raise_for_status()
        ms, body = [], {}
        for _ in range(n):
            start = time.perf_counter()
            r = client.get(PATH, params={"unit": unit})
            ms.append((time.perf_counter() - start) * 1000)
            r.raise_for_status()
            body = r.json()
    return summary(ms), body


async def in_process(n: int, unit: str) -> dict[str, object]:
    """satisfaction_report() called in-process against the same database (SIPAS_* env), with
    every SQL statement timed (driver round trip included), then EXPLAIN ANALYZE of the
    slowest one: how much of the report is SQL, and which SQL."""
    from sqlalchemy import event

    from app.config import get_settings
    from app.db import Database
    from app.forms.registry import Catalogue
    from app.instruments.registry import register_forms
    from app.reporting.service import satisfaction_report

    settings = get_settings()
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    per_statement: dict[str, list[float]] = {}
    params_of: dict[str, object] = {}

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info.setdefault("t0", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        took = (time.perf_counter() - conn.info["t0"].pop()) * 1000
        per_statement.setdefault(statement, []).append(took)
        params_of[statement] = parameters

    totals: list[float] = []
    sql_totals: list[float] = []
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
        event.listen(db.engine.sync_engine, "before_cursor_execute", before)
        event.listen(db.engine.sync_engine, "after_cursor_execute", after)
        for i in range(n + 3):  # the first 3 are a warm-up
            if i == 3:
                per_statement.clear()
            before_sql = sum(sum(v) for v in per_statement.values())
            async with db.sessions() as session:
                t0 = time.perf_counter()
                await satisfaction_report(session, catalogue, "DEMO-2026", unit)
                took = (time.perf_counter() - t0) * 1000
            if i >= 3:
                totals.append(took)
                sql_totals.append(sum(sum(v) for v in per_statement.values()) - before_sql)
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)
        event.remove(db.engine.sync_engine, "after_cursor_execute", after)
        slowest = max(per_statement, key=lambda k: statistics.median(per_statement[k]))
        async with db.engine.connect() as conn:
            plan = await conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + slowest,
                params_of[slowest],  # type: ignore[arg-type]
            )
            plan_text = [row[0] for row in plan]
    finally:
        await db.dispose()
    statements = sorted(
        (
            {
                "median_ms": round(statistics.median(v), 2),
                "calls_per_report": len(v) // n,
                "sql": " ".join(k.split())[:160],
            }
            for k, v in per_statement.items()
        ),
        key=lambda d: -d["median_ms"],  # type: ignore[operator]
    )
    return {
        "satisfaction_report_ms": summary(totals),
        "sql_ms_per_report": summary(sql_totals),
        "statements": statements,
        "slowest_statement_plan": plan_text,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--unit", default="SH")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", required=True)
    parser.add_argument("--breakdown-n", type=int, default=10)
    parser.add_argument("--api-key", default=None, help="Bearer key, when the API needs one")
    args = parser.parse_args()

    http, body = over_http(args.base, args.unit, args.n, args.warmup, args.api_key)
    result = {
        "http": http,
        "respondents": body.get("respondents"),
        "weighted_respondents": body.get("weighted_respondents"),
        "index": body.get("index"),
        "children": [(c["code"], c["respondents"]) for c in body.get("children", [])],
    }
    if args.breakdown_n:
        result["in_process"] = asyncio.run(in_process(args.breakdown_n, args.unit))
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
