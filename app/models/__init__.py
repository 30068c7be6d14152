"""Every table, imported here so that Alembic sees one metadata."""

from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.form import FormVersion
from app.models.response import Answer, Response
from app.models.round import Round, RoundUnit
from app.models.session import LoginFailure, UserSession
from app.models.snapshot import ReportSnapshot, ReportSnapshotItem
from app.models.target import Target
from app.models.unit import Unit
from app.models.user import Grant, User

__all__ = [
    "Answer",
    "ApiKey",
    "AuditEvent",
    "Base",
    "FormVersion",
    "Grant",
    "LoginFailure",
    "ReportSnapshot",
    "ReportSnapshotItem",
    "Response",
    "Round",
    "RoundUnit",
    "Target",
    "Unit",
    "User",
    "UserSession",
]
