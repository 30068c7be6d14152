"""Dependencies shared by routers, as Annotated aliases.

Plain accessors are ``async def``: a ``def`` dependency runs in the thread pool, which costs
more than the lookup itself on every request (measured in docs/performance.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import Database, unit_of_work
from app.forms.registry import Catalogue
from app.signing import SubmissionSigner


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in unit_of_work(request.app.state.db.sessions):
        yield session


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in unit_of_work(request.app.state.db.write_sessions):
        yield session


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


async def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def _signer(request: Request) -> SubmissionSigner:
    signer: SubmissionSigner = request.app.state.signer
    return signer


# scope="function": the session commits before the response is sent, so a failed commit is
# an error response, never an acknowledgement of something that was not stored.
SessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]
WriteSessionDep = Annotated[AsyncSession, Depends(_write_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
DatabaseDep = Annotated[Database, Depends(_database)]  # own short transactions
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
SignerDep = Annotated[SubmissionSigner, Depends(_signer)]
