"""Shared column types and helpers: UTC time, timestamps and optimistic-lock versions."""

import re
import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The one source of "now": timezone-aware UTC."""
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite drops tzinfo on the way back; PostgreSQL keeps it. Both come back aware here, so
    comparisons never mix naive and aware values.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking: an UPDATE whose version no longer matches raises StaleDataError.

    Forms carry the version they were rendered with; services compare it before writing, and
    SQLAlchemy checks it again in the UPDATE itself, so a race between two writers is caught.
    """

    version_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version_id}


class EditConflict(Exception):
    """Someone else saved the record after this edit began; nothing was written."""


class ValidationFailed(Exception):
    """The values cannot be saved. `errors` must be fixed; `warnings` need the user's confirmation.

    Both map a field name to a message a user can act on.
    """

    def __init__(self, errors: dict[str, str], warnings: dict[str, str] | None = None):
        self.errors = errors
        self.warnings = warnings or {}
        super().__init__("; ".join(f"{k}: {v}" for k, v in {**self.errors, **self.warnings}.items()))


# ---- local time: officers enter and read UK local time; storage is UTC ---------------------------


def local_zone() -> ZoneInfo:
    name = current_app.config.get("ACHILLES_TIMEZONE", "Europe/London") if has_app_context() else "Europe/London"
    return ZoneInfo(name)


def local_date(moment: datetime) -> date:
    """The calendar day on which an instant fell in UK local time (the day police records use)."""
    return moment.astimezone(local_zone()).date()


def local_today() -> date:
    """Today in UK local time. It differs from the UTC date only in the first hour of a BST day;
    a breach logged then is dated (and scored) on the day the officer sees on the clock."""
    return local_date(utcnow())


def local_time(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=local_zone())


def uk_date(value, default: str = "—") -> str:
    """A date (or the local day of an instant) the one way Achilles shows dates: 25 Oct 2026."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = local_date(value) if value.tzinfo else value.date()
    return value.strftime("%d %b %Y")


def local_datetime(moment: datetime | None) -> str:
    """A stored UTC instant as the UK local time officers read: 25 Oct 2026 14:05."""
    if moment is None:
        return "—"
    return moment.astimezone(local_zone()).strftime("%d %b %Y %H:%M")


# ---- references ----------------------------------------------------------------------------------

# A reference from the force's records system, and a PNC ID (e.g. 2019/1234567A).
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")
PNC_PATTERN = re.compile(r"^(\d{2}|\d{4})/\d{1,7}[A-Z]$")
# References of records made in Achilles start with this; an import refuses them, so never collide.
ACHILLES_REF_PREFIX = "ACH-"


def assign_ref(obj, prefix: str) -> str:
    """Give a new row a reference from its primary key: unique on both engines under concurrency.

    The row is inserted with a throwaway reference, and the reference is then set from the id the
    database gave it (a PostgreSQL sequence, SQLite's rowid), inside the same transaction. A plain
    UPDATE statement is used so the row's optimistic-lock version stays at 1.
    """
    from app.extensions import db

    db.session.flush()
    model = type(obj)
    ref = f"{prefix}{obj.id:06d}"
    db.session.execute(
        sa.update(model).where(model.id == obj.id).values(ref=ref).execution_options(synchronize_session=False)
    )
    set_committed_value(obj, "ref", ref)
    return ref


def move_rows(model, column: str, ids, to_id: int) -> None:
    """Point the rows `ids` of a model at another person (a person merge and its undo): one UPDATE,
    bumping `version_id` where the model has one, so an edit begun before the move is refused as a
    conflict rather than writing over it."""
    from app.extensions import db

    if not ids:
        return
    values = {column: to_id}
    if hasattr(model, "version_id"):
        values["version_id"] = model.version_id + 1
    db.session.execute(
        sa.update(model).where(model.id.in_(ids)).values(values).execution_options(synchronize_session=False)
    )


def placeholder_ref() -> str:
    return f"pending:{uuid.uuid4().hex}"


def stripped(text: str | None) -> str:
    """A form or API text with surrounding spaces removed; empty when nothing was given."""
    return (text or "").strip()


def id_list(name: str, ids) -> sa.BindParameter:
    """A list of ids written into the statement (ints only), so no driver limit on parameters."""
    return sa.bindparam(name, sorted(ids), expanding=True, literal_execute=True)


def in_vocabulary(column: str, vocabulary) -> str:
    """A CHECK constraint's text: the column holds one of the vocabulary's codes."""
    return f"{column} IN ({', '.join(repr(code) for code in vocabulary)})"
