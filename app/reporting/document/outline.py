"""The report document as blocks, in the administrative Vietnamese of a provincial report.

Figures are the served report's (the API's, for the same revision), shown to one decimal
with a decimal comma (app/reporting/numbers.py); standard errors to two.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.reporting.document.blocks import Block, Heading, Image, PageBreak, Paragraph, Table
from app.reporting.document.chart import bar_chart
from app.reporting.document.content import ReportContent
from app.reporting.numbers import places_text, shown
from app.reporting.schemas import ChildResult, ElementResult, SatisfactionReport

TITLE = (
    "BÁO CÁO KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC "
    "ĐỐI VỚI SỰ PHỤC VỤ CỦA CƠ QUAN HÀNH CHÍNH NHÀ NƯỚC"
)
TARGET_VI = {"met": "Đạt", "not_met": "Không đạt", "not_determinable": "Chưa xác định được"}
WITHHELD = "không công bố (chưa đủ tin cậy)"
# The top unit (the province) has no peers in its own round: no rank, so no change in places.
UNRANKED = (
    "không xếp hạng vì là đơn vị cao nhất của đợt khảo sát (không có đơn vị cùng cấp để so "
    "sánh; thứ hạng giữa các tỉnh do Bộ Nội vụ công bố trong Chỉ số SIPAS)"
)
MAX_CHART_UNITS = 40  # more units: the table's bar column is the chart


def date_vi(value: object) -> str:
    text = str(value)[:10]
    year, month, day = text.split("-")
    return f"{day}/{month}/{year}"


def ci_text(item: object) -> str:
    ci = getattr(item, "ci95", None)
    return f"{shown(ci[0])}–{shown(ci[1])}" if ci else "–"


def signed(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + shown(value)


def revision_text(content: ReportContent) -> str:
    snap = content.report.snapshot
    if snap is None:
        return (
            "Số liệu hiện hành, chưa chốt công bố (không có bản công bố và mã băm): "
            "chỉ dùng để tham khảo nội bộ."
        )
    return (
        f"Số liệu bản công bố số {snap.revision}, chốt ngày {date_vi(snap.frozen_at)}; "
        f"mã băm SHA-256 của bản công bố: {snap.content_hash}"
    )


def cover(content: ReportContent) -> list[Block]:
    r, round_ = content.report, content.round
    return [
        Paragraph(r.unit.name.upper(), bold=True, align="center"),
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align="center"),
        Paragraph("Độc lập – Tự do – Hạnh phúc", italic=True, align="center"),
        Paragraph(" "),
        Heading(TITLE, 0),
        Paragraph(
            f"Đợt khảo sát: {round_.name} (mã {round_.code}), từ ngày {date_vi(round_.starts_on)} "
            f"đến ngày {date_vi(round_.ends_on)}",
            align="center",
        ),
        Paragraph(f"Phạm vi: {r.unit.name} (mã {r.unit.code})", align="center"),
        Paragraph(revision_text(content), italic=True, align="center", size=9),
        Paragraph(f"Lập ngày {date_vi(content.generated_at.date())}", align="center"),
        PageBreak(),
    ]


def headline(r: SatisfactionReport) -> str:
    if r.index is None:
        return (
            f"Chỉ số hài lòng chung của {r.unit.name} không được công bố vì số phiếu hoặc độ "
            f"chính xác chưa đạt ngưỡng tin cậy ({r.respondents} phiếu hợp lệ)."
        )
    text = (
        f"Chỉ số hài lòng chung của {r.unit.name} đạt {shown(r.index)}% "
        f"(khoảng tin cậy 95%: {ci_text(r)}%), tính trên {r.respondents} phiếu hợp lệ"
    )
    if r.band:
        text += f", xếp loại {r.band}"
    if r.target:
        text += f"; so với chỉ tiêu {shown(r.target.value)}%: {TARGET_VI[r.target.status].lower()}"
    if r.rank is not None and r.rank_of:
        text += f"; xếp thứ {r.rank}/{r.rank_of} trong các đơn vị cùng cấp"
    return text + "."


def change_sentence(r: SatisfactionReport) -> str | None:
    p = r.previous
    if p is None or p.index is None or p.delta is None:
        return None
    verb = "tăng" if p.delta > 0 else "giảm" if p.delta < 0 else "không thay đổi"
    amount = f" {shown(abs(p.delta))} điểm phần trăm" if p.delta else ""
    meaning = {True: "có ý nghĩa thống kê", False: "chưa có ý nghĩa thống kê"}
    tail = f" ({meaning[p.significant]})" if p.significant is not None else ""
    places = f"; thứ hạng {places_text(p.rank_change)}" if p.rank_change is not None else ""
    if p.rank_change is None and r.rank is None and r.rank_of is None:
        places = f"; {UNRANKED}"
    return (
        f"So với đợt {r.previous_round} ({shown(p.index)}%), chỉ số {verb}{amount}{tail}{places}."
    )


def movers(children: Sequence[ChildResult]) -> str | None:
    moved = [c for c in children if _gain(c)]
    if not moved:
        return None
    ups = sorted((c for c in moved if _gain(c) > 0), key=_gain, reverse=True)
    downs = sorted((c for c in moved if _gain(c) < 0), key=_gain)

    def names(group: list[ChildResult]) -> str:
        return "; ".join(f"{c.name} ({places_text(_gain(c))})" for c in group[:3])

    parts = []
    if ups:
        parts.append(f"tăng bậc nhiều nhất: {names(ups)}")
    if downs:
        parts.append(f"giảm bậc nhiều nhất: {names(downs)}")
    return "Thay đổi thứ hạng so với đợt trước — " + "; ".join(parts) + "."


def _gain(c: ChildResult) -> int:
    return (c.previous.rank_change or 0) if c.previous else 0


def summary(content: ReportContent) -> list[Block]:
    r = content.report
    blocks: list[Block] = [Heading("I. TÓM TẮT KẾT QUẢ"), Paragraph(headline(r))]
    for sentence in (change_sentence(r), movers(r.children)):
        if sentence:
            blocks.append(Paragraph(sentence))
    rows = [
        ["Chỉ số hài lòng chung (%)", shown(r.index) if r.index is not None else WITHHELD],
        ["Khoảng tin cậy 95% (%)", ci_text(r)],
        ["Sai số chuẩn (điểm %)", shown(r.se, 2)],
        ["Số phiếu hợp lệ", str(r.respondents)],
        ["Xếp loại", r.band or "–"],
        ["Chỉ tiêu (%)", shown(r.target.value) if r.target else "–"],
        ["Đánh giá chỉ tiêu", TARGET_VI[r.target.status] if r.target else "–"],
        [
            f"Đợt trước ({r.previous_round or '–'}) (%)",
            shown(r.previous.index if r.previous else None),
        ],
        ["Thay đổi (điểm %)", signed(r.previous.delta if r.previous else None)],
    ]
    blocks.append(Table(["Chỉ tiêu tổng hợp", "Giá trị"], rows, [3, 2], {1}))
    return blocks


def element_rows(elements: Sequence[ElementResult]) -> list[list[str]]:
    rows = []
    for e in elements:
        rows.append(_figure_row(e.name.upper(), e))
        rows.extend(_figure_row(f"   {c.code}. {c.name}", c) for c in e.criteria)
    return rows


def _figure_row(label: str, item: ElementResult | object) -> list[str]:
    index = getattr(item, "index", None)
    previous = getattr(item, "previous", None)
    return [
        label,
        shown(index) if index is not None else WITHHELD,
        ci_text(item),
        str(getattr(item, "respondents", "")),
        shown(previous.index if previous else None),
        signed(previous.delta if previous else None),
    ]


def elements_section(r: SatisfactionReport) -> list[Block]:
    blocks: list[Block] = [
        Heading("II. KẾT QUẢ THEO YẾU TỐ VÀ TIÊU CHÍ"),
        Paragraph(
            "Bảng dưới đây nêu chỉ số hài lòng (tỷ lệ phần trăm ý kiến hài lòng, có trọng số) "
            "theo từng yếu tố và tiêu chí, kèm khoảng tin cậy 95% và thay đổi so với đợt trước."
        ),
    ]
    if r.elements:
        bars = [(e.name, e.index) for e in r.elements]
        target = r.target.value if r.target else None
        blocks.append(
            Image(bar_chart(bars, target), 170, "Biểu đồ 1. Chỉ số hài lòng theo yếu tố (%)")
        )
    header = ["Yếu tố / tiêu chí", "Chỉ số (%)", "KTC 95%", "Số phiếu", "Đợt trước", "Thay đổi"]
    blocks.append(
        Table(header, element_rows(r.elements), [6, 1.4, 1.8, 1.2, 1.4, 1.4], {1, 2, 3, 4, 5})
    )
    return blocks


def bar_cell(value: float | None) -> str:
    return "" if value is None else "█" * round(max(0.0, min(value, 100.0)) / 10)


def unit_rows(children: Sequence[ChildResult]) -> list[list[str]]:
    ordered = sorted(children, key=lambda c: (c.rank is None, c.rank or 0, c.code))
    return [
        [
            str(c.rank) if c.rank is not None else "–",
            places_text(c.previous.rank_change if c.previous else None) or "–",
            c.name,
            shown(c.index) if c.index is not None else WITHHELD,
            bar_cell(c.index),
            ci_text(c),
            str(c.respondents),
            c.band or "–",
            signed(c.previous.delta if c.previous else None),
        ]
        for c in ordered
    ]


def units_section(r: SatisfactionReport) -> list[Block]:
    if not r.children:
        return []
    blocks: list[Block] = [
        Heading("III. KẾT QUẢ THEO ĐƠN VỊ"),
        Paragraph(
            f"Có {len(r.children)} đơn vị trực thuộc được khảo sát; thứ hạng tính trong các đơn "
            "vị có số liệu đủ tin cậy (đồng hạng khi bằng chỉ số), thay đổi thứ hạng so với "
            "đợt trước tính trong cùng nhóm đơn vị."
        ),
    ]
    if len(r.children) <= MAX_CHART_UNITS:
        bars = [(c.name, c.index) for c in sorted(r.children, key=lambda c: -(c.index or -1))]
        target = r.target.value if r.target else None
        blocks.append(
            Image(bar_chart(bars, target), 170, "Biểu đồ 2. Chỉ số hài lòng theo đơn vị (%)")
        )
    header = ["Hạng", "Thay đổi hạng", "Đơn vị", "Chỉ số (%)", "", "KTC 95%", "Số phiếu"]
    header += ["Xếp loại", "Thay đổi (điểm)"]
    widths = [1.1, 1.6, 3.9, 1.4, 1.6, 1.8, 1.1, 1.2, 1.3]
    blocks.append(Table(header, unit_rows(r.children), widths, {0, 3, 5, 6, 8}))
    return blocks
