"""Rejected rows of an import, as the console shows them: line, column and the reason in the
page's language.

The import services (app.sampling.tabular, frames, listframe) word their reasons in English
for API clients and the CLI; here each known wording is matched and shown as a translated
``Message`` with the same particulars. A reason not matched is shown as it came.
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
