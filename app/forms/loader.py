"""Load and validate instrument files; the catalogue is read once at start-up."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.forms.schema import Instrument


class FormFileError(Exception):
    """An instrument file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class LoadedForm:
    instrument: Instrument
    content_hash: str
    path: Path


def content_hash(instrument: Instrument) -> str:
    """SHA-256 of the canonical JSON of the validated definition (formatting-insensitive)."""
    canonical = json.dumps(
        instrument.model_dump(mode="json"),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_file(path: Path) -> LoadedForm:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FormFileError(f"{path}: not valid YAML: {exc}") from exc
    try:
        instrument = Instrument.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise FormFileError(f"{path}: {problems}") from exc
    return LoadedForm(instrument, content_hash(instrument), path)


def load_catalogue(directory: Path) -> dict[str, LoadedForm]:
    """Every instrument in ``directory`` by code; refuses duplicates and invalid files."""
    forms: dict[str, LoadedForm] = {}
    errors: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            loaded = load_file(path)
        except FormFileError as exc:
            errors.append(str(exc))
            continue
        code = loaded.instrument.code
        if code in forms:
            errors.append(f"{path}: instrument code {code!r} also defined in {forms[code].path}")
            continue
        forms[code] = loaded
    if errors:
        raise FormFileError("\n".join(errors))
    return forms
