"""A sample plan's arithmetic: a size per stratum from a rule, or a total allocated. Pure.

Two methods:

- ``per-stratum``: each stratum gets the rule's size for its own N_h (the official rule
  applied unit by unit, as provinces do when each unit must be reported on its own), then
  the minimum and maximum per stratum, never above N_h.
- ``allocate``: a total (given, or the rule applied to the whole frame N = Σ N_h) is shared
  across strata proportionally, equally or by Neyman, within the same bounds, summing exactly.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.sampling.allocation import Allocation, allocate, allocation_weights
from app.sampling.sizes import Rule, bounded, sample_size
from app.sampling.strata import Stratum

Method = Literal["per-stratum", "allocate"]


@dataclass(frozen=True)
class PlanSpec:
    method: Method = "per-stratum"
    rule: Rule = "yamane"
    margin: float = 0.05
    proportion: float = 0.5
    total: int | None = None
    allocation: Allocation = "proportional"
    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True)
class Spread:
    """S_h of a stratum and where it came from (e.g. "R2025, 212 responses")."""

    value: float
    source: str


@dataclass(frozen=True)
class Sized:
    stratum: Stratum
    size: int
    spread: float | None = None
    note: str = ""


@dataclass
class Sizing:
    strata: list[Sized]
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.size for s in self.strata)


def size_strata(
    spec: PlanSpec, strata: Sequence[Stratum], spreads: Mapping[str, Spread] | None = None
) -> Sizing:
    """Sizes for ``strata``; ``spreads`` (S_h by stratum key) feed a Neyman allocation."""
    if spec.method == "per-stratum":
        return Sizing(
            [
                Sized(s, bounded(_rule(spec, s.population), s.population, *_bounds(spec)))
                for s in strata
            ]
        )
    return _allocated(spec, strata, dict(spreads or {}))


def _rule(spec: PlanSpec, population: int) -> int:
    return sample_size(population, spec.rule, spec.margin, spec.proportion)


def _bounds(spec: PlanSpec) -> tuple[int, int | None]:
    return spec.minimum, spec.maximum


def _allocated(spec: PlanSpec, strata: Sequence[Stratum], spreads: dict[str, Spread]) -> Sizing:
    notes: list[str] = []
    populations = [s.population for s in strata]
    total = spec.total if spec.total is not None else _rule(spec, sum(populations))
    if spec.total is None:
        notes.append(
            f"total {total}: the {spec.rule} rule for the whole frame N = {sum(populations)}"
        )
    allocation: Allocation = spec.allocation
    used: list[float | None] = [None] * len(strata)
    if allocation == "neyman":
        allocation, used = _neyman_spreads(strata, spreads, notes)
    lower = [min(spec.minimum, n) for n in populations]
    upper = [n if spec.maximum is None else min(spec.maximum, n) for n in populations]
    weights = allocation_weights(allocation, populations, [s or 0.0 for s in used])
    sizes = allocate(total, weights, lower, upper)
    return Sizing(
        [
            Sized(
                s, n, spread, _spread_note(s.key, spread, spreads) if allocation == "neyman" else ""
            )
            for s, n, spread in zip(strata, sizes, used, strict=True)
        ],
        notes,
    )


def _neyman_spreads(
    strata: Sequence[Stratum], spreads: dict[str, Spread], notes: list[str]
) -> tuple[Allocation, list[float | None]]:
    """S_h per stratum: from the previous round where known, else the mean of the known ones.
    With none known (or all zero) the allocation falls back to proportional, with the reason."""
    known = [spreads[s.key].value for s in strata if s.key in spreads]
    if not known or not any(known):
        notes.append(
            "Neyman allocation needs S_h from a previous round's responses; "
            + ("none of the strata has one" if not known else "all known S_h are 0")
            + ", so the allocation is proportional"
        )
        return "proportional", [None] * len(strata)
    mean = statistics.fmean(known)
    missing = [s.key for s in strata if s.key not in spreads]
    if missing:
        notes.append(f"no previous round for {', '.join(missing)}: S_h set to the mean {mean:.4f}")
    return "neyman", [spreads[s.key].value if s.key in spreads else mean for s in strata]


def _spread_note(key: str, spread: float | None, spreads: Mapping[str, Spread]) -> str:
    if spread is None:
        return ""
    return f"S_h from {spreads[key].source}" if key in spreads else "S_h imputed (mean of others)"
