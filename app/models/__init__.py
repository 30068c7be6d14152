"""Every table, imported here so that Alembic sees one metadata."""

from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.comment import Comment
from app.models.form import FormVersion
from app.models.frame import Dossier, FrameCell
from app.models.improvement_action import (
    ImprovementAction,
    ImprovementEvidence,
    ImprovementNote,
)
from app.models.integrity import DeviceWindow, IntegritySummary, Kiosk
from app.models.invitation import Invitation
from app.models.quota import Quota
from app.models.response import Answer, Response, ResponseFlag
from app.models.round import Round, RoundUnit
from app.models.sample_draw import SampleDraw, SampleSelection
from app.models.sample_plan import SamplePlan, SampleStratum
from app.models.session import LoginFailure, UserSession
from app.models.snapshot import ReportSnapshot, ReportSnapshotItem
from app.models.tally import TallyCell, TallyPair, TallyQueue, TallyState
from app.models.target import Target
from app.models.unit import Unit
from app.models.user import Grant, User
from app.models.weight import WeightSet, WeightValue

__all__ = [
    "Answer",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Comment",
    "DeviceWindow",
    "Dossier",
    "FormVersion",
    "FrameCell",
    "Grant",
    "ImprovementAction",
    "ImprovementEvidence",
    "ImprovementNote",
    "IntegritySummary",
    "Invitation",
    "Kiosk",
    "LoginFailure",
    "Quota",
    "ReportSnapshot",
    "ReportSnapshotItem",
    "Response",
    "ResponseFlag",
    "Round",
    "RoundUnit",
    "SampleDraw",
    "SamplePlan",
    "SampleSelection",
    "SampleStratum",
    "TallyCell",
    "TallyPair",
    "TallyQueue",
    "TallyState",
    "Target",
    "Unit",
    "User",
    "UserSession",
    "WeightSet",
    "WeightValue",
]
