"""Units' names in the English report document.

A unit has one name, in Vietnamese. The English document writes it by a fixed rule, the way
Vietnamese bodies write their names in English: the kind of unit is translated and moved
after the place name, which stays as it is (with its diacritics), e.g. "Xã An Bình" → "An
Bình Commune", "Sở Tư pháp" → "Department of Justice", "Bộ phận Một cửa xã An Bình" →
"One-stop counter of An Bình Commune", "UBND tỉnh Sơn Hà" → "Sơn Hà Provincial People's
Committee". A name that starts with no known kind is kept as it is. The rule is documented in
docs/report-document.md; it never changes a figure or a code.
"""

from __future__ import annotations

import re

# Kinds of place: "<kind> <place>" → "<place> <English kind>".
PLACES: tuple[tuple[str, str], ...] = (
    ("thành phố", "City"),
    ("thị xã", "Town"),
    ("thị trấn", "Township"),
    ("tỉnh", "Province"),
    ("huyện", "District"),
    ("quận", "Urban District"),
    ("phường", "Ward"),
    ("xã", "Commune"),
    ("đặc khu", "Special Zone"),
)
# Departments and agencies (Sở …, with or without "Quầy" before them): their official
# English names.
DEPARTMENTS: dict[str, str] = {
    "tư pháp": "Justice",
    "xây dựng": "Construction",
    "nội vụ": "Home Affairs",
    "tài chính": "Finance",
    "y tế": "Health",
    "công thương": "Industry and Trade",
    "giáo dục và đào tạo": "Education and Training",
    "kế hoạch và đầu tư": "Planning and Investment",
    "tài nguyên và môi trường": "Natural Resources and Environment",
    "nông nghiệp và môi trường": "Agriculture and Environment",
    "nông nghiệp và phát triển nông thôn": "Agriculture and Rural Development",
    "giao thông vận tải": "Transport",
    "lao động - thương binh và xã hội": "Labour, Invalids and Social Affairs",
    "văn hóa, thể thao và du lịch": "Culture, Sports and Tourism",
    "văn hoá, thể thao và du lịch": "Culture, Sports and Tourism",
    "thông tin và truyền thông": "Information and Communications",
    "khoa học và công nghệ": "Science and Technology",
    "dân tộc và tôn giáo": "Ethnic and Religious Affairs",
    "ngoại vụ": "Foreign Affairs",
}
# "<prefix> <rest>" → the English of the prefix, then ", <rest in English>" (or alone).
PREFIXES: tuple[tuple[str, str], ...] = (
    ("trung tâm phục vụ hành chính công", "Public Administrative Service Centre"),
    ("bộ phận một cửa", "One-stop counter"),
    ("bộ phận tiếp nhận và trả kết quả", "Reception and results counter"),
    ("đơn vị", "Unit"),
)
NOTES = {"dữ liệu minh hoạ": "illustrative data", "dữ liệu minh họa": "illustrative data"}
PAREN = re.compile(r"^(?P<name>.*?)\s*\((?P<note>[^()]*)\)\s*$")


def _starts(name: str, prefix: str) -> str | None:
    """The rest of ``name`` after ``prefix`` (a whole word, any case), or None."""
    if name.lower().startswith(prefix) and (len(name) == len(prefix) or name[len(prefix)] == " "):
        return name[len(prefix) :].strip()
    return None


def _place(name: str) -> str | None:
    for kind, english in PLACES:
        rest = _starts(name, kind)
        if rest is not None:
            if not rest:
                return f"the {english.lower()}"  # "… tỉnh": of the province
            return f"{rest} {english}"
    return None


def _department(name: str) -> str | None:
    rest = _starts(name, "sở")
    if not rest:
        return None
    return f"Department of {DEPARTMENTS.get(rest.lower(), rest)}"


def english_name(name: str) -> str:
    """``name`` in English by the rule above (unchanged when no rule applies)."""
    found = PAREN.match(name)
    if found:
        note = found["note"]
        return f"{english_name(found['name'])} ({NOTES.get(note.lower(), note)})"
    for vietnamese, english in PREFIXES:
        rest = _starts(name, vietnamese)
        if rest is not None:
            if not rest:
                return english
            if vietnamese == "đơn vị":
                return f"{english} {rest}"
            return f"{english} of {english_name(rest)}"
    for ppc in ("ủy ban nhân dân", "uỷ ban nhân dân", "ubnd"):
        rest = _starts(name, ppc)
        if rest:
            place = _place(rest) or rest
            return f"{place.replace(' Province', ' Provincial')} People's Committee"
    rest = _starts(name, "quầy")
    if rest:
        return f"{english_name(rest)} counter"
    return _department(name) or _place(name) or name
