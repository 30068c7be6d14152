"""The design's strata as the variance needs them: each cell's stratum number, and per
stratum the factors c_h = (1 − f_h)·n_h/(n_h − 1) and c_h/n_h from its PSU count n_h."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.statistics.cells import split_key
from app.statistics.design import Design
from app.statistics.sufficient import CellKey, RoundStats
from app.units.service import UnitTree


def derived(volume: int | None, responses: float) -> float:
    """N_h / n_h, or 1 when the unit's volume is unknown (as tally.weighted_responses)."""
    return volume / responses if volume is not None and responses else 1.0


def stratum_numbers(
    keys: Sequence[CellKey], design: Design, tree: UnitTree, numbers: dict[object, int]
) -> np.ndarray:
    """Stratum number of every cell; ``numbers`` (label -> number) grows as labels appear, so
    that cells of several calls share their strata's numbers."""
    labels: list[object] = []
    for unit, _given, skey in keys:
        if design.strata is None:
            labels.append(0)
        elif design.strata == "unit":
            labels.append(unit)
        elif design.strata == "column":
            labels.append(split_key(skey)[0])
        else:
            level = [a.id for a in tree.ancestors(unit) if a.level == design.strata]
            labels.append(level[0] if level else ("own", unit))
    return np.array([numbers.setdefault(label, len(numbers)) for label in labels], dtype=int)


def stratum_factors(
    stats: RoundStats,
    design: Design,
    stratum: np.ndarray,
    count: int,
    volumes: Mapping[int, int | None],
    every: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per stratum of ``count``: c_h (multiplies Σ z²) and c_h/n_h (multiplies (Σ z)²; 0 if
    one PSU), with n_h counted over ``stats`` (the whole sample)."""
    psus = np.zeros(count)
    np.add.at(psus, stratum, stats.psus[:, every])
    remaining = np.ones(count)
    if design.fpc:
        for k, (unit, _given, _skey) in enumerate(stats.keys):
            volume = volumes.get(unit)
            if volume:
                remaining[stratum[k]] = max(0.0, 1.0 - psus[stratum[k]] / volume)
    remaining[remaining < 1e-7] = 0.0  # a census stratum: no variance (as R)
    several = psus > 1
    scale = np.where(several, remaining * psus / np.maximum(psus - 1, 1), remaining)
    centre = np.where(several, scale / np.maximum(psus, 1), 0.0)
    return scale, centre
