"""Reproducible selection within a stratum. Pure functions, defined without Python's `random`
so that anyone can repeat a draw from its recorded seed (in any language, any version):

- simple random sampling (``srs``): the n dossiers with the smallest
  SHA-256("<seed>:<stratum>:<dossier code>") — a uniformly random subset of size n;
- systematic: dossiers ordered by code, interval k = N/n, random start r = k·U with
  U = first 8 bytes of SHA-256("<seed>:<stratum>") / 2⁶⁴; selected positions ⌊r + i·k⌋,
  i = 0 … n−1 (exact integer arithmetic, so exactly n distinct positions < N).

Either way every dossier of the stratum has inclusion probability π = n/N.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

DrawMethod = Literal["srs", "systematic"]
SCALE = 2**64


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def srs(codes: Sequence[str], size: int, seed: int, stratum: str) -> list[int]:
    """Positions (ascending) of a simple random sample of ``size`` among ``codes``."""
    ranked = sorted(range(len(codes)), key=lambda i: (_digest(seed, stratum, codes[i]), i))
    return sorted(ranked[:size])


def systematic(count: int, size: int, seed: int, stratum: str) -> list[int]:
    """Positions of a systematic sample of ``size`` among ``count`` ordered dossiers."""
    if size <= 0:
        return []
    start = int.from_bytes(_digest(seed, stratum)[:8], "big")  # U·2⁶⁴
    return [(start * count + i * count * SCALE) // (size * SCALE) for i in range(size)]


def select_positions(
    method: DrawMethod, codes: Sequence[str], size: int, seed: int, stratum: str
) -> list[int]:
    """Positions in ``codes`` (sorted by code) selected by ``method``."""
    if not 0 <= size <= len(codes):
        raise ValueError(f"cannot select {size} of {len(codes)} in stratum {stratum}")
    if method == "srs":
        return srs(codes, size, seed, stratum)
    return systematic(len(codes), size, seed, stratum)
