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
