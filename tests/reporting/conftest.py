"""Fixtures shared by the reporting tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.conftest import _truncate
from tests.reporting.test_jobs import _with_held_worker


@pytest.fixture
async def held(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app as served, its worker running but idle: the test runs the work itself."""
    application = _with_held_worker(settings)
    await _truncate(application.state.db)
    async with application.router.lifespan_context(application):
        yield application
