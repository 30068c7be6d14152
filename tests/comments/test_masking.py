"""Personal data in citizens' text is masked; ordinary numbers are left readable."""

from __future__ import annotations

import re

import pytest

from app.comments.masking import mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mobile numbers, with and without separators and country code
        ("Gọi 0912345678 nhé", "Gọi 09******78 nhé"),
        ("SĐT: 091 234 5678.", "SĐT: 09******78."),
        ("0912.345.678", "09******78"),
        ("0912-345-678", "09******78"),
        ("+84 912 345 678", "+84*******78"),
        ("(+84) 912.345.678", "+84*******78"),
        ("+84912345678", "+84*******78"),
        ("84912345678", "+84*******78"),
        ("0387 654 321 và 0587654321", "03******21 và 05******21"),
        # landlines since 2017 (02x + 8 digits, 02xx + 7 digits) and the old 11-digit mobiles
        ("024 3825 1234", "02*******34"),
        ("0243.825.1234", "02*******34"),
        ("0236 3822 123", "02*******23"),
        ("0168 123 4567", "01*******67"),
        # ID numbers: CCCD 12 digits (also grouped), CMND 9 digits
        ("CCCD 001203012345", "CCCD **********45"),
        ("CCCD: 001 203 012 345", "CCCD: **********45"),
        ("số 0012 0301 2345", "số **********45"),
        ("CMND 123456789,", "CMND *******89,"),
        ("CCCD 001.204.012.345.", "CCCD **********45."),
        ("CCCD 0012.0401.2345", "CCCD **********45"),
        ("số 001-204-012-345", "số **********45"),
        # passports: a letter and 7 digits
        ("hộ chiếu C1234567 hết hạn", "hộ chiếu ******67 hết hạn"),
        ("Passport: N7654321.", "Passport: ******21."),
        # e-mail addresses, including one that starts with a phone number
        ("email nguyen.van.a@gmail.com", "email n***@***.com"),
        ("a.b+c@so-tu-phap.hanoi.gov.vn", "a***@***.vn"),
        ("0912345678@gmail.com", "0***@***.com"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Năm 2024 tôi chờ 3 ngày, mỗi lần 15 phút",
        "Hẹn ngày 02/09/2024 lúc 08:30",
        "Phí 1.500.000 đồng, tổng 150.000.000 đồng",
        "Số 12 đường 3/2, phòng 101",
        "Tổng đài 1900 1234 hoặc 1800 6789",
        "Mã hồ sơ 000.00.12.H26-241105-0003",
        "Đánh giá 5/5, xếp hàng số 0123",
        "Chờ từ 7h đến 11h30, 10 người",
        "Giá trị 001.204.012 và 100.000.000.000 đồng",
        "Mẫu TK1-TS, mã B12345, lô A123456789",
    ],
)
def test_ordinary_numbers_are_not_masked(text: str):
    assert mask(text) == text


def test_masked_text_never_contains_the_numbers_it_hid():
    masked = mask("Liên hệ 0987.654.321, CCCD 079203001234, mail tran.b@yahoo.com.vn")
    digits = re.sub(r"\D", "", masked)
    assert "987654" not in digits and "79203001" not in digits
    assert "tran.b" not in masked and "yahoo" not in masked
