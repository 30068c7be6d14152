"""Ranks among siblings: 1 = best, equal indices share a rank."""

from __future__ import annotations

from collections.abc import Sequence

# Indices equal to this many decimals share a rank (sums in another order differ at 1e-15).
RANK_DECIMALS = 9


def competition_ranks(indices: Sequence[float | None]) -> list[int | None]:
    """1 = best; equal indices share a rank and the next rank skips (1, 2, 2, 4)."""
    keyed = [round(v, RANK_DECIMALS) if v is not None else None for v in indices]
    present = sorted((v for v in keyed if v is not None), reverse=True)
    first_position: dict[float, int] = {}
    for position, value in enumerate(present, start=1):
        first_position.setdefault(value, position)
    return [first_position[v] if v is not None else None for v in keyed]
