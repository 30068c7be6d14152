"""A problem found in an instrument file, with where it is (a path into the file's data)."""

from __future__ import annotations

from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.loc) or "(top)"
        return f"{where}: {self.message}"
