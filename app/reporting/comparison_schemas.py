"""JSON shapes (v1) of comparisons: score band, target, change from the previous round, and
the frozen revision a report comes from. Every field is optional in the report: null when
the round has no bands, the unit no target, the instrument no earlier round."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.reporting.numbers import Figure

ShareVariance = Literal["shares_fixed", "not_estimable"]
SHARE_VARIANCE_DOC = (
    "Where the figure allocates by shares, what its se holds: 'shares_fixed' — the design "
    "variance the allocation implies, each response's weight multiplied by its share, the "
    "shares taken as known constants (the shares' own uncertainty, an estimate in the "
    "crosswalk, is not in it and cannot be estimated from the data held here: the se is a "
    "lower bound); 'not_estimable' — no se can be given (se null: a calibrated design, or "
    "cells the shares cut through)."
)


def share_variance(boundary: str | None, se: object) -> ShareVariance | None:
    """What an allocated figure's se holds (``SHARE_VARIANCE_DOC``)."""
    if boundary != "shares":
        return None
    return "shares_fixed" if se is not None else "not_estimable"


class PreviousResult(BaseModel):
    index: Figure | None = Field(description="The figure in the previous round (same lineage)")
    rank: int | None = Field(
        description="Its rank in the previous round's own ranking (the units that existed "
        "then, under the same parent then); null: unranked then, or not one of those units "
        "with the same boundary (rank_note says why)"
    )
    rank_of: int | None = Field(
        None,
        description="N of that ranking: the units ranked in the previous round, in its own "
        "hierarchy (not today's count); null: no previous ranking",
    )
    delta: Figure | None = Field(description="Change in points, this round minus previous")
    significant: bool | None = Field(
        description="|delta| > z(0.975)·delta_se (1.95996…, independent samples); null when "
        "a standard error is unknown"
    )
    se: Figure | None = Field(
        None, description="Standard error of the previous index (its own round's design)"
    )
    delta_se: Figure | None = Field(
        None, description="Standard error of delta, √(se² + se_prev²); null: an SE is unknown"
    )
    boundary: Literal["same", "pooled", "changed", "shares"] | None = Field(
        None,
        description="The unit's boundary then and now (reorganisations between the rounds): "
        "same; pooled (units merged into it: their responses pooled); changed (units moved in "
        "or out, dissolved: the figure covers the units it holds now); shares (a split or "
        "partial transfer by shares moved part of a unit to or from it: the figure weights "
        "each source's responses by the share the unit took, docs/reform.md); null: not "
        "determined",
    )
    se_note: str | None = Field(
        None,
        description="Why se is null although index is not: 'allocation' (a share allocation "
        "whose variance cannot be estimated here: a calibrated design, or cells the shares "
        "cut through)",
    )
    share_variance: ShareVariance | None = Field(
        None, description=SHARE_VARIANCE_DOC + " Null: boundary is not 'shares'."
    )
    rank_comparable: bool | None = Field(
        None,
        description="Whether a change of rank means anything: true when the unit and every "
        "peer kept its boundary; null: no rank",
    )
    rank_note: str | None = Field(None, description="Why the rank change is not comparable")
    rank_change: int | None = Field(
        None,
        description="Places gained since the previous round among the same peers: previous "
        "rank minus rank (7: 'tăng 7 bậc', -2: 'giảm 2 bậc'); null: unranked then or now",
    )


def with_places(previous: PreviousResult | None, rank: int | None) -> PreviousResult | None:
    """``previous`` with its rank change filled in (when both ranks are known and the two
    rankings compare: a reorganisation between the rounds that changed a peer's boundary
    leaves it null, with ``rank_note`` saying why)."""
    if previous is None or previous.rank is None or rank is None:
        return previous
    if previous.rank_comparable is False:
        return previous.model_copy(update={"rank_change": None})
    change = previous.rank - rank
    if previous.rank_change == change:
        return previous
    return previous.model_copy(update={"rank_change": change})


class TargetResult(BaseModel):
    value: Figure = Field(description="The target for the overall index, percent")
    status: Literal["met", "not_met", "not_determinable"]
    basis: Literal["ci95", "point_estimate", "no_data"] = Field(
        description="ci95: judged on the 95% interval (straddling: not determinable); "
        "point_estimate: no interval was available, the index itself was compared"
    )


class BandOut(BaseModel):
    label: str
    min: Figure | None = Field(description="Reached at this index or more; null: the lowest band")


class SnapshotRef(BaseModel):
    revision: int = Field(description="Revision of the round's published figures, 1, 2, ...")
    provisional: bool = Field(
        False, description="Frozen while the round was open: provisional figures (tạm tính)"
    )
    content_hash: str = Field(description="SHA-256 of the revision's canonical JSON")
    frozen_at: datetime
