"""The catalogue at run time: instruments from files, each tied to its stored FormVersion row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import insert_ignore
from app.errors import NotFound
from app.forms.loader import LoadedForm, load_catalogue
from app.forms.schema import Instrument
from app.models import FormVersion, Response


@dataclass(frozen=True)
class RegisteredForm:
    version_id: int
    instrument: Instrument
    content_hash: str
    version: str  # as registered: the declared version, or "<version>+<hash8>" (see register)


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


class Catalogue:
    """Instruments by code, as loaded at start-up (files are parsed once, not per request)."""

    def __init__(self, loaded: dict[str, LoadedForm]) -> None:
        self._loaded = loaded
        self._registered: dict[str, RegisteredForm] = {}

    @classmethod
    def from_directory(cls, directory: Path) -> Catalogue:
        return cls(load_catalogue(directory))

    async def register(self, session: AsyncSession) -> None:
        """Store every loaded version (idempotent, safe when replicas start together)."""
        for code, loaded in self._loaded.items():
            self._registered[code] = await self._register_one(session, code, loaded)

    @staticmethod
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

    def get(self, code: str) -> RegisteredForm:
        try:
            return self._registered[code]
        except KeyError:
            raise NotFound(f"unknown instrument {code!r}") from None

    def codes(self) -> list[str]:
        return sorted(self._loaded)
