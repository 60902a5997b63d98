"""Users, their roles and teams, API tokens and the sign-in attempts used for throttling."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.base import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from app.extensions import db

user_roles = sa.Table(
    "user_roles",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.ForeignKey("roles.name"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text, unique=True)


class User(UserMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, unique=True)
    display_name: Mapped[str] = mapped_column(sa.Text)
    password_hash: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    # Made by `flask users demo`: such an account never signs in when the app runs in production.
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Failed sign-ins before this moment no longer count towards the sign-in cool-down (an admin cleared it).
    lockout_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    team: Mapped[Team | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_names(self) -> set[str]:
        return {r.name for r in self.roles}

    def has_any_role(self, *names: str) -> bool:
        return bool(self.role_names.intersection(names))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token: only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.Text, unique=True)
    prefix: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept so throttling works across processes and restarts."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, index=True)
    remote_addr: Mapped[str | None] = mapped_column(sa.Text, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(sa.Boolean)
    # Refused unchecked during a cool-down: such attempts never count, so they cannot prolong it.
    throttled: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class UserSession(db.Model):
    """A signed-in session. The browser's cookie holds a random id; only its SHA-256 is stored.

    A session ends (ended_at) on sign-out, after SESSION_IDLE_MINUTES without a request, after
    PERMANENT_SESSION_LIFETIME in all, and for every session of a user when they are deactivated,
    their password changes, or they (or an admin) sign them out everywhere. An ended session's
    cookie opens nothing.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.Text, unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.Text)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship()
