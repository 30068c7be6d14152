"""The report document's words in Vietnamese (natural administrative Vietnamese, the
province's own language) and English, as ``str.format`` templates keyed by what they say.
Figures: one decimal, a decimal comma in Vietnamese and a decimal point in English."""

from __future__ import annotations

from dataclasses import dataclass

from app.reporting.document.names import english_name
from app.reporting.numbers import places_text, shown

VI: dict[str, str] = {
    "title": "BÁO CÁO KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC "
    "ĐỐI VỚI SỰ PHỤC VỤ CỦA CƠ QUAN HÀNH CHÍNH NHÀ NƯỚC",
    "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập – Tự do – Hạnh phúc",
    "round_line": "Đợt khảo sát: {name} (mã {code}), từ ngày {start} đến ngày {end}",
    "scope_line": "Phạm vi: {name} (mã {code})",
    "made_on": "Lập ngày {day}",
    "live": "Số liệu hiện hành, chưa chốt công bố (không có bản công bố và mã băm): "
    "chỉ dùng để tham khảo nội bộ.",
    "revision": "Số liệu bản công bố số {revision}, chốt ngày {day}; "
    "mã băm SHA-256 của bản công bố: {hash}",
    "provisional": "Số liệu tạm tính (chốt khi đợt khảo sát còn thu phiếu, sẽ còn thay đổi). ",
    "withheld": "không công bố (chưa đủ tin cậy)",
    "withheld_band": "Chưa xếp loại (không công bố chỉ số)",
    "target_met": "Đạt",
    "target_not_met": "Không đạt",
    "target_not_determinable": "Chưa xác định được",
    "headline_withheld": "Chỉ số hài lòng chung của {unit} không được công bố vì số phiếu hoặc "
    "độ chính xác chưa đạt ngưỡng tin cậy ({n} phiếu hợp lệ).",
    "headline": "Chỉ số hài lòng chung của {unit} đạt {index}% (khoảng tin cậy 95%: {ci}%), "
    "tính trên {n} phiếu hợp lệ",
    "headline_band": ", xếp loại {band}",
    "headline_target": "; so với chỉ tiêu {target}%: {status}",
    "headline_rank": "; xếp thứ {rank}/{of} trong các đơn vị cùng cấp",
    "up": "tăng",
    "down": "giảm",
    "same": "không thay đổi",
    "points": " {n} điểm phần trăm",
    "significant": "có ý nghĩa thống kê",
    "not_significant": "chưa có ý nghĩa thống kê",
    "places": "; thứ hạng {places}",
    "unranked": "; không xếp hạng vì là đơn vị cao nhất của đợt khảo sát (không có đơn vị cùng "
    "cấp để so sánh; thứ hạng giữa các tỉnh do Bộ Nội vụ công bố trong Chỉ số SIPAS)",
    "change": "So với đợt {round} ({index}%), chỉ số {verb}{amount}{tail}{places}.",
    "movers": "Thay đổi thứ hạng so với đợt trước — {parts}.",
    "movers_up": "tăng bậc nhiều nhất: {names}",
    "movers_down": "giảm bậc nhiều nhất: {names}",
    "s1": "I. TÓM TẮT KẾT QUẢ",
    "t_index": "Chỉ số hài lòng chung (%)",
    "t_ci": "Khoảng tin cậy 95% (%)",
    "t_se": "Sai số chuẩn (điểm %)",
    "t_n": "Số phiếu hợp lệ",
    "t_band": "Xếp loại",
    "t_target": "Chỉ tiêu (%)",
    "t_target_status": "Đánh giá chỉ tiêu",
    "t_previous": "Đợt trước ({round}) (%)",
    "t_delta": "Thay đổi (điểm %)",
    "t_head": "Chỉ tiêu tổng hợp|Giá trị",
    "s2": "II. KẾT QUẢ THEO YẾU TỐ VÀ TIÊU CHÍ",
    "s2_lead": "Bảng dưới đây nêu chỉ số hài lòng (tỷ lệ phần trăm ý kiến hài lòng, có trọng "
    "số) theo từng yếu tố và tiêu chí, kèm khoảng tin cậy 95% và thay đổi so với đợt trước.",
    "chart1": "Biểu đồ 1. Chỉ số hài lòng theo yếu tố (%)",
    "s2_head": "Yếu tố / tiêu chí|Chỉ số (%)|KTC 95%|Số phiếu|Đợt trước|Thay đổi",
    "s3": "III. KẾT QUẢ THEO ĐƠN VỊ",
    "s3_lead": "Có {n} đơn vị trực thuộc được khảo sát; thứ hạng tính trong các đơn vị có số "
    "liệu đủ tin cậy (đồng hạng khi bằng chỉ số), thay đổi thứ hạng so với đợt trước tính "
    "trong cùng nhóm đơn vị.",
    "chart2": "Biểu đồ 2. Chỉ số hài lòng theo đơn vị (%)",
    "s3_head": "Hạng|Thay đổi hạng|Đơn vị|Chỉ số (%)||KTC 95%|Số phiếu|Xếp loại|Thay đổi (điểm)",
    "s4": "IV. ĐƠN VỊ CHƯA ĐẠT CHỈ TIÊU VÀ PHÂN LOẠI THEO MỨC",
    "no_targets": "Đợt khảo sát này chưa giao chỉ tiêu cho các đơn vị trực thuộc.",
    "none_below": "Không có đơn vị nào chưa đạt chỉ tiêu (trên {n} đơn vị được giao).",
    "below": "Có {n}/{of} đơn vị được giao chỉ tiêu chưa đạt:",
    "below_head": "Đơn vị|Chỉ số (%)|Chỉ tiêu (%)|Đánh giá",
    "undetermined": "Chưa xác định được việc đạt chỉ tiêu ({n} đơn vị, khoảng tin cậy 95% bao "
    "trùm chỉ tiêu): {names}.",
    "band_floor": "từ {min}%",
    "band_lowest": "mức thấp nhất",
    "and_more": "{names} và {n} đơn vị khác (xem bảng xếp hạng ở mục III)",
    "bands_lead": "Phân loại các đơn vị theo mức xếp loại của đợt khảo sát:",
    "bands_head": "Mức xếp loại|Số đơn vị|Đơn vị",
    "no_bands": "Đợt khảo sát này chưa quy định mức xếp loại.",
    "s5": "V. Ý KIẾN GÓP Ý VÀ KẾT QUẢ XỬ LÝ",
    "no_comments": "Trong đợt khảo sát không tiếp nhận ý kiến góp ý nào.",
    "handling": "Đã tiếp nhận {received} ý kiến góp ý, phản ánh của người dân, tổ chức. Trong "
    "{due} ý kiến đã đến hạn xử lý, {on_time} ý kiến được xử lý đúng hạn{share}, {late} ý kiến "
    "xử lý trễ hạn và {overdue} ý kiến quá hạn chưa xử lý; {pending} ý kiến đang trong thời "
    "hạn xử lý.",
    "themes_lead": "Ý kiến theo chủ đề, xếp theo nội dung ý kiến (từ khoá tiếng Việt, có dấu "
    "hoặc không dấu), kèm một ý kiến tiêu biểu đã che thông tin cá nhân:",
    "themes_head": "Chủ đề|Số ý kiến|Ví dụ",
    "s6": "VI. TIÊU CHÍ BỊ MẤT ĐIỂM VÀ KẾ HOẠCH CẢI THIỆN",
    "gaps_points_only": "Bộ câu hỏi chấm điểm theo thang điểm: không phân tích tiêu chí bị mất "
    "điểm.",
    "gaps_when": " Số liệu phân tích tính đến {day}.",
    "gaps_none": "Không có tiêu chí nào thấp hơn {reference}.{when}",
    "gaps_lead": "Các tiêu chí làm giảm chỉ số chung nhiều nhất, so với {reference}: số điểm "
    "chỉ số chung tăng thêm nếu tiêu chí đạt mức so sánh (tính theo quy tắc tổng hợp của bộ câu "
    "hỏi).{when}",
    "gaps_head": "Tiêu chí|Chỉ số (%)|Mức so sánh (%)|Điểm tăng thêm",
    "figures_pending": "Số liệu phân tích của đơn vị chưa được tính (hệ thống đang tính): "
    "xem lại sau ít phút.",
    "drivers_lead": "Mức độ tác động của các tiêu chí đến sự hài lòng chung (phần đóng góp "
    "Shapley vào R² có trọng số; n = {n}, R² = {r2}), với khoảng tin cậy 95% (bootstrap theo "
    "thiết kế mẫu, {replicates} lần lặp):",
    "drivers_head": "Tiêu chí|Mức độ tác động|Khoảng tin cậy 95%|Chỉ số (%)",
    "drivers_no_interval": "Chưa đủ phiếu để tính khoảng tin cậy của mức độ tác động.",
    "ref_target": "chỉ tiêu của đơn vị",
    "ref_best": "đơn vị cùng cấp có kết quả tốt nhất",
    "ref_province": "kết quả chung toàn tỉnh",
    "no_plan": "Chưa có kế hoạch cải thiện cho đợt khảo sát này.",
    "plan_lead": "Kế hoạch cải thiện có {n} hành động: {done} đã hoàn thành, {late} quá hạn "
    "chưa hoàn thành.",
    "plan_head": "Đơn vị|Hành động|Tiêu chí|Người chịu trách nhiệm|Hạn|Trạng thái",
    "done_on": " ngày {day}",
    "done_late": " (trễ hạn)",
    "overdue_action": " – quá hạn",
    "s7": "VII. PHƯƠNG PHÁP VÀ HẠN CHẾ",
    "method_head": "Nội dung|Mô tả",
    "limitations": "Hạn chế: Chỉ số được ước lượng từ mẫu phiếu khảo sát nên có sai số chọn "
    "mẫu; khoảng tin cậy 95% thể hiện mức độ chính xác. Chênh lệch nhỏ hơn độ rộng khoảng tin "
    "cậy giữa hai đơn vị hoặc giữa hai đợt chưa đủ căn cứ để kết luận có khác biệt. Đơn vị có "
    "quá ít phiếu hoặc sai số tương đối lớn được ghi “không công bố (chưa đủ tin cậy)” thay cho "
    "con số. Người không trả lời khảo sát có thể có mức hài lòng khác người trả lời; trọng số "
    "chỉ hiệu chỉnh được một phần. Chủ đề ý kiến được xác định theo các cụm từ khoá trong nội "
    "dung: ý kiến nêu nhiều vấn đề được tính vào vấn đề được nhắc đến nhiều nhất.",
    "page": "Trang",
    "file": "bao-cao",
}

EN: dict[str, str] = {
    "title": "REPORT ON CITIZENS' AND ORGANISATIONS' SATISFACTION "
    "WITH THE SERVICE OF STATE ADMINISTRATIVE AGENCIES",
    "nation": "SOCIALIST REPUBLIC OF VIET NAM",
    "motto": "Independence – Freedom – Happiness",
    "round_line": "Survey round: {name} (code {code}), from {start} to {end}",
    "scope_line": "Scope: {name} (code {code})",
    "made_on": "Prepared on {day}",
    "live": "Current figures, not frozen for publication (no published revision and no "
    "hash): for internal reference only.",
    "revision": "Figures of published revision {revision}, frozen on {day}; "
    "SHA-256 of the published revision: {hash}",
    "provisional": "Provisional figures (frozen while the round was still collecting "
    "responses; they will change). ",
    "withheld": "not published (not reliable enough)",
    "withheld_band": "No band (index not published)",
    "target_met": "Met",
    "target_not_met": "Not met",
    "target_not_determinable": "Cannot be determined",
    "headline_withheld": "The overall satisfaction index of {unit} is not published because "
    "the number of responses or the precision is below the reliability limits ({n} valid "
    "responses).",
    "headline": "The overall satisfaction index of {unit} is {index}% (95% confidence "
    "interval: {ci}%), from {n} valid responses",
    "headline_band": ", band {band}",
    "headline_target": "; against the target of {target}%: {status}",
    "headline_rank": "; ranked {rank} of {of} among units at the same level",
    "up": "rose",
    "down": "fell",
    "same": "did not change",
    "points": " by {n} percentage points",
    "significant": "statistically significant",
    "not_significant": "not statistically significant",
    "places": "; rank {places}",
    "unranked": "; not ranked, as the survey round's top unit (no units at the same level to "
    "compare with; the ranking of provinces is published by the Ministry of Home Affairs in "
    "the SIPAS index)",
    "change": "Compared with round {round} ({index}%), the index {verb}{amount}{tail}{places}.",
    "movers": "Changes in rank since the previous round — {parts}.",
    "movers_up": "largest gains: {names}",
    "movers_down": "largest falls: {names}",
    "s1": "I. SUMMARY OF RESULTS",
    "t_index": "Overall satisfaction index (%)",
    "t_ci": "95% confidence interval (%)",
    "t_se": "Standard error (points)",
    "t_n": "Valid responses",
    "t_band": "Band",
    "t_target": "Target (%)",
    "t_target_status": "Target assessment",
    "t_previous": "Previous round ({round}) (%)",
    "t_delta": "Change (points)",
    "t_head": "Headline figure|Value",
    "s2": "II. RESULTS BY ELEMENT AND CRITERION",
    "s2_lead": "The table below gives the satisfaction index (weighted percentage of satisfied "
    "answers) for each element and criterion, with its 95% confidence interval and the change "
    "from the previous round.",
    "chart1": "Chart 1. Satisfaction index by element (%)",
    "s2_head": "Element / criterion|Index (%)|95% CI|Responses|Previous|Change",
    "s3": "III. RESULTS BY UNIT",
    "s3_lead": "{n} units below were surveyed; ranks are among the units with reliable "
    "figures (ties share a rank), and changes in rank are within the same group of units as "
    "in the previous round.",
    "chart2": "Chart 2. Satisfaction index by unit (%)",
    "s3_head": "Rank|Change in rank|Unit|Index (%)||95% CI|Responses|Band|Change (points)",
    "s4": "IV. UNITS BELOW TARGET AND UNITS BY BAND",
    "no_targets": "No targets were set for the units of this round.",
    "none_below": "No unit is below its target ({n} units with a target).",
    "below": "{n} of {of} units with a target are below it:",
    "below_head": "Unit|Index (%)|Target (%)|Assessment",
    "undetermined": "Whether the target is met cannot be determined for {n} units (the 95% "
    "confidence interval includes the target): {names}.",
    "band_floor": "from {min}%",
    "band_lowest": "lowest band",
    "and_more": "{names} and {n} more (see the ranking in section III)",
    "bands_lead": "Units by the round's bands:",
    "bands_head": "Band|Units|Names",
    "no_bands": "This round has no bands.",
    "s5": "V. COMMENTS AND THEIR HANDLING",
    "no_comments": "No comments were received during the round.",
    "handling": "{received} comments from citizens and organisations were received. Of the "
    "{due} due for handling, {on_time} were handled on time{share}, {late} late and {overdue} "
    "are overdue; {pending} are still within their time limit.",
    "themes_lead": "Comments by theme, classified from their content (Vietnamese key phrases, "
    "with or without accents), each with one example, personal data masked:",
    "themes_head": "Theme|Comments|Example",
    "s6": "VI. CRITERIA THAT LOSE POINTS AND THE IMPROVEMENT PLAN",
    "gaps_points_only": "The questionnaire is scored in points: no analysis of criteria that "
    "lose points.",
    "gaps_when": " Analysis as of {day}.",
    "gaps_none": "No criterion is below {reference}.{when}",
    "gaps_lead": "The criteria that lower the overall index most, compared with {reference}: "
    "the points the overall index would gain if the criterion reached that level (by the "
    "questionnaire's aggregation rule).{when}",
    "gaps_head": "Criterion|Index (%)|Reference (%)|Points to gain",
    "figures_pending": "The unit's analysis has not been computed yet (the service is "
    "computing it): look again in a few minutes.",
    "drivers_lead": "How much each criterion drives overall satisfaction (Shapley share of the "
    "weighted R²; n = {n}, R² = {r2}), with 95% intervals (design-based bootstrap, "
    "{replicates} replicates):",
    "drivers_head": "Criterion|Importance|95% interval|Index (%)",
    "drivers_no_interval": "Too few responses for an interval of the importances.",
    "ref_target": "the unit's target",
    "ref_best": "the best unit at the same level",
    "ref_province": "the province's overall result",
    "no_plan": "No improvement plan for this round yet.",
    "plan_lead": "The improvement plan has {n} actions: {done} done, {late} overdue and not done.",
    "plan_head": "Unit|Action|Criteria|Responsible|Due|Status",
    "done_on": " on {day}",
    "done_late": " (late)",
    "overdue_action": " – overdue",
    "s7": "VII. METHOD AND LIMITATIONS",
    "method_head": "Item|Description",
    "limitations": "Limitations: the indices are estimated from a sample of responses and so "
    "carry sampling error; the 95% confidence interval shows their precision. A difference "
    "smaller than the width of the intervals between two units or two rounds is not evidence "
    "of a real difference. Units with too few responses or a large relative error are shown as "
    "“not published (not reliable enough)” instead of a number. People who did not respond may "
    "be more or less satisfied than those who did; weights correct for this only in part. "
    "Comment themes come from key phrases in the text: a comment about several things "
    "counts under the one it mentions most.",
    "page": "Page",
    "file": "report",
}


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Words:
    """The document's language: its words, how it writes figures, dates and rank changes."""

    lang: str
    text: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        return self.text[key].format(**values)

    def num(self, value: float | None, decimals: int = 1) -> str:
        return shown(value, decimals, comma=self.lang == "vi")

    def day(self, value: object) -> str:
        """A date (or the date of a moment) as a report writes it: 07/12/2026 in Vietnamese,
        7 December 2026 in English."""
        year, month, day = str(value)[:10].split("-")
        if self.lang == "en":
            return f"{int(day)} {MONTHS[int(month) - 1]} {year}"
        return f"{day}/{month}/{year}"

    def unit(self, name: str) -> str:
        """A unit's name in the document's language (app/reporting/document/names.py)."""
        return english_name(name) if self.lang == "en" else name

    def places(self, change: int | None) -> str:
        return places_text(change, self.lang)

    def columns(self, key: str) -> list[str]:
        return self.text[key].split("|")


def words(lang: str) -> Words:
    """The document's words in ``lang`` (vi or en)."""
    return Words(lang, EN if lang == "en" else VI)
