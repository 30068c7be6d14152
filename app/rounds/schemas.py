from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.forms.method import FigureKind


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    form: str = Field(validation_alias="form_code")
    status: str
    starts_on: date
    ends_on: date
    measure: FigureKind | None = Field(
        None, description="Official-method SIPAS estimate, adapted method, or internal feedback"
    )
