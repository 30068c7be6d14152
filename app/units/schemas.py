from __future__ import annotations

from pydantic import BaseModel


class UnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
