"""Why weights could not be computed: typed errors, 422 in the API, a message on the CLI."""

from __future__ import annotations

from app.errors import Unprocessable
from app.i18n import N_


class WeightingError(Unprocessable):
    """The inputs cannot produce weights (unknown variable, invalid bounds, ...)."""

    code = "weighting_failed"
    title = N_("Không tính được trọng số")


class InconsistentMargins(WeightingError):
    """Raking margins whose totals differ: no set of weights can meet them all."""

    code = "margins_inconsistent"


class EmptyCell(WeightingError):
    """A category or cell with a population total but no respondents to carry it."""

    code = "empty_cell"


class MissingTotal(WeightingError):
    """Respondents in a category or cell that has no population total."""

    code = "missing_total"


class NotConverged(WeightingError):
    """Raking did not meet the margins within the tolerance and iteration cap."""

    code = "not_converged"


class InfeasibleBounds(WeightingError):
    """Trimming bounds under which some category can never reach its total."""

    code = "bounds_infeasible"
