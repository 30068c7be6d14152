"""The console's forms for a round's invitations and quotas, read into what
app.sampling.invitations and .quotas take (a message per wrong field, in the page's language)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from app.console.forms import Form
from app.i18n import N_, Message
from app.models import Quota
from app.sampling.invitations import MAX_BATCH
from app.sampling.quotas import QuotaSpec
from app.units.service import UnitNode, UnitTree

STRATUM_MAX = 64
TARGETS = {
    "count": N_("Một số lượng thư mời"),
    "drawn": N_("Mỗi hồ sơ được chọn ở lần rút mẫu gần nhất chưa có thư mời"),
}
FORMATS = ("pdf", "csv")
MODES = {
    "hard": N_("Cứng: đủ số phiếu cần thu thì ngừng nhận phiếu"),
    "soft": N_("Mềm: vẫn nhận, đánh dấu phiếu vượt số phiếu cần thu"),
}
MSG_NONE_PENDING = N_("Đơn vị này không còn hồ sơ được chọn nào chưa có thư mời.")
MSG_STRATUM = N_("Tầng tối đa 64 ký tự.")
MSG_TWICE = N_("Đơn vị và tầng này đã có số phiếu cần thu ở dòng khác.")
ROW = re.compile(r"^unit-(\d{1,4})$")


@dataclass(frozen=True)
class InvitationChoice:
    unit: UnitNode
    stratum: str | None
    count: int | None
    selection_ids: list[int] | None
    format: Literal["pdf", "csv"]


def _stratum(form: Form, name: str) -> str:
    value = form.get(name)
    if len(value) > STRATUM_MAX:
        form.fail(name, MSG_STRATUM)
    return value


def read_invitations(
    form: Form, units: Sequence[UnitNode], pending: dict[int, list[int]]
) -> InvitationChoice | None:
    """Which invitations to issue and in which file; ``pending``: uninvited selections."""
    by_code = {u.code: u for u in units}
    unit = by_code.get(form.choice("unit", list(by_code)))
    stratum = _stratum(form, "stratum")
    target = form.choice("target", list(TARGETS))
    fmt = form.choice("format", list(FORMATS))
    count, selection_ids = None, None
    if target == "count":
        count = form.whole("count")
        if count is None or not 1 <= count <= MAX_BATCH:
            form.fail("count", Message("Vui lòng nhập số thư mời, từ 1 đến %(n)s.", n=MAX_BATCH))
    elif unit is not None and target == "drawn":
        selection_ids = pending.get(unit.id, [])[:MAX_BATCH]
        if not selection_ids:
            form.fail("target", MSG_NONE_PENDING)
    if not form.ok or unit is None:
        return None
    chosen = cast(Literal["pdf", "csv"], fmt)
    return InvitationChoice(unit, stratum or None, count, selection_ids, chosen)


def quota_values(
    units: Sequence[UnitNode], quotas: Sequence[Quota], tree: UnitTree
) -> dict[str, str]:
    """The quota form's fields: a row per covered unit (its whole-unit quota, if any), one per
    stratum quota, and an empty row to add a stratum quota."""
    values: dict[str, str] = {}
    whole = {q.unit_id: q for q in quotas if not q.stratum}
    rows: list[tuple[UnitNode, Quota | None, str]] = [(u, whole.get(u.id), "") for u in units]
    rows += [(tree.by_id[q.unit_id], q, q.stratum) for q in quotas if q.stratum]
    for i, (unit, quota, stratum) in enumerate(rows):
        values |= {f"unit-{i}": unit.code, f"stratum-{i}": stratum, f"fixed-{i}": "1"}
        values[f"mode-{i}"] = quota.mode if quota else "hard"
        if quota is not None:
            values[f"target-{i}"] = str(quota.target)
            values[f"exclude-{i}"] = "1" if quota.exclude_over else ""
    values |= {f"unit-{len(rows)}": "", f"stratum-{len(rows)}": "", f"mode-{len(rows)}": "hard"}
    return values


def quota_rows(values: dict[str, str]) -> list[int]:
    """The row numbers a quota form holds, in order."""
    return sorted(int(m.group(1)) for name in values if (m := ROW.match(name)))


def read_quotas(form: Form, units: Sequence[UnitNode]) -> list[QuotaSpec] | None:
    """The round's complete set of quotas (rows without a target set none), or None."""
    covered = [u.code for u in units]
    specs: dict[tuple[str, str], QuotaSpec] = {}
    for i in quota_rows(form.values()):
        target = form.whole(f"target-{i}")
        if target is None:
            continue
        unit = form.choice(f"unit-{i}", covered)
        stratum = _stratum(form, f"stratum-{i}")
        mode = form.choice(f"mode-{i}", list(MODES))
        exclude = mode == "soft" and form.get(f"exclude-{i}") == "1"
        if (unit, stratum) in specs:
            form.fail(f"stratum-{i}", MSG_TWICE)
        specs[(unit, stratum)] = QuotaSpec(unit, stratum or None, target, mode, exclude)
    return list(specs.values()) if form.ok else None
