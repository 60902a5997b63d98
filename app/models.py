"""Imports every model module, so the metadata (and Alembic) sees all tables at once."""

from app.audit.models import AuditEntry
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User
from app.catalogue import LeverType, OffenceCategory, OrderType
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker
from app.orders.models import Breach, Order, OrderCondition
from app.tasking.models import Alert, JobRun, ScoreRow, ScoreRun, ScoringModel, Task

__all__ = [
    "Address",
    "Alert",
    "ApiToken",
    "AuditEntry",
    "Breach",
    "DAEvent",
    "JobRun",
    "Lever",
    "LeverType",
    "LoginAttempt",
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
    "Team",
    "User",
    "WarningMarker",
]
