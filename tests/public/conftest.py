"""Public results: a small province whose figures are frozen, some of them unreliable."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings, get_settings


@pytest.fixture
def settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    # Three responses make an estimate reliable here (the default is 30): a test province
    # then has reliable units beside withheld ones; the portal may frame the widget.
    # Freezing reads the process's settings (get_settings), as a deployment's come from the
    # environment: the environment says so too.
    monkeypatch.setenv("SIPAS_RELIABILITY_MIN_N", "3")
    get_settings.cache_clear()
    yield settings.model_copy(
        update={
            "reliability_min_n": 3,
            "public_frame_ancestors": "https://portal.example.vn",
        }
    )
    monkeypatch.delenv("SIPAS_RELIABILITY_MIN_N")
    get_settings.cache_clear()


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that never signs in: what the public sees."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c
