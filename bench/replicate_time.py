"""Time replicate-weight variance (app.statistics.replicates) for the all-units table: every
unit's subtree (a province, 20 departments, 379 counters: 400 domains) × 22 criteria, each
criterion, 5 element-like means and the overall with its bootstrap SE, from per-PSU totals of
``--n`` responses (weights only: each response its own PSU), ``--replicates`` Rao–Wu
replicates. Synthetic arrays (no database): what is timed is the replicate arithmetic.

    PYTHONPATH=. python bench/replicate_time.py --n 100000 300000 --replicates 80 --repeat 3

Prints one JSON line per size: min/median/max ms of factors, per-unit totals, domains, and
the domains' df (the rank of their replicate weights, R's degf).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from app.statistics.replicates import (
    domain_thetas,
    group_totals,
    rao_wu,
    replicate_rank,
    variance,
)

C, DEPARTMENTS, COUNTERS = 22, 20, 379


def _tree() -> tuple[np.ndarray, list[list[int]]]:
    """Parent of every counter (a department) and each unit's subtree of counters."""
    parent = np.arange(COUNTERS) % DEPARTMENTS
    subtrees = [list(range(COUNTERS))]  # the province
    subtrees += [list(np.flatnonzero(parent == d)) for d in range(DEPARTMENTS)]
    subtrees += [[c] for c in range(COUNTERS)]
    return parent, subtrees


def run(n: int, replicates: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    counter = np.sort(rng.integers(0, COUNTERS, size=n))  # PSUs stored in unit order
    answered = rng.random((n, C)) > 0.1
    satisfied = answered & (rng.random((n, C)) < 0.7)
    w = rng.uniform(0.5, 3.0, size=n)
    x = np.concatenate([satisfied, answered], axis=1) * w[:, None]
    _parent, subtrees = _tree()
    a = np.vstack([np.eye(C), np.kron(np.eye(5), np.ones(5))[:, :C] / 5, np.full(C, 1 / C)])
    took = {}
    start = time.perf_counter()
    reps = rao_wu(np.zeros(n, dtype=int), replicates, seed=3)
    took["factors_ms"] = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    per_unit = group_totals(reps, x, counter, COUNTERS)
    full = np.zeros((COUNTERS, 2 * C))
    np.add.at(full, counter, x)
    took["unit_totals_ms"] = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    for units in subtrees:
        totals, point = per_unit[units].sum(axis=0), full[units].sum(axis=0)
        available = point[C:] > 0
        domain_thetas(point[None, :], a, available)
        variance(reps, domain_thetas(totals, a, available))
    took["domains_ms"] = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()  # the domain's df: rank of its replicate weights − 1
    stratum = np.zeros(n, dtype=int)
    for units in subtrees:
        member = np.zeros(COUNTERS, dtype=bool)
        member[units] = True
        replicate_rank(reps, stratum, member[counter])
    took["df_ms"] = 1000 * (time.perf_counter() - start)
    took["table_ms"] = took["unit_totals_ms"] + took["domains_ms"] + took["df_ms"]
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--replicates", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.n:
        runs = [run(n, args.replicates) for _ in range(args.repeat)]
        summary: dict[str, object] = {"n": n, "replicates": args.replicates}
        for key in runs[0]:
            values = [r[key] for r in runs]
            summary[key] = [
                round(min(values), 1),
                round(statistics.median(values), 1),
                round(max(values), 1),
            ]
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
