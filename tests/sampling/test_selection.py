"""Selection within a stratum: exact size, distinct, reproducible, and equal probabilities."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sampling.selection import select_positions, srs, systematic

CODES = [f"HS-{i:05d}" for i in range(40)]


@given(st.integers(0, 40), st.integers(0, 2**63 - 1), st.sampled_from(["srs", "systematic"]))
def test_exact_size_distinct_positions(size: int, seed: int, method: str):
    positions = select_positions(method, CODES, size, seed, "C11")  # type: ignore[arg-type]
    assert len(positions) == len(set(positions)) == size
    assert positions == sorted(positions)
    assert all(0 <= p < len(CODES) for p in positions)
    assert positions == select_positions(method, CODES, size, seed, "C11")  # type: ignore[arg-type]


def test_srs_is_the_smallest_hashes_as_documented():
    """Anyone can repeat a draw from the seed with nothing but SHA-256."""
    keyed = sorted(CODES, key=lambda c: hashlib.sha256(f"7:C11:{c}".encode()).digest())
    assert [CODES[p] for p in srs(CODES, 5, 7, "C11")] == sorted(keyed[:5])


def test_systematic_takes_every_kth_from_a_random_start():
    start = int.from_bytes(hashlib.sha256(b"7:C11").digest()[:8], "big") / 2**64
    k = 40 / 8
    assert systematic(40, 8, 7, "C11") == [int(start * k + i * k) for i in range(8)]


def test_seeds_and_strata_give_different_samples():
    assert srs(CODES, 10, 1, "C11") != srs(CODES, 10, 2, "C11")
    assert srs(CODES, 10, 1, "C11") != srs(CODES, 10, 1, "C12")


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_every_dossier_has_probability_n_over_n(method: str):
    """Over 4,000 seeds each of 40 dossiers is drawn about 4,000 · 10/40 = 1,000 times."""
    counts: Counter[int] = Counter()
    for seed in range(4000):
        counts.update(select_positions(method, CODES, 10, seed, "C11"))  # type: ignore[arg-type]
    # binomial(4000, 0.25): sd 27.4; 5 sd either side
    assert all(abs(counts[i] - 1000) < 137 for i in range(40)), counts


def test_impossible_sizes_are_refused():
    with pytest.raises(ValueError, match="cannot select 41 of 40"):
        select_positions("srs", CODES, 41, 1, "C11")
