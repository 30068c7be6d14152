"""Strata of a plan from a round's units, with the rule for small units. Pure functions.

Each covered unit with transactions is a stratum of its own, keyed by its code. A unit with
no transactions cannot be sampled and is excluded. Units below ``threshold`` (e.g. fewer than
50 dossiers, as Cần Thơ did in 2019) are, by rule:

- ``exclude``: left out of the sample (and listed with the reason), or
- ``merge``: pooled with the other small units under the same parent into ONE stratum keyed
  ``pooled:<parent code>`` (a unit without a parent is pooled under its own code). The pooled
  stratum is sized and drawn as one: its N is the members' sum, its dossiers are drawn together,
  and every member's dossier has the same probability n/N. A pool may itself stay below the
  threshold; it is kept, since pooling is the operator's explicit choice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SmallRule = Literal["exclude", "merge"]
POOLED = "pooled:"


@dataclass(frozen=True)
class FrameUnit:
    """A covered unit and its population N (transactions or listed dossiers; None: unknown)."""

    id: int
    code: str
    population: int | None
    parent_id: int | None = None
    parent_code: str | None = None


@dataclass(frozen=True)
class Stratum:
    key: str
    unit_id: int  # the unit, or the parent of a pool
    members: tuple[str, ...]  # unit codes
    population: int


@dataclass(frozen=True)
class Excluded:
    unit: str
    population: int | None
    reason: str


def form_strata(
    units: Sequence[FrameUnit], threshold: int = 0, small: SmallRule = "exclude"
) -> tuple[list[Stratum], list[Excluded]]:
    """Strata sorted by key, and the units left out with their reason."""
    strata: list[Stratum] = []
    excluded: list[Excluded] = []
    pools: dict[tuple[int, str], list[FrameUnit]] = defaultdict(list)
    for unit in sorted(units, key=lambda u: u.code):
        if not unit.population:
            reason = "no population known" if unit.population is None else "no transactions"
            excluded.append(Excluded(unit.code, unit.population, reason))
        elif unit.population >= threshold:
            strata.append(Stratum(unit.code, unit.id, (unit.code,), unit.population))
        elif small == "exclude":
            reason = f"fewer than {threshold} transactions"
            excluded.append(Excluded(unit.code, unit.population, reason))
        else:
            if unit.parent_id is None:
                pools[(unit.id, unit.code)].append(unit)
            else:
                pools[(unit.parent_id, unit.parent_code or str(unit.parent_id))].append(unit)
    for (parent_id, parent_code), members in pools.items():
        population = sum(m.population or 0 for m in members)
        codes = tuple(m.code for m in members)
        strata.append(Stratum(f"{POOLED}{parent_code}", parent_id, codes, population))
    return sorted(strata, key=lambda s: s.key), excluded
