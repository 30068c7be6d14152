"""Every table, imported here so that Alembic sees one metadata."""

from app.models.base import Base
from app.models.form import FormVersion
from app.models.response import Answer, Response
from app.models.round import Round, RoundUnit
from app.models.unit import Unit

__all__ = ["Answer", "Base", "FormVersion", "Response", "Round", "RoundUnit", "Unit"]
