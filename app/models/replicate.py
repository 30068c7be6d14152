"""A round's stored replicate weights (#14): built by the background worker when a replicate
design or a weight set is activated (app.statistics.replicate_store), read by reports.

One ``replicate_set`` row per round (the set its reports use) and its per-response arrays in
``replicate_chunk`` rows: ``rows = 'psu'`` (weights taken as fixed: every response of a PSU
shares its factors; a row per PSU, named by its first response's id) or ``'response'`` (a
calibrated round: each replicate calibrated again, factor = the replicate's calibrated weight /
the final weight). ``encoding``: ``f8`` (float64 factors, rows × R, row-major) or ``u1`` (the
bootstrap's times drawn, uint8: factor = times · n_h/(n_h − 1), n_h the row's stratum's PSUs).
Replicate r's weight of response i is factor × the response's final weight.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp


class ReplicateSet(Base):
    """What a round's stored replicate factors were built for, and when."""

    __tablename__ = "replicate_set"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # jk1 | jkn | bootstrap
    # the design, active weight set and tally state it was built for (the worker's check)
    source: Mapped[str] = mapped_column(String(255))
    # sha256 of the responses, PSUs, strata and weights it covers (the reader's check)
    digest: Mapped[str] = mapped_column(String(64))
    weight_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("weight_set.id", ondelete="CASCADE"), nullable=True
    )
    calibration: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rows: Mapped[str] = mapped_column(String(16))  # psu | response
    encoding: Mapped[str] = mapped_column(String(8))  # f8 | u1
    replicates: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    scale: Mapped[float] = mapped_column(Float)
    rscales: Mapped[bytes] = mapped_column(LargeBinary)  # float64 (R,)
    seed: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(Timestamp)  # when the stored factors were built
    build_ms: Mapped[int] = mapped_column(Integer)
    # per cell: counts, replicate totals and the df's inputs, for the tally state in ``source``
    # (app.statistics.replicate_store.Summary; None: not summarised yet)
    summary: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)


class ReplicateChunk(Base):
    """Up to CHUNK responses' replicate factors (module docstring)."""

    __tablename__ = "replicate_chunk"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("replicate_set.round_id", ondelete="CASCADE"), primary_key=True
    )
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    ids: Mapped[bytes] = mapped_column(LargeBinary)  # int64 (n,): response (first of the PSU)
    factors: Mapped[bytes] = mapped_column(LargeBinary)  # (n, R) in the set's encoding
