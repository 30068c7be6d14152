"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI

from app.migrate import head_revision
from app.models import Base


async def test_migrated_schema_matches_the_models(app: FastAPI):
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with app.state.db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
        version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar()
    assert differences == []
    assert version == head_revision()


def test_replicas_migrating_together_do_not_collide(database_url: str):
    """Two `sipas db upgrade` processes started at once on an empty PostgreSQL database (as
    replicas starting together would) both succeed: the second waits for the first's lock."""
    import asyncio
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    import pytest
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.db import async_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers itself")
    name = f"sipas_mig_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        env = {
            **os.environ,
            "SIPAS_DATABASE_URL": url.set(database=name).render_as_string(hide_password=False),
        }
        root = Path(__file__).resolve().parent.parent
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "app", "db", "upgrade"],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [run.communicate(timeout=120) for run in runs]
        for run, (out, err) in zip(runs, results, strict=True):
            assert run.returncode == 0, err
            assert "schema is at head" in out
    finally:
        asyncio.run(admin(f"DROP DATABASE {name} WITH (FORCE)"))
