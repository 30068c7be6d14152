"""Load and validate instrument files; the catalogue is read once at start-up.

Files are composed into YAML nodes first so that every problem can name its line.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.forms.checks import Problem, find_problems
from app.forms.fidelity import family_mapping_problems, file_problems
from app.forms.schema import Instrument


@dataclass(frozen=True)
class FileProblem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


class FormFileError(Exception):
    """Instrument files that cannot be used; ``problems`` name file, line and what is wrong."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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


def line_of(node: yaml.Node, loc: Iterable[str | int]) -> int:
    """The 1-based line of the deepest node that ``loc`` reaches (parts not found are skipped)."""
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
        if child is not None:
            node = child
    return int(node.start_mark.line) + 1


def _duplicate_keys(node: yaml.Node) -> Iterable[tuple[int, str]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield key.start_mark.line + 1, f"duplicate key {key.value!r}"
            seen.add(key.value)
            yield from _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


# libyaml's parser where PyYAML was built with it (it keeps the marks that name lines): the
# pure-Python one took most of an app's start-up (17 instruments, ~0.4 s of CPU).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(path: Path, text: str) -> tuple[yaml.Node, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FormFileError([FileProblem(path, 1, "the file is empty")])
        return node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FormFileError([FileProblem(path, line, f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()


def _validation_problems(path: Path, node: yaml.Node, exc: ValidationError) -> list[FileProblem]:
    out = []
    for error in exc.errors():
        loc = error["loc"]
        where = ".".join(str(p) for p in loc) or "(top)"
        out.append(FileProblem(path, line_of(node, loc), f"{where}: {error['msg']}"))
    return out


def load_file(path: Path) -> LoadedForm:
    """Parse and validate one file; raises FormFileError listing every problem found."""
    return _load_text(path, path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=256)
def _load_text(path: Path, text: str) -> LoadedForm:
    """One file's instrument, parsed once per process for the same text (forms are frozen
    data; every app a process creates — the tests create hundreds — shares them)."""
    node, raw = _compose(path, text)
    problems = [FileProblem(path, line, msg) for line, msg in _duplicate_keys(node)]
    try:
        instrument = Instrument.model_validate(raw)
    except ValidationError as exc:
        raise FormFileError(problems + _validation_problems(path, node, exc)) from exc
    found: list[Problem] = find_problems(instrument)  # cross-references, once typed
    found += file_problems(instrument)
    problems += [FileProblem(path, line_of(node, p.loc), str(p)) for p in found]
    if problems:
        raise FormFileError(problems)
    return LoadedForm(instrument, content_hash(instrument), path)


def load_catalogue(directory: Path) -> dict[str, LoadedForm]:
    """Every instrument in ``directory`` by code; refuses duplicates and invalid files."""
    forms: dict[str, LoadedForm] = {}
    problems: list[FileProblem] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            loaded = load_file(path)
        except FormFileError as exc:
            problems.extend(exc.problems)
            continue
        code = loaded.instrument.code
        if code in forms:
            message = f"instrument code {code!r} also defined in {forms[code].path}"
            problems.append(FileProblem(path, 1, message))
            continue
        forms[code] = loaded
    instruments = {code: loaded.instrument for code, loaded in forms.items()}
    for code, message in family_mapping_problems(instruments):
        problems.append(FileProblem(forms[code].path, None, f"previous_codes: {message}"))
    if problems:
        raise FormFileError(problems)
    return forms
