"""Descriptive summary of a set of weights: range, mean, Kish design effect, effective n."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.weights.calibration import Categories, FloatArray


def weight_stats(weights: FloatArray) -> dict[str, float]:
    """Kish: deff = n·Σw² / (Σw)², effective sample size n / deff = (Σw)² / Σw²."""
    n = int(weights.size)
    if n == 0:
        return {"n": 0}
    total, squares = float(weights.sum()), float(np.dot(weights, weights))
    return {
        "n": n,
        "sum": total,
        "min": float(weights.min()),
        "max": float(weights.max()),
        "mean": total / n,
        "deff": n * squares / total**2,
        "effective_n": total**2 / squares,
    }


def describe(weights: FloatArray, strata: Categories) -> dict[str, Any]:
    """Overall and per-stratum statistics (strata: e.g. the response's unit)."""
    order = np.argsort(strata.codes, kind="stable")
    parts = np.split(weights[order], np.cumsum(strata.counts())[:-1])
    return {
        "overall": weight_stats(weights),
        "strata_by": strata.variable,
        "strata": {
            label: weight_stats(part) for label, part in zip(strata.labels, parts, strict=True)
        },
    }
