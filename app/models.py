"""Imports every model module, so the metadata (and Alembic) sees all tables at once."""

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User
from app.catalogue import LeverType, OffenceCategory, OrderType
from app.offenders.custody.models import CustodyPeriod
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker
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
    "OffenceCategory",
    "Order",
    "OrderCondition",
    "OrderType",
    "Person",
    "PersonAlias",
    "PersonCategory",
    "PersonLink",
    "Role",
    "SchedulerHeartbeat",
    "ScoreRow",
    "ScoreRun",
    "ScoringModel",
    "Task",
    "TaskingMeeting",
    "Team",
    "User",
    "VictimContact",
    "VictimFeedback",
    "VictimVisit",
    "WarningMarker",
]
