"""The catalogue at run time: instruments from files, each tied to its stored FormVersion row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import insert_ignore
from app.errors import NotFound
from app.forms.loader import LoadedForm, load_catalogue
from app.forms.schema import Instrument
from app.models import FormVersion


@dataclass(frozen=True)
class RegisteredForm:
    version_id: int
    instrument: Instrument
    content_hash: str


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
            values = {
                "code": code,
                "version": loaded.instrument.version,
                "content_hash": loaded.content_hash,
                "definition": loaded.instrument.model_dump(mode="json"),
            }
            await session.execute(insert_ignore(session, FormVersion, values))
            version_id = await session.scalar(
                select(FormVersion.id).where(
                    FormVersion.code == code, FormVersion.content_hash == loaded.content_hash
                )
            )
            assert version_id is not None
            self._registered[code] = RegisteredForm(
                version_id, loaded.instrument, loaded.content_hash
            )

    def get(self, code: str) -> RegisteredForm:
        try:
            return self._registered[code]
        except KeyError:
            raise NotFound(f"unknown instrument {code!r}") from None

    def codes(self) -> list[str]:
        return sorted(self._loaded)
