"""Baseline apps, run with the same uvicorn settings as sipas (one worker, uvloop, httptools).

    uvicorn --app-dir bench baselines:bare      GET /json: a bare FastAPI JSON endpoint
    uvicorn --app-dir bench baselines:rawpg     POST /s/{code}: parse the same form body
                                                sipas receives, INSERT one 25-column row
                                                with raw asyncpg (pool), answer 303
    uvicorn --app-dir bench baselines:sacore    the same insert with SQLAlchemy async Core
    uvicorn --app-dir bench baselines:saorm     the same insert with the async ORM
                                                (session.add + commit)

BENCH_PG_DSN: postgresql://user@127.0.0.1:5432/db  (the table bench_raw is created at start)
BENCH_POOL: pool size (default 10, as sipas' SIPAS_DB_POOL_SIZE default)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import BigInteger, DateTime, Float, String, Table, Text, insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, mapped_column

DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/sipas_bench")
POOL = int(os.environ.get("BENCH_POOL", "10"))
RATINGS = [
    *(f"ACC{i}" for i in range(1, 4)),
    *(f"PRO{i}" for i in range(1, 5)),
    *(f"OFF{i}" for i in range(1, 4)),
    *(f"RES{i}" for i in range(1, 4)),
    *(f"FBK{i}" for i in range(1, 4)),
]
# 25 columns: id, submitted_at, 7 text columns, 16 ratings.
TEXT_COLS = ["submission_id", "unit_code", "channel", "field", "gender", "age_band", "comment"]
DDL = (
    "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, "
    "submitted_at timestamptz NOT NULL, "
    + ", ".join(f"{c} text" for c in TEXT_COLS)
    + ", "
    + ", ".join(f"{c.lower()} double precision" for c in RATINGS)
    + ")"
)
assert DDL.count(",") + 1 == 25  # 25 columns
COLUMNS = ["submitted_at", *TEXT_COLS, *(c.lower() for c in RATINGS)]
SQL = (
    f"INSERT INTO bench_raw ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})"
)


def _rating(raw: str | None) -> float | None:
    return None if raw in (None, "", "na") else float(raw)


async def _row(request: Request, code: str) -> dict[str, object]:
    form = await request.form()
    row: dict[str, object] = {
        "submitted_at": datetime.now(UTC),
        "submission_id": form.get("sid"),
        "unit_code": code,
        "channel": "qr",
        "field": form.get("field"),
        "gender": form.get("gender"),
        "age_band": form.get("age_band"),
        "comment": form.get("comment"),
    }
    for c in RATINGS:
        row[c.lower()] = _rating(form.get(c))  # type: ignore[arg-type]
    return row


async def _create_table() -> None:
    conn = await asyncpg.connect(DSN)
    try:
        await conn.execute(DDL)
    finally:
        await conn.close()


# (a) bare JSON GET -------------------------------------------------------------------------
bare = FastAPI()


@bare.get("/json")
async def hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


@bare.get("/healthz")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


# (b) raw asyncpg ---------------------------------------------------------------------------
@asynccontextmanager
async def _rawpg_life(app: FastAPI) -> AsyncIterator[None]:
    await _create_table()
    app.state.pool = await asyncpg.create_pool(DSN, min_size=POOL, max_size=POOL)
    yield
    await app.state.pool.close()


rawpg = FastAPI(lifespan=_rawpg_life)


@rawpg.post("/s/{code}")
async def rawpg_submit(request: Request, code: str) -> RedirectResponse:
    row = await _row(request, code)
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(SQL, *(row[c] for c in COLUMNS))
    return RedirectResponse(f"/s/{code}/thanks", status_code=303)


@rawpg.get("/healthz")
async def rawpg_health() -> dict[str, str]:
    return {"status": "ok"}


# (c) SQLAlchemy async Core and (d) async ORM -----------------------------------------------
def _engine():  # type: ignore[no-untyped-def]
    url = DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    return create_async_engine(url, pool_size=POOL, max_overflow=POOL * 2)


class Base(DeclarativeBase):
    pass


_namespace: dict[str, object] = {
    "__tablename__": "bench_raw",
    "id": mapped_column(BigInteger, primary_key=True),
    "submitted_at": mapped_column(DateTime(timezone=True)),
    **{c: mapped_column(Text if c == "comment" else String) for c in TEXT_COLS},
    **{c.lower(): mapped_column(Float) for c in RATINGS},
}
BenchRaw = type("BenchRaw", (Base,), _namespace)
bench_raw: Table = BenchRaw.__table__  # type: ignore[assignment]


@asynccontextmanager
async def _sa_life(app: FastAPI) -> AsyncIterator[None]:
    await _create_table()
    app.state.engine = _engine()
    app.state.sessions = async_sessionmaker(app.state.engine, expire_on_commit=False)
    yield
    await app.state.engine.dispose()


sacore = FastAPI(lifespan=_sa_life)


@sacore.post("/s/{code}")
async def sacore_submit(request: Request, code: str) -> RedirectResponse:
    row = await _row(request, code)
    async with request.app.state.engine.begin() as conn:
        await conn.execute(insert(bench_raw), row)
    return RedirectResponse(f"/s/{code}/thanks", status_code=303)


saorm = FastAPI(lifespan=_sa_life)


@saorm.post("/s/{code}")
async def saorm_submit(request: Request, code: str) -> RedirectResponse:
    row = await _row(request, code)
    async with request.app.state.sessions.begin() as session:
        session.add(BenchRaw(**row))
    return RedirectResponse(f"/s/{code}/thanks", status_code=303)


for _app in (sacore, saorm):
    _app.add_api_route("/healthz", rawpg_health, methods=["GET"])
