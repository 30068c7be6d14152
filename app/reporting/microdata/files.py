"""Microdata as files: SPSS .sav and Stata .dta (pyreadstat, with variable and value labels),
CSV (UTF-8, ',' and '.') and its codebook (CSV: variable, label, values; the design first)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Literal

import pandas as pd
import pyreadstat

from app.reporting.microdata.table import Microdata

MicroFormat = Literal["sav", "dta", "csv", "codebook"]
MEDIA = {
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "csv": "text/csv; charset=utf-8",
    "codebook": "text/csv; charset=utf-8",
}
SUFFIX = {"sav": "sav", "dta": "dta", "csv": "csv", "codebook": "codebook.csv"}


def _frame(data: Microdata) -> pd.DataFrame:
    frame = pd.DataFrame(data.rows, columns=data.columns)
    for column in data.columns:  # numbers as floats (missing: NaN), text as text ("" if none)
        if frame[column].map(lambda v: isinstance(v, str)).any():
            frame[column] = frame[column].fillna("").astype(str)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _with_pyreadstat(data: Microdata, fmt: Literal["sav", "dta"]) -> bytes:
    frame = _frame(data)
    labels: list[str | None] = [data.labels.get(c, c) for c in data.columns]
    value_labels = {c: {float(k): v for k, v in vl.items()} for c, vl in data.values.items()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"data.{fmt}"
        if fmt == "sav":
            pyreadstat.write_sav(
                frame, str(path), column_labels=labels, variable_value_labels=value_labels
            )
        else:  # Stata 118: UTF-8 labels
            pyreadstat.write_dta(
                frame,
                str(path),
                column_labels=[(label or "")[:80] for label in labels],
                variable_value_labels=value_labels,
                version=15,
            )
        return path.read_bytes()


def _csv(data: Microdata) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(data.columns)
    for row in data.rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode()


def _codebook(data: Microdata) -> bytes:
    buffer = io.StringIO()
    for label, text in data.design:
        buffer.write(f"# {label}: {text}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variable", "label", "values"])
    for column in data.columns:
        values = "; ".join(f"{k} = {v}" for k, v in data.values.get(column, {}).items())
        writer.writerow([column, data.labels.get(column, ""), values])
    return ("\ufeff" + buffer.getvalue()).encode()


def render_microdata(data: Microdata, fmt: MicroFormat) -> bytes:
    if fmt == "csv":
        return _csv(data)
    if fmt == "codebook":
        return _codebook(data)
    return _with_pyreadstat(data, fmt)
