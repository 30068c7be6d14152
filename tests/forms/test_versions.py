"""Editing an answered instrument without bumping its version registers a new version."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.models import FormVersion
from tests.factories import add_response, make_province, ratings

COUNTER = "one-stop-counter.yaml"


async def register(app: FastAPI, directory: Path) -> Catalogue:
    catalogue = Catalogue.from_directory(directory)
    async with app.state.db.write_sessions.begin() as session:
        await register_forms(session, catalogue)
    return catalogue


async def stored_versions(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.db.sessions() as session:
        rows = await session.execute(
            select(FormVersion.version, FormVersion.content_hash)
            .where(FormVersion.code == "one-stop-counter")
            .order_by(FormVersion.id)
        )
        return [(v, h) for v, h in rows]


def edit(directory: Path, old: str, new: str) -> None:
    path = directory / COUNTER
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


async def test_answered_content_is_never_rewritten(app: FastAPI, forms_dir: Path, tmp_path: Path):
    shutil.copy(forms_dir / COUNTER, tmp_path / COUNTER)
    first = (await register(app, tmp_path)).get("one-stop-counter")
    assert first.version == "2026.1"

    # Edited before anyone answered: the declared version label is kept.
    edit(tmp_path, "Độ tuổi", "Tuổi của Ông/Bà")
    unanswered = (await register(app, tmp_path)).get("one-stop-counter")
    assert unanswered.version == "2026.1" and unanswered.version_id != first.version_id

    province = await make_province(app)
    await add_response(app, province, "C11", ratings({}))  # answers the current content

    edit(tmp_path, "Tuổi của Ông/Bà", "Nhóm tuổi")
    edited = (await register(app, tmp_path)).get("one-stop-counter")
    assert edited.version == f"2026.1+{edited.content_hash[:8]}"
    versions = await stored_versions(app)
    assert versions[-1] == (edited.version, edited.content_hash)
    assert (unanswered.version, unanswered.content_hash) in versions  # history kept as it was

    # Registering the same content again (a restart, another replica) changes nothing.
    again = (await register(app, tmp_path)).get("one-stop-counter")
    assert again.version_id == edited.version_id and len(await stored_versions(app)) == 3
