"""The console's weighting form, read into the weights API's own request (ComputeRequest):
the method, the population totals pasted as CSV tables (read as the CLI reads its files), the
trimming bounds; a message per wrong field, in the page's language."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.console.forms import Form
from app.i18n import N_, Message
from app.weights.schemas import TAKES, ComputeRequest
from app.weights.totals import cells_of, csv_rows, eligible_of, margins_of

METHODS = {
    "base": N_("Trọng số thiết kế (1/π, hoặc N/n của từng đơn vị)"),
    "nonresponse": N_("Điều chỉnh không trả lời trong từng tầng"),
    "poststratify": N_("Hậu phân tầng theo tổng thể của từng ô"),
    "rake": N_("Cân chỉnh theo nhiều biên (raking)"),
}
TRIM_SCALES = {
    "factor": N_("Giới hạn tỷ số trọng số cuối / trọng số ban đầu"),
    "weight": N_("Giới hạn chính trọng số"),
}
TABLES = ("nonresponse", "cells", "margins")  # the form's pasted tables, by request field
MSG_NEEDED = {
    "nonresponse": N_("Phương pháp này cần bảng số đủ điều kiện theo tầng (stratum,count)."),
    "cells": N_("Phương pháp này cần bảng tổng thể theo ô (một cột cho mỗi biến, rồi total)."),
    "margins": N_("Phương pháp này cần bảng biên (variable,category,total)."),
}
MSG_TRIM = N_("Nhập cả giới hạn dưới và giới hạn trên, dưới nhỏ hơn trên.")
MSG_NAME = N_("Tên chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 ký tự).")
DEFAULTS = {"method": "base", "by": "unit", "trim_scale": "factor"}


def _tables(form: Form, method: str) -> dict[str, Any]:
    """The pasted tables the method takes; a needed one left empty is an error."""
    body: dict[str, Any] = {}
    needed = {"nonresponse": "nonresponse", "poststratify": "cells", "rake": "margins"}
    for name in TABLES:
        text = form.get(name)
        if name not in TAKES.get(method, set()) or not text:
            if needed.get(method) == name:
                form.fail(name, MSG_NEEDED[name])
            continue
        rows = csv_rows(text)
        if name == "margins":
            body[name] = margins_of(rows)
        elif name == "cells":
            body[name] = cells_of(rows)
        else:
            body[name] = eligible_of(rows, form.get("by") or "unit")
    return body


def _trim(form: Form, method: str) -> dict[str, Any] | None:
    low, high = form.decimal("trim_low"), form.decimal("trim_high")
    if method != "rake" or (low is None and high is None):
        return None
    if low is None or high is None or not low < high or high == 0:
        form.fail("trim_low", MSG_TRIM)
        return None
    return {"lower": low, "upper": high, "scale": form.choice("trim_scale", list(TRIM_SCALES))}


def _problem(error: Any) -> tuple[str, str]:
    """The form field a validation error belongs to, and its message."""
    loc = [str(part) for part in error.get("loc", ())]
    field = {"trim": "trim_low", "name": "name"}.get(loc[0] if loc else "", "method")
    if loc and loc[0] in TABLES:
        field = loc[0]
        numbers = [part for part in loc[1:] if part.isdigit()]
        if numbers:
            column = next((p for p in reversed(loc) if not p.isdigit() and p != "cell"), "")
            line = int(numbers[0]) + 2  # the header is line 1
            return field, Message(
                "Bảng có giá trị không hợp lệ ở dòng %(line)s, cột %(column)s.",
                line=line,
                column=column,
            )
    return field, Message("Giá trị không hợp lệ (%(detail)s).", detail=error.get("msg", ""))


def read_weighting(form: Form) -> ComputeRequest | None:
    """A weight set request, or None with the form's errors set."""
    method = form.choice("method", list(METHODS))
    name = form.get("name")
    body: dict[str, Any] = {"method": method, "name": name or None, **_tables(form, method)}
    body |= {"trim": _trim(form, method), "activate": form.get("activate") == "1"}
    if not form.ok:
        return None
    try:
        return ComputeRequest.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            form.fail(*_problem(error))
        if "name" in form.errors:
            form.errors["name"] = MSG_NAME
        return None
