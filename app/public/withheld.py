"""Why a figure is not shown on the public pages: no answers, too few, or too uncertain.

Public pages and open data never show an estimate the revision marks unreliable: the reason
takes its place (the revision's own JSON keeps it, marked ``reliable: false``)."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, Message

NO_DATA = N_("Không có phiếu trả lời")


def withheld_reason(row: dict[str, Any], reliability: dict[str, Any]) -> str | None:
    """None if the row's index may be shown; else why not (a ``Message``, translated later).

    ``row``: a report, element, criterion or child as frozen (``index``, ``reliable``,
    ``respondents``, ``se``); ``reliability``: the report's ``design.reliability``."""
    n = int(row.get("respondents") or 0)
    if n == 0 or (row.get("index") is None and row.get("reliable") is not False):
        return NO_DATA
    if row.get("reliable"):
        return None
    min_n = int(reliability.get("min_n") or 0)
    if n < min_n:
        return Message("Chưa đủ tin cậy: %(n)s phiếu, cần ít nhất %(min_n)s", n=n, min_n=min_n)
    return Message(
        "Chưa đủ tin cậy: sai số tương đối vượt %(rse)s%%",
        rse=round(float(reliability.get("max_rse") or 0) * 100),
    )


def places_gained(previous: dict[str, Any], rank: int | None) -> int | None:
    """Places gained since the previous round ("tăng 7 bậc" = 7): as the revision states it
    (``rank_change``: null where a reorganisation makes the rankings incomparable), or, in
    revisions frozen before it was stated, previous rank minus rank."""
    if "rank_change" in previous:
        change = previous["rank_change"]
        return int(change) if change is not None else None
    if rank is None or previous.get("rank") is None:
        return None
    return int(previous["rank"]) - int(rank)
