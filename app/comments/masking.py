"""Hide personal data that citizens write into free text: phone numbers, ID numbers, passport
numbers, e-mail.

Masking is for display and export; the stored answer is never changed. It errs on the side
of hiding: a 9- or 12-digit number is treated as an ID even when it is something else, while
years, dates, amounts written with separators and short numbers stay readable.
"""

from __future__ import annotations

import re

SEP = r"[ \u00a0.\-]?"  # one optional separator between digits: space, dot or hyphen

EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")

# A Vietnamese number: 0, 84 or +84 (also "(+84)"), then the national significant number —
# mobile 9 digits from 3/5/7/8/9, landline 10 digits from 2 (since 2017), the old 10-digit
# mobiles from 12/16/18/19 (before 2018) — with single separators anywhere between digits.
PHONE = re.compile(
    r"(?<![\w+])"
    r"(?P<prefix>\(?\+84\)?|84|0)" + SEP + r"(?P<number>"
    r"[35789](?:" + SEP + r"\d){8}"
    r"|2(?:" + SEP + r"\d){9}"
    r"|1[2689](?:" + SEP + r"\d){8}"
    r")(?![\w])"
)

# Citizen ID (CCCD): 12 digits starting with the province code 0xx, also written in groups
# of 4-4-4 or 3-3-3-3 with one kind of separator (space, dot or hyphen: 001.204.012.345);
# the older ID card (CMND): 9 digits, only unseparated (1.500.000.000 is an amount).
ID_NUMBER = re.compile(
    r"(?<![\w*.])(?:0\d{11}"
    r"|0\d{3}(?P<s4>[ \u00a0.\-])\d{4}(?P=s4)\d{4}"
    r"|0\d{2}(?P<s3>[ \u00a0.\-])\d{3}(?P=s3)\d{3}(?P=s3)\d{3}"
    r"|\d{9})(?![\w*]|[.\-]\d)"
)
# Passport (hộ chiếu): one capital letter and 7 digits, e.g. C1234567.
PASSPORT = re.compile(r"(?<![\w*])[A-Z]\d{7}(?![\w*])")


def _mask_email(match: re.Match[str]) -> str:
    local, domain = match.group(0).split("@", 1)
    top = domain.rsplit(".", 1)[-1]
    return f"{local[0]}***@***.{top}"


def _mask_phone(match: re.Match[str]) -> str:
    number = re.sub(r"\D", "", match.group("number"))
    hidden = "*" * (len(number) - 2) + number[-2:]
    if match.group("prefix") == "0":
        return f"0{number[0]}{hidden[1:]}"  # 0912345678 -> 09******78
    return f"+84{hidden}"


def _mask_id(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 2) + digits[-2:]


def _mask_passport(match: re.Match[str]) -> str:
    return "*" * 6 + match.group(0)[-2:]


def mask(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and ID numbers hidden."""
    text = EMAIL.sub(_mask_email, text)
    text = PHONE.sub(_mask_phone, text)
    text = ID_NUMBER.sub(_mask_id, text)
    return PASSPORT.sub(_mask_passport, text)
