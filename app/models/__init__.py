"""Every table, imported here so that Alembic sees one metadata."""

from app.models.alert import AlertKindOff, AlertOptOut, AlertSent
from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.comment import Comment
from app.models.dossier_event import DossierEvent
from app.models.dossier_tally import (
    DossierFold,
    DossierRatingState,
    DossierRatingTally,
    DossierTally,
)
from app.models.form import FormVersion
from app.models.frame import Dossier, FrameCell
from app.models.improvement_action import (
    ImprovementAction,
    ImprovementDemand,
    ImprovementEvidence,
    ImprovementFigures,
    ImprovementNote,
)
from app.models.integrity import DeviceWindow, IntegritySummary, Kiosk
from app.models.invitation import Invitation
from app.models.job import Job
from app.models.message import MessageBatch, MessageOptOut, OutboundMessage
from app.models.public_revision import PublicFile, PublicRevision
from app.models.quota import Quota
from app.models.replicate import ReplicateChunk, ReplicateSet
from app.models.response import Answer, Response, ResponseFlag
from app.models.round import Round, RoundUnit
from app.models.sample_draw import SampleDraw, SampleSelection
from app.models.sample_plan import SamplePlan, SampleStratum
from app.models.session import LoginFailure, UserSession
from app.models.snapshot import ReportSnapshot, ReportSnapshotItem
from app.models.tally import TallyCell, TallyPair, TallyQueue, TallyState
from app.models.target import Target
from app.models.target_watch import TargetWatch
from app.models.unit import Unit
from app.models.unit_event import UnitEvent
from app.models.unit_link import UnitLink
from app.models.unit_tree import UnitTreeStored
from app.models.unit_version import UnitVersion
from app.models.user import Grant, User
from app.models.webhook import WebhookCursor, WebhookDelivery, WebhookSubscription
from app.models.weight import WeightSet, WeightValue

__all__ = [
    "AlertKindOff",
    "AlertOptOut",
    "AlertSent",
    "Answer",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Comment",
    "DeviceWindow",
    "Dossier",
    "DossierEvent",
    "DossierFold",
    "DossierRatingState",
    "DossierRatingTally",
    "DossierTally",
    "FormVersion",
    "FrameCell",
    "Grant",
    "ImprovementAction",
    "ImprovementDemand",
    "ImprovementEvidence",
    "ImprovementFigures",
    "ImprovementNote",
    "IntegritySummary",
    "Invitation",
    "Job",
    "Kiosk",
    "LoginFailure",
    "MessageBatch",
    "MessageOptOut",
    "OutboundMessage",
    "PublicFile",
    "PublicRevision",
    "Quota",
    "ReplicateChunk",
    "ReplicateSet",
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
    "TargetWatch",
    "Unit",
    "UnitEvent",
    "UnitLink",
    "UnitTreeStored",
    "UnitVersion",
    "User",
    "UserSession",
    "WebhookCursor",
    "WebhookDelivery",
    "WebhookSubscription",
    "WeightSet",
    "WeightValue",
]
