from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamp, utcnow

ROUND_STATUSES = ("draft", "open", "closed", "published")
# How a response's weight is obtained: N_h/n_h from the units' volumes, the base weight given
# with each response (imports, list samples), or the round's active raked/calibrated weight set.
WEIGHTINGS = ("volume", "as-given", "raked")
# A share's 95% interval, as R's svyciprop(method=...): logit, Korn–Graubard beta, Wilson score.
CI_METHODS = ("logit", "beta", "wilson")
# Strata with a single PSU, as R's options(survey.lonely.psu=...).
LONELY_PSU = ("adjust", "average", "certainty", "remove", "fail")
VARIANCE_METHODS = ("linearisation", "jk1", "jkn", "bootstrap")


class Round(Base):
    """A survey round: one instrument, one period, a set of covered units."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    form_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The design every report states and its standard errors follow.
    weighting: Mapped[str] = mapped_column(String(16), default="volume")
    # Strata: NULL (weights only), "unit" (the round unit a response was collected at),
    # "column" (the response's own ``stratum``), or a unit level name (the ancestor at that level).
    design_strata: Mapped[str | None] = mapped_column(String(64))
    # Primary sampling units (clusters) within strata: NULL (each response), "column" (the
    # response's ``psu``), or "day" (unit and local date of submission: counter-days).
    design_psu: Mapped[str | None] = mapped_column(String(16))
    # Finite-population correction from the strata's volumes N_h (only with strata = "unit").
    design_fpc: Mapped[bool] = mapped_column(Boolean, default=False)
    # The interval method of shares (CI_METHODS) and the single-PSU strata option (LONELY_PSU).
    design_ci: Mapped[str] = mapped_column(String(16), default="logit", server_default="logit")
    design_lonely_psu: Mapped[str] = mapped_column(
        String(16), default="adjust", server_default="adjust"
    )
    # The variance method (VARIANCE_METHODS) and the bootstrap's number of replicates.
    design_variance: Mapped[str] = mapped_column(
        String(16), default="linearisation", server_default="linearisation"
    )
    design_replicates: Mapped[int] = mapped_column(Integer, default=80, server_default="80")
    # Score bands of this round's reports, best first: [{"label": "A", "min": 90}, ...,
    # {"label": "C", "min": null}]; NULL: no bands.
    bands: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Collection limits and detection rules (app/integrity/policy.py); NULL: the defaults.
    integrity_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Volumes N_h follow the dossier feed (app/dossiers/volumes.py) for units that have fed
    # returned dossiers in the period, unless the round fixes them (True: as given).
    volumes_fixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RoundUnit(Base):
    """A unit covered by a round (a stratum), with its transaction volume N_h for the period."""

    __tablename__ = "round_unit"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    volume: Mapped[int | None] = mapped_column(BigInteger)
