"""The console's forms for a round's sample: the plan's parameters and a draw's seed, read into
the sampling API's own request shapes (a message per wrong field, in the page's language)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError

from app.console.forms import Form
from app.i18n import N_
from app.sampling.schemas import DrawIn, PlanIn, PlanOut
from app.sampling.selection import DrawMethod

METHODS = {
    "per-stratum": N_("Cỡ mẫu riêng cho từng đơn vị (công thức áp dụng cho N của mỗi đơn vị)"),
    "allocate": N_("Phân bổ một tổng cỡ mẫu cho các đơn vị"),
}
RULES = {
    "yamane": N_("Công thức n = N/(1 + N·e²) (Yamane)"),
    "cochran": N_("Cochran, hiệu chỉnh tổng thể hữu hạn, độ tin cậy 95%"),
}
ALLOCATIONS = {
    "proportional": N_("Tỷ lệ với N của đơn vị"),
    "equal": N_("Chia đều"),
    "neyman": N_("Neyman (theo độ lệch chuẩn của đợt trước)"),
}
SMALL_RULES = {
    "exclude": N_("Loại khỏi mẫu"),
    "merge": N_("Gộp với các đơn vị nhỏ cùng cấp trên"),
}
SOURCES = {
    "": N_("Tự động: danh sách hồ sơ nếu đã có, nếu không thì lượng giao dịch"),
    "volumes": N_("Lượng giao dịch"),
    "dossiers": N_("Danh sách hồ sơ"),
}
DRAW_METHODS = {
    "srs": N_("Ngẫu nhiên đơn giản"),
    "systematic": N_("Hệ thống (theo khoảng cách đều trong danh sách)"),
}
MSG_MARGIN = N_("Sai số phải lớn hơn 0 và nhỏ hơn 100%.")
MSG_AT_LEAST_ONE = N_("Vui lòng nhập một số từ 1 trở lên.")
MSG_MAX_BELOW_MIN = N_("Mức tối đa không được nhỏ hơn mức tối thiểu.")
MSG_SEED = N_("Hạt giống là số nguyên từ 0 đến 9.223.372.036.854.775.807.")
PLAN_DEFAULTS = {"method": "per-stratum", "rule": "yamane", "margin": "5", "minimum": "0"}
PLAN_DEFAULTS |= {"allocation": "proportional", "threshold": "0", "small": "exclude"}


def plan_values(plan: PlanOut | None) -> dict[str, str]:
    """The form's values: the current plan's parameters, or the defaults."""
    if plan is None:
        return dict(PLAN_DEFAULTS)
    params: dict[str, Any] = plan.params
    shown = {k: "" if v is None else str(v) for k, v in params.items()}
    shown["margin"] = f"{float(params.get('margin') or 0.05) * 100:g}"
    shown["source"] = params.get("source") or ""
    return shown


def _positive(form: Form, name: str) -> int | None:
    value = form.whole(name)
    if value == 0:
        form.fail(name, MSG_AT_LEAST_ONE)
    return value


def read_plan(form: Form) -> PlanIn | None:
    """A sample plan request, or None with the form's errors set."""
    method = form.choice("method", list(METHODS))
    rule = form.choice("rule", list(RULES))
    margin = form.decimal("margin")
    if margin is None or not 0 < margin < 100:
        form.fail("margin", MSG_MARGIN)
    allocation = form.choice("allocation", list(ALLOCATIONS))
    total = _positive(form, "total") if method == "allocate" else None
    minimum, maximum = form.whole("minimum") or 0, _positive(form, "maximum")
    if maximum is not None and minimum > maximum:
        form.fail("maximum", MSG_MAX_BELOW_MIN)
    threshold = form.whole("threshold") or 0
    small = form.choice("small", list(SMALL_RULES))
    source = form.choice("source", list(SOURCES))
    if not form.ok or margin is None:
        return None
    fields = {"method": method, "rule": rule, "margin": margin / 100, "total": total}
    fields |= {"allocation": allocation, "minimum": minimum, "maximum": maximum}
    fields |= {"threshold": threshold, "small": small, "source": source or None}
    return PlanIn.model_validate(fields)


@dataclass(frozen=True)
class DrawChoice:
    seed: int | None
    method: DrawMethod


def read_draw(form: Form) -> DrawChoice | None:
    """A draw's seed (None: a random one, recorded) and method, or None with errors set."""
    method = form.choice("method", list(DRAW_METHODS))
    seed = form.whole("seed")
    if seed is not None:
        try:
            seed = DrawIn(seed=seed).seed
        except ValidationError:
            form.fail("seed", MSG_SEED)
    return DrawChoice(seed, cast(DrawMethod, method)) if form.ok else None
