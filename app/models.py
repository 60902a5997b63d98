"""Imports every model module, so the metadata (and Alembic) sees all tables at once."""

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User
from app.catalogue import LeverType, OffenceCategory, OrderType
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker
from app.orders.models import Breach, Order, OrderCondition
from app.ranking.models import ScoreRow, ScoreRun, ScoringModel
from app.scheduler.models import JobRun
from app.tasking.models import CohortMember, MeetingAttendee, MeetingItem, Task, TaskingMeeting

__all__ = [
    "Address",
    "Alert",
    "ApiToken",
    "AuditEntry",
    "Breach",
    "CohortMember",
    "DAEvent",
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
    "ScoreRow",
    "ScoreRun",
    "ScoringModel",
    "Task",
    "TaskingMeeting",
    "Team",
    "User",
    "WarningMarker",
]
