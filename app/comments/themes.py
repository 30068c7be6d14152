"""What a comment is about, from its text: a small Vietnamese lexicon, matched without regard
to diacritics or case (citizens often type without them: "thu tuc rom ra").

Each theme has key phrases; a comment's text is folded (lowercase, accents and the stroke of
"đ" removed, punctuation to spaces) and every phrase found as whole words counts once per
occurrence. The theme with most hits wins (ties: the order below); no hit: ``other``. Folding
makes some words alike ("chờ" and "cho", "đông" and "đồng", "tiền" and "Tân Tiến"), so such
words are listed only inside longer phrases. The theme is set when the comment is made from
its answer (app.comments.sync) and kept in ``comment.theme``; reports count by it.
"""

from __future__ import annotations

import re
import unicodedata

OTHER = "other"

# (key, Vietnamese label, English label, key phrases), in the order that breaks ties.
THEMES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "fees",
        "Phí, lệ phí, khoản chi ngoài quy định",
        "Fees and extra payments",
        (
            "phí",
            "lệ phí",
            "chi phí",
            "bồi dưỡng",
            "phong bì",
            "tiêu cực",
            "nhũng nhiễu",
            "vòi vĩnh",
            "thu thêm",
            "nộp tiền",
            "thu tiền",
            "đưa tiền",
            "mất tiền",
            "tiền mặt",
        ),
    ),
    (
        "waiting",
        "Thời gian chờ, trễ hẹn",
        "Waiting time and delays",
        (
            "chờ lâu",
            "chờ đợi",
            "phải chờ",
            "thời gian chờ",
            "đợi lâu",
            "lâu",
            "chậm",
            "trễ",
            "trễ hẹn",
            "trễ hạn",
            "quá hạn",
            "quá hẹn",
            "xếp hàng",
            "đông người",
            "quá đông",
            "nhanh",
            "mất thời gian",
            "kéo dài",
        ),
    ),
    (
        "staff",
        "Thái độ, hướng dẫn của cán bộ",
        "Staff attitude and guidance",
        (
            "thái độ",
            "cán bộ",
            "công chức",
            "nhân viên",
            "tận tình",
            "nhiệt tình",
            "thân thiện",
            "niềm nở",
            "lịch sự",
            "hách dịch",
            "cáu gắt",
            "gắt gỏng",
            "thờ ơ",
            "hướng dẫn",
            "giải thích",
        ),
    ),
    (
        "procedures",
        "Thủ tục, hồ sơ, giấy tờ",
        "Procedures and paperwork",
        (
            "thủ tục",
            "hồ sơ",
            "giấy tờ",
            "rườm rà",
            "phức tạp",
            "bổ sung",
            "trả lại",
            "biểu mẫu",
            "tờ khai",
            "quy trình",
            "thiếu giấy",
            "công chứng",
            "chứng thực",
            "niêm yết",
        ),
    ),
    (
        "facilities",
        "Cơ sở vật chất, nơi chờ",
        "Facilities",
        (
            "cơ sở vật chất",
            "trang thiết bị",
            "phòng chờ",
            "ghế",
            "chỗ ngồi",
            "chật chội",
            "chật hẹp",
            "nóng bức",
            "máy lạnh",
            "điều hòa",
            "điều hoà",
            "quạt",
            "nhà vệ sinh",
            "nước uống",
            "chỗ để xe",
            "gửi xe",
            "bãi xe",
            "máy lấy số",
            "số thứ tự",
            "máy in",
            "thêm quầy",
        ),
    ),
    (
        "online",
        "Dịch vụ công trực tuyến",
        "Online public services",
        (
            "trực tuyến",
            "online",
            "dịch vụ công",
            "cổng dịch vụ",
            "website",
            "trang web",
            "ứng dụng",
            "vneid",
            "đăng nhập",
            "tải tệp",
            "tải lên",
            "lỗi hệ thống",
            "lỗi mạng",
            "chữ ký số",
            "thanh toán điện tử",
            "qua mạng",
        ),
    ),
)
LABELS = {key: (vi, en) for key, vi, en, _ in THEMES} | {OTHER: ("Ý kiến khác", "Other comments")}
KEYS = (*(key for key, *_ in THEMES), OTHER)


def fold(text: str) -> str:
    """Lowercase, without accents (đ → d), words separated by single spaces, padded."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return f" {' '.join(re.findall(r'[a-z0-9]+', bare))} "


PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (key, tuple(fold(p) for p in phrases)) for key, _, _, phrases in THEMES
)


def hits(text: str) -> dict[str, int]:
    """Key phrases found in ``text``, per theme (whole words, any accents)."""
    folded = fold(text)
    return {key: sum(_count(folded, p) for p in phrases) for key, phrases in PHRASES}


def _count(folded: str, phrase: str) -> int:
    count, start = 0, 0
    while (at := folded.find(phrase, start)) >= 0:
        count, start = count + 1, at + len(phrase) - 1  # phrases share their edge space
    return count


def classify(text: str | None) -> str:
    """The comment's theme key."""
    found = hits(text or "")
    best = max(found.values(), default=0)
    if best == 0:
        return OTHER
    return next(key for key, _ in PHRASES if found[key] == best)


def label(key: str | None, lang: str) -> str:
    vi, en = LABELS.get(key or OTHER, LABELS[OTHER])
    return en if lang == "en" else vi
