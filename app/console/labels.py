"""Words for the codes the data stores — unit levels, response channels, aggregation rules,
weighting strata — so that pages never show ``counter`` or ``mean_of_criteria``.

Each filter gives the marked Vietnamese text (then ``| tr`` for the page's language), or the
code itself when it is not a known one (a level a province made up is shown as it is):
``{{ unit.level | level | tr }}``, ``{{ r.channel | channel | tr }}``, ``{{ rule | rule | tr }}``,
``{{ variable | strata | tr }}``. Installed with the console's other template helpers.
"""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from app.i18n import N_
from app.imports.responses import CHANNELS as CHANNEL_CODES

LEVELS: dict[str, str] = {
    "province": N_("Tỉnh"),
    "department": N_("Sở, ban, ngành"),
    "district": N_("Huyện"),
    "commune": N_("Xã"),
    "counter": N_("Quầy"),
    "center": N_("Trung tâm"),
}
CHANNELS: dict[str, str] = {
    "qr": N_("Mã QR tại quầy"),
    "kiosk": N_("Máy tính bảng tại quầy"),
    "token": N_("Đường dẫn mời riêng"),
    "interviewer": N_("Điều tra viên"),
    "paper": N_("Phiếu giấy"),
}
assert set(CHANNELS) == set(CHANNEL_CODES), "every channel a response can carry has a label"
RULES: dict[str, str] = {
    "mean_of_criteria": N_("Trung bình của các tiêu chí"),
    "mean_of_elements": N_("Trung bình của các yếu tố"),
    "weighted_elements": N_("Trung bình có trọng số của các yếu tố"),
    "pooled": N_("Gộp: tổng số ý kiến hài lòng / tổng số ý kiến trả lời"),
    "points_with_classes": N_("Tổng điểm và xếp loại"),
}

STRATA: dict[str, str] = {"unit": N_("đơn vị"), "stratum": N_("tầng (cột stratum)")}


def level_label(code: str) -> str:
    return LEVELS.get(code, code)


def channel_label(code: str) -> str:
    return CHANNELS.get(code, code)


def rule_label(code: str) -> str:
    return RULES.get(code, code)


def strata_label(variable: str) -> str:
    """What a weight summary is broken down by: ``unit`` or ``stratum``; a question's code is
    shown as it is (``unit@LEVEL`` is worded by the template with the level's label)."""
    return STRATA.get(variable, variable)


def install(templates: Jinja2Templates) -> None:
    templates.env.filters.update(
        level=level_label, channel=channel_label, rule=rule_label, strata=strata_label
    )
    templates.env.globals["channel_labels"] = CHANNELS  # e.g. a filter's choices
