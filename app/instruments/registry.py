"""Instrument versions in the database: each loaded file stored once, content-addressed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import insert_ignore
from app.forms.loader import LoadedForm
from app.forms.registry import Catalogue, RegisteredForm
from app.models import FormVersion, Response


async def register_forms(session: AsyncSession, catalogue: Catalogue) -> None:
    """Store every loaded version (idempotent, safe when replicas start together)."""
    catalogue.bind(
        {code: await _register_one(session, code, loaded) for code, loaded in catalogue.loaded()}
    )


async def _version_label(session: AsyncSession, code: str, loaded: LoadedForm) -> str:
    """The declared version, unless responses already answered other content under that label.

    A file edited without bumping ``version`` must not silently rewrite what earlier
    respondents answered: its new content becomes a version of its own, "<version>+<hash8>".
    """
    version = loaded.instrument.version
    answered = await session.scalar(
        select(func.count())
        .select_from(Response)
        .join(FormVersion, FormVersion.id == Response.form_version_id)
        .where(
            FormVersion.code == code,
            FormVersion.version == version,
            FormVersion.content_hash != loaded.content_hash,
        )
    )
    return f"{version}+{loaded.content_hash[:8]}" if answered else version


async def _register_one(session: AsyncSession, code: str, loaded: LoadedForm) -> RegisteredForm:
    stored = select(FormVersion.id, FormVersion.version).where(
        FormVersion.code == code, FormVersion.content_hash == loaded.content_hash
    )
    row = (await session.execute(stored)).first()
    if row is None:
        values = {
            "code": code,
            "version": await _version_label(session, code, loaded),
            "content_hash": loaded.content_hash,
            "definition": loaded.instrument.model_dump(mode="json"),
        }
        await session.execute(insert_ignore(session, FormVersion, values))
        row = (await session.execute(stored)).one()
    return RegisteredForm(row.id, loaded.instrument, loaded.content_hash, row.version)
