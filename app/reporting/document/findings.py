"""The document's later sections: targets and bands, comments and their handling, the
criteria losing points and the improvement plan, method and limitations; and the whole
outline in order."""

from __future__ import annotations

from datetime import date

from app.improvement.plans import OPEN, STATUS_LABELS
from app.improvement.schemas import Gap
from app.reporting.document.blocks import Block, Heading, Paragraph, Table
from app.reporting.document.content import PlannedAction, ReportContent
from app.reporting.document.outline import (
    TARGET_VI,
    cover,
    date_vi,
    elements_section,
    revision_text,
    summary,
    units_section,
)
from app.reporting.numbers import shown
from app.reporting.schemas import SatisfactionReport


def targets_and_bands(r: SatisfactionReport) -> list[Block]:
    blocks: list[Block] = [Heading("IV. ĐƠN VỊ CHƯA ĐẠT CHỈ TIÊU VÀ PHÂN LOẠI THEO MỨC")]
    judged = [c for c in r.children if c.target is not None]
    below = [c for c in judged if c.target and c.target.status == "not_met"]
    open_ = [c for c in judged if c.target and c.target.status == "not_determinable"]
    if not judged:
        blocks.append(Paragraph("Đợt khảo sát này chưa giao chỉ tiêu cho các đơn vị trực thuộc."))
    elif not below:
        blocks.append(
            Paragraph(
                f"Không có đơn vị nào chưa đạt chỉ tiêu (trên {len(judged)} đơn vị được giao)."
            )
        )
    else:
        blocks.append(
            Paragraph(f"Có {len(below)}/{len(judged)} đơn vị được giao chỉ tiêu chưa đạt:")
        )
        rows = [
            [
                c.name,
                shown(c.index),
                shown(c.target.value if c.target else None),
                TARGET_VI["not_met"],
            ]
            for c in below
        ]
        blocks.append(
            Table(
                ["Đơn vị", "Chỉ số (%)", "Chỉ tiêu (%)", "Đánh giá"],
                rows,
                [5, 1.5, 1.5, 1.8],
                {1, 2},
            )
        )
    if open_:
        names = ", ".join(c.name for c in open_)
        blocks.append(
            Paragraph(
                f"Chưa xác định được việc đạt chỉ tiêu ({len(open_)} đơn vị, khoảng tin cậy 95% "
                f"bao trùm chỉ tiêu): {names}."
            )
        )
    if r.bands:
        counts = []
        for band in r.bands:
            members = [c.name for c in r.children if c.band == band.label]
            floor = f"từ {shown(band.min)}%" if band.min is not None else "mức thấp nhất"
            counts.append([f"{band.label} ({floor})", str(len(members)), ", ".join(members) or "–"])
        unbanded = [c.name for c in r.children if c.band is None]
        if unbanded:
            counts.append([WITHHELD_BAND, str(len(unbanded)), ", ".join(unbanded)])
        blocks.append(Paragraph("Phân loại các đơn vị theo mức xếp loại của đợt khảo sát:"))
        blocks.append(Table(["Mức xếp loại", "Số đơn vị", "Đơn vị"], counts, [2, 1, 7], {1}))
    else:
        blocks.append(Paragraph("Đợt khảo sát này chưa quy định mức xếp loại."))
    return blocks


WITHHELD_BAND = "Chưa xếp loại (không công bố chỉ số)"


def comments_section(content: ReportContent) -> list[Block]:
    h = content.comments.handling
    blocks: list[Block] = [Heading("V. Ý KIẾN GÓP Ý VÀ KẾT QUẢ XỬ LÝ")]
    if h.received == 0:
        blocks.append(Paragraph("Trong đợt khảo sát không tiếp nhận ý kiến góp ý nào."))
        return blocks
    share = f" ({shown(h.share)}%)" if h.share is not None else ""
    blocks.append(
        Paragraph(
            f"Đã tiếp nhận {h.received} ý kiến góp ý, phản ánh của người dân, tổ chức. "
            f"Trong {h.due} ý kiến đã đến hạn xử lý, {h.on_time} ý kiến được xử lý đúng hạn"
            f"{share}, {h.late} ý kiến xử lý trễ hạn và {h.open_overdue} ý kiến quá hạn chưa "
            f"xử lý; {h.pending} ý kiến đang trong thời hạn xử lý."
        )
    )
    if content.comments.themes:
        rows = [[theme, str(n)] for theme, n in content.comments.themes]
        blocks.append(Paragraph("Ý kiến theo chủ đề (câu hỏi mở của phiếu khảo sát):"))
        blocks.append(Table(["Chủ đề", "Số ý kiến"], rows, [7, 1.5], {1}))
    return blocks


GAPS_SHOWN = 5  # the criteria that lose most points
REFERENCE_VI = {
    "target": "chỉ tiêu của đơn vị",
    "best": "đơn vị cùng cấp có kết quả tốt nhất",
    "province": "kết quả chung toàn tỉnh",
}


def _reference(gap: Gap, ranked_by: str) -> float | None:
    if ranked_by == "target":
        return gap.target
    if ranked_by == "best":
        return gap.best.index if gap.best else None
    return gap.province.index


def _status(action: PlannedAction, today: date) -> str:
    text = STATUS_LABELS[action.status]
    if action.status == "done" and action.done_on:
        text += f" ngày {date_vi(action.done_on)}"
        if action.done_on > action.due_on:
            text += " (trễ hạn)"
    elif action.status in OPEN and action.due_on < today:
        text += " – quá hạn"
    return text


def improvement_section(content: ReportContent) -> list[Block]:
    """VI: where the unit loses points (its largest gaps) and its plan's actions."""
    blocks: list[Block] = [Heading("VI. TIÊU CHÍ BỊ MẤT ĐIỂM VÀ KẾ HOẠCH CẢI THIỆN")]
    found = content.improvement
    if found is None:
        return []
    gaps = found.gaps
    if gaps is None:
        blocks.append(
            Paragraph("Bộ câu hỏi chấm điểm theo thang điểm: không phân tích tiêu chí bị mất điểm.")
        )
    else:
        losing = [g for g in gaps.criteria if (getattr(g.gains, gaps.ranked_by) or 0) > 0]
        when = (
            f" Số liệu phân tích tính đến {date_vi(gaps.freshness.as_of)}."
            if gaps.freshness
            else ""
        )
        if not losing:
            blocks.append(
                Paragraph(f"Không có tiêu chí nào thấp hơn {REFERENCE_VI[gaps.ranked_by]}.{when}")
            )
        else:
            blocks.append(
                Paragraph(
                    f"Các tiêu chí làm giảm chỉ số chung nhiều nhất, so với "
                    f"{REFERENCE_VI[gaps.ranked_by]}: số điểm chỉ số chung tăng thêm nếu tiêu chí "
                    f"đạt mức so sánh (tính theo quy tắc tổng hợp của bộ câu hỏi).{when}"
                )
            )
            rows = [
                [
                    f"{g.code} – {g.name}",
                    shown(g.unit.index) if g.unit.index is not None else "–",
                    shown(_reference(g, gaps.ranked_by)),
                    shown(getattr(g.gains, gaps.ranked_by)),
                ]
                for g in losing[:GAPS_SHOWN]
            ]
            header = ["Tiêu chí", "Chỉ số (%)", "Mức so sánh (%)", "Điểm tăng thêm"]
            blocks.append(Table(header, rows, [6, 1.5, 1.5, 1.5], {1, 2, 3}))
    if not found.actions:
        blocks.append(Paragraph("Chưa có kế hoạch cải thiện cho đợt khảo sát này."))
        return blocks
    done = sum(a.status == "done" for a in found.actions)
    late = sum(a.status in OPEN and a.due_on < found.today for a in found.actions)
    blocks.append(
        Paragraph(
            f"Kế hoạch cải thiện có {len(found.actions)} hành động: {done} đã hoàn thành, "
            f"{late} quá hạn chưa hoàn thành."
        )
    )
    rows = [
        [
            a.unit,
            a.title,
            ", ".join(a.criteria) or "–",
            a.responsible,
            date_vi(a.due_on),
            _status(a, found.today),
        ]
        for a in found.actions
    ]
    header = ["Đơn vị", "Hành động", "Tiêu chí", "Người chịu trách nhiệm", "Hạn", "Trạng thái"]
    blocks.append(Table(header, rows, [2, 4, 1.5, 2.5, 1.5, 2.5]))
    return blocks


LIMITATIONS = (
    "Chỉ số được ước lượng từ mẫu phiếu khảo sát nên có sai số chọn mẫu; khoảng tin cậy 95% "
    "thể hiện mức độ chính xác. Chênh lệch nhỏ hơn độ rộng khoảng tin cậy giữa hai đơn vị hoặc "
    "giữa hai đợt chưa đủ căn cứ để kết luận có khác biệt. Đơn vị có quá ít phiếu hoặc sai số "
    "tương đối lớn được ghi “không công bố (chưa đủ tin cậy)” thay cho con số. Người không trả "
    "lời khảo sát có thể có mức hài lòng khác người trả lời; trọng số chỉ hiệu chỉnh được một "
    "phần. Chủ đề ý kiến được phân theo câu hỏi mở, chưa phân loại theo nội dung."
)


def method_section(content: ReportContent) -> list[Block]:
    rows = [[label, text] for label, text in content.method]
    return [
        Heading("VII. PHƯƠNG PHÁP VÀ HẠN CHẾ"),
        Table(["Nội dung", "Mô tả"], rows, [2.5, 7.5]),
        Paragraph("Hạn chế: " + LIMITATIONS),
        Paragraph(revision_text(content), italic=True, size=9),
    ]


def outline(content: ReportContent) -> list[Block]:
    """The whole document, cover to method."""
    r = content.report
    return [
        *cover(content),
        *summary(content),
        *elements_section(r),
        *units_section(r),
        *targets_and_bands(r),
        *comments_section(content),
        *improvement_section(content),
        *method_section(content),
    ]
