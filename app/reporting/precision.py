"""Design-based fields of report rows: reliability, withholding and ranks among siblings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.config import Settings
from app.reporting.schemas import DesignInfo, RankOf, Reliability
from app.statistics.design import Design
from app.statistics.inference import DomainEstimates, Estimate
from app.statistics.ranks import competition_ranks


def is_reliable(est: Estimate, settings: Settings) -> bool:
    """At least the minimum n, and SE / index at most the threshold (0 % needs SE 0)."""
    if est.index is None or est.se is None or est.n < settings.reliability_min_n:
        return False
    if est.index == 0:
        return est.se == 0
    return est.se / est.index <= settings.reliability_max_rse


def shown_index(est: Estimate, settings: Settings) -> float | None:
    """The index as reported: null when unreliable and the settings withhold those."""
    if settings.withhold_unreliable and not is_reliable(est, settings):
        return None
    return est.index


def uncertainty(est: Estimate, settings: Settings) -> dict[str, Any]:
    """``index`` and the Uncertainty fields of one estimate (only ``reliable`` if withheld)."""
    reliable = is_reliable(est, settings)
    if shown_index(est, settings) is None:
        return {"index": None, "reliable": reliable}
    return {
        "index": est.index,
        "unweighted_index": est.unweighted,
        "se": est.se,
        "ci95": list(est.ci95) if est.ci95 else None,
        "deff": est.deff,
        "effective_n": est.effective_n,
        "reliable": reliable,
    }


def fields(est: Estimate, settings: Settings, rank_of: RankOf | None) -> dict[str, Any]:
    """``index`` and the Precision fields of one estimate."""
    place = {"rank": rank_of.rank, "rank_of": rank_of.of} if rank_of else {}
    return uncertainty(est, settings) | place


def rankable(est: Estimate, settings: Settings) -> bool:
    """Whether the estimate takes part in ranks (unreliable ones only if settings say so)."""
    return settings.rank_unreliable or is_reliable(est, settings)


def ranks(estimates: Sequence[Estimate], settings: Settings) -> list[RankOf]:
    """Competition ranks (ties share); unreliable ones unranked unless settings say so."""
    keyed = [shown_index(e, settings) if rankable(e, settings) else None for e in estimates]
    ranked = competition_ranks(keyed)
    of = sum(r is not None for r in ranked)
    return [RankOf(rank=r, of=of) for r in ranked]


Measure = Callable[[DomainEstimates], Estimate]


def rank_among(
    own: int, siblings: Sequence[DomainEstimates], measure: Measure, settings: Settings
) -> RankOf | None:
    """The rank of ``siblings[own]`` on one measure (None when there are no siblings)."""
    if not siblings:
        return None
    return ranks([measure(s) for s in siblings], settings)[own]


def design_info(design: Design, settings: Settings) -> DesignInfo:
    return DesignInfo.model_validate(
        design.describe()
        | {
            "reliability": Reliability(
                min_n=settings.reliability_min_n,
                max_rse=settings.reliability_max_rse,
                withheld=settings.withhold_unreliable,
                rank_unreliable=settings.rank_unreliable,
            )
        }
    )
