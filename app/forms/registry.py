"""The catalogue at run time: instruments from files, each tied to its stored version once
registered (the database side lives in app/instruments/registry.py: forms are pure data)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.errors import NotFound
from app.forms.loader import LoadedForm, load_catalogue
from app.forms.schema import Instrument


@dataclass(frozen=True)
class RegisteredForm:
    version_id: int
    instrument: Instrument
    content_hash: str
    version: str  # as registered: the declared version, or "<version>+<hash8>"


class Catalogue:
    """Instruments by code, as loaded at start-up (files are parsed once, not per request)."""

    def __init__(self, loaded: dict[str, LoadedForm]) -> None:
        self._loaded = loaded
        self._registered: dict[str, RegisteredForm] = {}

    @classmethod
    def from_directory(cls, directory: Path) -> Catalogue:
        return cls(load_catalogue(directory))

    def loaded(self) -> Iterator[tuple[str, LoadedForm]]:
        """Every instrument read from its file, by code."""
        yield from self._loaded.items()

    def bind(self, registered: Mapping[str, RegisteredForm]) -> None:
        """Record the stored version of each instrument (see app.instruments.registry)."""
        self._registered.update(registered)

    def get(self, code: str) -> RegisteredForm:
        try:
            return self._registered[code]
        except KeyError:
            raise NotFound(f"unknown instrument {code!r}") from None

    def codes(self) -> list[str]:
        return sorted(self._loaded)
