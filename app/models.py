"""Imports every model module, so the metadata (and Alembic) sees all tables at once."""

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User, UserSession
from app.catalogue import LeverType, OffenceCategory, OrderType
from app.network import models as network_models  # noqa: F401  (the stored network findings)
from app.offenders.custody.models import CustodyPeriod
from app.offenders.merge.models import NotDuplicate, PersonMerge
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker
from app.offenders.retention.models import ReviewDecision
from app.operations.models import SchedulerHeartbeat
from app.orders.models import Breach, Order, OrderCondition
from app.ranking.models import CurrentScore, ScoreRow, ScoreRun, ScoringModel
from app.scheduler.models import JobRun
from app.tasking.models import CohortMember, MeetingAttendee, MeetingItem, Task, TaskingMeeting
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash.models import DashAnswer, DashAssessment
from app.victims.feedback.models import VictimFeedback
from app.victims.hub.models import HubResponse
from app.victims.idva.models import IdvaReferral
from app.victims.visits.models import VictimVisit

__all__ = [
    "Address",
    "Alert",
    "ApiToken",
    "AuditEntry",
    "Breach",
    "CohortMember",
    "ContactPreferences",
    "CurrentScore",
    "CustodyPeriod",
    "DAEvent",
    "DashAnswer",
    "DashAssessment",
    "HubResponse",
    "IdvaReferral",
    "JobRun",
    "Lever",
    "LeverType",
    "LoginAttempt",
    "MeetingAttendee",
    "MeetingItem",
    "NotDuplicate",
    "OffenceCategory",
    "Order",
    "OrderCondition",
    "OrderType",
    "Person",
    "PersonAlias",
    "PersonCategory",
    "PersonLink",
    "PersonMerge",
    "ReviewDecision",
    "Role",
    "SchedulerHeartbeat",
    "ScoreRow",
    "ScoreRun",
    "ScoringModel",
    "Task",
    "TaskingMeeting",
    "Team",
    "User",
    "UserSession",
    "VictimContact",
    "VictimFeedback",
    "VictimVisit",
    "WarningMarker",
]
