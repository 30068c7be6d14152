"""Where an instrument's method comes from, and what its figures may be called.

A province's figure is comparable with the Ministry's only when it is measured the same way, so
every instrument file declares its ``method``: ``official`` (reproduces a published method word
for word: items, grouping, scale, index rule), ``adapted`` (built on a published method, with
its differences listed) or ``internal`` (a feedback form of the province's own, e.g. the
one-stop counter and kiosk forms: never labelled SIPAS). Reports carry the resulting
``FigureKind`` so that a reader sees which kind of figure they hold.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.i18n import N_, Message, translate

MethodStatus = Literal["official", "adapted", "internal"]
Family = Literal["sipas", "health", "education", "one_stop_evaluation"]

FAMILY_NAMES = {
    "sipas": N_("chỉ số SIPAS (Bộ Nội vụ)"),
    "health": N_("khảo sát hài lòng người bệnh (Bộ Y tế)"),
    "education": N_("khảo sát hài lòng về giáo dục (Bộ Giáo dục và Đào tạo)"),
    "one_stop_evaluation": N_("đánh giá giải quyết thủ tục hành chính (TT 01/2018/TT-VPCP)"),
}
STATUS_LABELS = {
    "official": N_("Theo đúng phương pháp chính thức: %(family)s."),
    "adapted": N_(
        "Điều chỉnh từ phương pháp %(family)s; không so sánh trực tiếp với số liệu chính thức."
    ),
    "internal": N_("Số liệu phản hồi nội bộ (tại quầy, kiosk); không phải chỉ số SIPAS."),
}


class MethodSource(BaseModel):
    """The legal or published text an instrument follows: document, article, annex."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    document: str = Field(min_length=1, description="e.g. 'QĐ 1001/QĐ-BNV ngày 11/12/2023'")
    article: str | None = None
    annex: str | None = None
    obtained: bool = Field(
        default=False, description="the full text (annex, questionnaire) was read and transcribed"
    )


class Method(BaseModel):
    """The method block of an instrument file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: MethodStatus
    family: Family | None = Field(default=None, description="none for internal forms")
    source: MethodSource | None = None
    differences: tuple[str, ...] = Field(
        default=(), description="how this instrument departs from its source (adapted)"
    )


class FigureKind(BaseModel):
    """What a round's figure is: an official-method index, an adapted one, or internal feedback."""

    kind: str = Field(
        description="sipas, health, education, one_stop_evaluation, internal, unclassified"
    )
    status: MethodStatus | None = Field(description="null: the instrument declares no method")
    sipas: bool = Field(description="true only for an official-method SIPAS estimate")
    source: str | None = Field(description="Document, article and annex the method follows")
    label: str = Field(description="One sentence for readers (in the report's language)")


def source_text(source: MethodSource | None) -> str | None:
    """'QĐ 1001/QĐ-BNV ngày 11/12/2023, Phụ lục ...' as one line."""
    if source is None:
        return None
    parts = [source.document, source.article, source.annex]
    return ", ".join(p for p in parts if p)


def measure_of(method: Method | None, lang: str = "vi") -> FigureKind:
    """The measure a figure of this method is: never SIPAS unless official and of that family."""
    status = method.status if method else None
    family = method.family if method and status != "internal" else None
    if status is None or (family is None and status != "internal"):
        text: object = N_("Phiếu chưa khai báo phương pháp; không phải chỉ số SIPAS.")
    elif status == "internal":
        text = STATUS_LABELS["internal"]
    else:
        name = translate(lang, FAMILY_NAMES[family or "sipas"])
        text = Message(STATUS_LABELS[status], family=name)
    return FigureKind(
        kind=family or ("internal" if status == "internal" else "unclassified"),
        status=status,
        sipas=status == "official" and family == "sipas",
        source=source_text(method.source) if method else None,
        label=translate(lang, text),
    )
