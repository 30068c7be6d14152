"""How current served figures are: the shape every report states (its own module so that the
parts of a report, such as the ``moh`` block, can state it too)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FreshnessOut(BaseModel):
    """How current the figures are (docs/statistics.md, "Freshness")."""

    source: str = Field(
        description="tallies (as last folded), live (computed in the request) or snapshot"
    )
    as_of: datetime = Field(description="The figures include every change folded by then")
    pending: bool = Field(False, description="Changes are queued and not yet in the figures")
    stale: bool = Field(
        False, description="A rebuild is due or running: the figures are the previous ones"
    )
