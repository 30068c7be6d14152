"""The services' reasons in the console's words: rejected rows of an import (line, column,
reason), a plan's notes and exclusions, and why a step was refused.

The services (app.sampling.tabular, frames, listframe, plans, draws ...) word their reasons in
English for API clients and the CLI; here each known wording is matched and shown as a
translated ``Message`` with the same particulars (the ``explain`` filter, then ``| tr``). A
reason not matched is shown as it came.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.errors import AppError
from app.i18n import N_, Message

REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"^missing column$", N_("thiếu cột này")),
        (r"^not a whole number ≥ 0$", N_("không phải số nguyên không âm")),
        (r"^longer than (?P<n>\d+) characters$", N_("dài quá %(n)s ký tự")),
        (r"^unknown unit '(?P<unit>.*)'$", N_("không có đơn vị mã %(unit)s")),
        (r"^unit is empty$", N_("chưa ghi mã đơn vị")),
        (
            r"^unit (?P<unit>\S+) is not in the round and outside your scope$",
            N_("đơn vị %(unit)s không thuộc đợt khảo sát và ở ngoài phạm vi quản trị của bạn"),
        ),
        (
            r"^unit (?P<unit>\S+) field '(?P<field>.*)' repeats line (?P<line>\d+)$",
            N_("đơn vị %(unit)s, lĩnh vực “%(field)s” đã có ở dòng %(line)s"),
        ),
        (
            r"^unit (?P<unit>\S+) mixes rows with and without a field$",
            N_("đơn vị %(unit)s có cả dòng ghi lĩnh vực và dòng không ghi lĩnh vực"),
        ),
        (r"^the file is empty", N_("tệp trống: dòng đầu tiên phải là tiêu đề các cột")),
        (
            r"^the file is not UTF-8 text",
            N_("tệp không phải văn bản UTF-8: hãy lưu dạng CSV UTF-8"),
        ),
        (
            r"^old \.xls workbooks",
            N_("không đọc được tệp .xls cũ: hãy lưu dạng .xlsx hoặc CSV UTF-8"),
        ),
        (r"^not a readable XLSX workbook", N_("không đọc được tệp XLSX này")),
        (r"^line (?P<line>\d+): malformed CSV", N_("dòng %(line)s: tệp CSV sai định dạng")),
        (r"^dossier code is empty$", N_("chưa ghi mã hồ sơ")),
        (r"^dossier code too long$", N_("mã hồ sơ quá dài")),
        (
            r"^duplicate dossier code (?P<code>.+) \(line (?P<line>\d+)\)$",
            N_("mã hồ sơ %(code)s trùng với dòng %(line)s"),
        ),
        (
            r"^duplicate dossier code (?P<code>.+) \(already in the list frame\)$",
            N_("mã hồ sơ %(code)s đã có trong danh sách hồ sơ"),
        ),
        (r"^not a date", N_("không phải ngày (ghi dạng 2026-03-31 hoặc 31/03/2026)")),
        (
            r"^(?P<day>\S+) is outside the round period (?P<start>\S+)–(?P<end>\S+)$",
            N_("ngày %(day)s nằm ngoài thời gian của đợt (%(start)s – %(end)s)"),
        ),
        (
            r"^dossiers were already drawn from this list frame",
            N_("đã rút mẫu từ danh sách hồ sơ này nên không thể thay danh sách"),
        ),
        (r"^no population known$", N_("chưa biết lượng giao dịch")),
        (r"^no transactions$", N_("không có giao dịch nào")),
        (r"^fewer than (?P<n>\d+) transactions$", N_("ít hơn %(n)s giao dịch")),
        (
            r"^total (?P<total>\d+): the (?P<rule>\w+) rule for the whole frame N = (?P<n>\d+)$",
            N_("tổng cỡ mẫu %(total)s: công thức %(rule)s áp dụng cho cả khung mẫu N = %(n)s"),
        ),
        (
            r"^Neyman allocation needs S_h from a previous round",
            N_(
                "phân bổ Neyman cần độ lệch chuẩn S_h từ phiếu của đợt trước; chưa có nên "
                "phân bổ tỷ lệ"
            ),
        ),
        (
            r"^no previous round for (?P<strata>.+): S_h set to the mean (?P<mean>[\d.]+)$",
            N_("chưa có đợt trước cho %(strata)s: S_h lấy bằng trung bình %(mean)s"),
        ),
        (r"^S_h from (?P<source>.+)$", N_("S_h từ %(source)s")),
        (r"^S_h imputed", N_("S_h lấy bằng trung bình của các tầng khác")),
        (
            r"^nothing to sample: no unit of round (?P<round>\S+) has",
            N_("không có gì để lấy mẫu: chưa đơn vị nào của đợt %(round)s có số liệu khung mẫu"),
        ),
        (
            r"^the total (?P<total>\d+) is below the sum of the minimums \((?P<sum>\d+)\)$",
            N_("tổng cỡ mẫu %(total)s nhỏ hơn tổng các mức tối thiểu (%(sum)s)"),
        ),
        (
            r"^the total (?P<total>\d+) is above what the strata hold \((?P<sum>\d+)\)$",
            N_("tổng cỡ mẫu %(total)s lớn hơn số mà các tầng có (%(sum)s)"),
        ),
        (
            r"^the plan does not match the list frame: (?P<strata>.*)\. Compute the plan again",
            N_(
                "kế hoạch mẫu không khớp với danh sách hồ sơ (%(strata)s): hãy lập lại kế hoạch "
                "mẫu, lấy N từ danh sách hồ sơ"
            ),
        ),
        (
            r"^(?P<var>[^ :]+): categories with a population total of 0 or less have "
            r"respondents: (?P<l>.+); weights",
            N_(
                "%(var)s: nhóm %(l)s có người trả lời nhưng tổng thể bằng 0: trọng số không thể "
                "cộng lại bằng 0; hãy nhập tổng thể đúng hoặc gộp nhóm"
            ),
        ),
        (
            r"^(?P<var>[^ :]+): respondents in categories without a population total: (?P<l>.+)$",
            N_("%(var)s: có người trả lời thuộc nhóm chưa có tổng thể: %(l)s"),
        ),
        (
            r"^(?P<var>[^ :]+): no respondents in categories that have a population total: "
            r"(?P<l>.+); collapse",
            N_("%(var)s: nhóm %(l)s có tổng thể nhưng không có người trả lời; hãy gộp nhóm"),
        ),
        (
            r"^margins add up to different populations \((?P<l>.+)\)",
            N_("các biên cộng lại thành những tổng thể khác nhau (%(l)s): phải bằng nhau"),
        ),
        (
            r"^raking did not meet the margins within (?P<tol>\S+) \((?P<n>\d+) iterations",
            N_("raking chưa khớp các biên trong sai số %(tol)s sau %(n)s vòng lặp"),
        ),
        (
            r"^(?P<var>[^ :]+): within the trimming bounds, categories (?P<l>.+) cannot reach",
            N_("%(var)s: trong giới hạn cắt trọng số, nhóm %(l)s không thể đạt tổng; hãy nới"),
        ),
        (
            r"^the margins' population .* outside the factor bounds",
            N_(
                "tổng thể của các biên nằm ngoài giới hạn tỷ số: hãy nới giới hạn hoặc giới hạn "
                "chính trọng số"
            ),
        ),
        (r"^the round has no valid responses to weight$", N_("đợt chưa có phiếu hợp lệ nào")),
        (
            r"^variable '(?P<var>[^']+)': ",
            N_(
                "biến %(var)s không phải câu hỏi một lựa chọn của bộ câu hỏi; dùng unit, "
                "unit@cấp, stratum hoặc mã một câu hỏi một lựa chọn"
            ),
        ),
        (
            r"^(?P<var>[^ :]+): unit (?P<unit>\S+) has no ancestor at level (?P<level>.+)$",
            N_("%(var)s: đơn vị %(unit)s không có đơn vị cấp trên ở cấp %(level)s"),
        ),
        (
            r"^(?P<var>[^ :]+): fewer eligible than respondents in (?P<l>.+)$",
            N_("%(var)s: số đủ điều kiện ít hơn số người trả lời ở %(l)s"),
        ),
        (r"^(?P<what>.+) '(?P<key>.+)' is given twice$", N_("%(what)s “%(key)s” ghi hai lần")),
        (
            r"^(?P<what>.+) is scored in points; freezing covers shares only$",
            N_("bộ câu hỏi %(what)s tính điểm: chỉ chốt được số liệu dạng tỷ lệ hài lòng"),
        ),
        (r"^round (?P<round>\S+) covers no unit", N_("đợt %(round)s chưa có đơn vị nào")),
        (
            r"^round (?P<round>\S+) is open: close it before freezing",
            N_(
                "đợt %(round)s vẫn đang mở: hãy đóng đợt khảo sát trước, rồi mới chốt và công bố "
                "số liệu"
            ),
        ),
        (
            r"^round (?P<round>\S+) overlaps open round (?P<other>\S+) \((?P<period>[^)]*)\) at "
            r"(?P<units>.+): a counter serves",
            N_(
                "đợt %(other)s (%(period)s) đang mở tại %(units)s trong cùng thời gian với đợt "
                "%(round)s: mỗi quầy chỉ phục vụ một đợt đang mở; hãy đóng đợt %(other)s hoặc bỏ "
                "các đơn vị này khỏi đợt %(round)s"
            ),
        ),
        (
            r"^round (?P<round>\S+) is \S+: provisional figures are frozen while",
            N_(
                "đợt %(round)s không còn thu phiếu: số liệu tạm tính chỉ chốt được khi đợt đang "
                "mở; hãy chốt số liệu chính thức"
            ),
        ),
        (
            r"^round (?P<round>\S+) is draft: close it before freezing",
            N_("đợt %(round)s mới là bản nháp: chỉ chốt được số liệu của đợt đã đóng"),
        ),
    )
)


def reason_message(reason: str) -> str:
    """The reason in the console's words (a ``Message``), or as given when not recognised."""
    for pattern, msgid in REASONS:
        if matched := pattern.match(reason):
            return Message(msgid, **matched.groupdict())
    return reason


@dataclass(frozen=True)
class RejectedRow:
    line: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class RejectedRows:
    rows: int  # rows read
    count: int  # rows rejected (all counted; at most MAX_LISTED listed)
    listed: list[RejectedRow]


def rejected_rows(failure: AppError | None) -> RejectedRows | None:
    """The rejected rows a refused import reported (None for any other refusal)."""
    extra: dict[str, Any] = failure.extra if failure is not None else {}
    if "rejected" not in extra:
        return None
    listed = [
        RejectedRow(r["line"], r.get("column"), reason_message(r["reason"]))
        for r in extra["rejected"]
    ]
    return RejectedRows(int(extra.get("rows", 0)), int(extra.get("rejected_count", 0)), listed)
