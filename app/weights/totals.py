"""Population totals a weight set is computed to, read from CSV text (the CLI's files, the
console's pasted tables): raking margins (variable,category,total), post-stratification cells
(a column per variable, then total) and nonresponse eligibility (stratum,count or
stratum,weight). The rows become the fields of a ComputeRequest, which validates them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

Row = dict[str, str]


def csv_rows(text: str) -> list[Row]:
    """Rows by header name; delimited by ``,``, ``;`` or a tab (what a spreadsheet pastes),
    guessed from the header line."""
    text = text.lstrip("\ufeff")
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def margins_of(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{k: row.get(k) for k in ("variable", "category", "total")} for row in rows]


def cells_of(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """One column per variable, then total: e.g. unit@department,gender,total."""
    return [
        {"cell": {k: v for k, v in row.items() if k != "total"}, "total": row.get("total")}
        for row in rows
    ]


def eligible_of(rows: Sequence[Row], by: str) -> dict[str, Any]:
    keys = ("stratum", "count", "weight")
    eligible = [{k: row[k] for k in keys if row.get(k) not in (None, "")} for row in rows]
    return {"by": by, "eligible": eligible}
