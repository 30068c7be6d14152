"""Reading a submitted HTML form: typed values, and a message per field that is wrong.

Messages are Vietnamese msgids (shown with ``| tr``); a page re-renders with the values kept
and ``errors`` set, answering 422, instead of failing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from app.i18n import N_, Message

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
WHOLE_PATTERN = re.compile(r"^(\d+|\d{1,3}([.,\s]\d{3})+)$")
DECIMAL_PATTERN = re.compile(r"^\d{1,12}([.,]\d{1,12})?$")
MSG_REQUIRED = N_("Vui lòng điền mục này.")
MSG_CODE = N_("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 ký tự).")
MSG_DATE = N_("Vui lòng nhập ngày hợp lệ.")
MSG_CHOICE = N_("Vui lòng chọn một giá trị trong danh sách.")
MSG_WHOLE = N_("Vui lòng nhập một số nguyên không âm.")
MSG_DECIMAL = N_("Vui lòng nhập một số không âm (phần thập phân sau dấu phẩy hoặc dấu chấm).")
MSG_INVALID = N_("Giá trị không hợp lệ.")
M = TypeVar("M", bound=BaseModel)


class Form:
    """The fields of one POST, with the errors found while reading them."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.errors: dict[str, str] = {}

    @classmethod
    async def read(cls, request: Request) -> Form:
        form = await request.form()
        return cls([(k, v) for k, v in form.multi_items() if isinstance(v, str)])

    def get(self, name: str) -> str:
        return next((v.strip() for k, v in self.items if k == name), "")

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for k, v in self.items if k == name and v.strip()]

    def values(self) -> dict[str, str]:
        """Every field's first value, to fill the form in again."""
        return {k: self.get(k) for k, _ in self.items}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, max_length: int = 255, required: bool = True) -> str:
        value = self.get(name)
        if required and not value:
            self.fail(name, MSG_REQUIRED)
        elif len(value) > max_length:
            self.fail(name, Message("Tối đa %(n)s ký tự.", n=max_length))
        return value

    def code(self, name: str) -> str:
        value = self.get(name)
        if not value:
            self.fail(name, MSG_REQUIRED)
        elif not CODE_PATTERN.match(value):
            self.fail(name, MSG_CODE)
        return value

    def choice(self, name: str, allowed: set[str] | list[str]) -> str:
        value = self.get(name)
        if value not in allowed:
            self.fail(name, MSG_CHOICE if value else MSG_REQUIRED)
        return value

    def day(self, name: str) -> date | None:
        value = self.get(name)
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, MSG_DATE if value else MSG_REQUIRED)
            return None

    def whole(self, name: str) -> int | None:
        """A non-negative integer (thousands may be grouped: 1.200, 1,200, 1 200), or None
        when left empty; "1.5" is refused rather than read as 15."""
        value = self.get(name)
        if not value:
            return None
        if not WHOLE_PATTERN.match(value) or len(value) > 20:
            self.fail(name, MSG_WHOLE)
            return None
        return int(re.sub(r"[.,\s]", "", value))

    def decimal(self, name: str) -> float | None:
        """A non-negative number, its decimals after a comma or a point (2,5 or 2.5), or None
        when left empty. No thousands separators: "1,200" is 1.2."""
        value = self.get(name)
        if not value:
            return None
        if not DECIMAL_PATTERN.match(value):
            self.fail(name, MSG_DECIMAL)
            return None
        return float(value.replace(",", "."))

    @property
    def ok(self) -> bool:
        return not self.errors

    def model(self, model: type[M]) -> M | None:
        """``model`` (an API request shape) from the non-blank fields; None, with a message
        per wrong field, when it does not validate (never the validator's own text)."""
        try:
            return model.model_validate({k: v for k, v in self.values().items() if v})
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][-1]) if error["loc"] else "form"
                limit = (error.get("ctx") or {}).get("max_length")
                kind = error["type"]
                message = Message("Tối đa %(n)s ký tự.", n=limit) if limit else MSG_INVALID
                self.fail(name, MSG_REQUIRED if kind == "missing" else message)
            return None
