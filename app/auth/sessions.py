"""Server-side sessions: a random id in the cookie, a row here, and the rules that end it.

The Flask session cookie is signed but cannot be taken back once issued; so the signed-in user is
found through a `user_sessions` row instead, and ending that row (sign-out, idle time, deactivation,
a password change, "sign out everywhere") makes a copied cookie worthless at once.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.models import User, UserSession
from app.base import utcnow
from app.extensions import db

# last_seen_at is written at most this often: a page that fires several requests costs one write.
TOUCH_EVERY = timedelta(seconds=60)
END_REASONS = {
    "signed_out": "signed out",
    "idle": "no activity",
    "expired": "too long since sign-in",
    "everywhere": "signed out everywhere",
    "password_changed": "password changed",
    "deactivated": "account deactivated",
    "ended_by_admin": "ended by an administrator",
}


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])


def start(user: User, *, remote_addr: str | None, user_agent: str | None) -> str:
    """Open a session for a user who just proved who they are; return the id for the cookie."""
    session_id = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_hash(session_id),
            user_id=user.id,
            remote_addr=remote_addr,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return session_id


def find(session_id: str | None) -> UserSession | None:
    if not session_id or len(session_id) > 100:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(session_id)))


class Ended(Exception):
    """The session has ended; `reason` is one of END_REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_and_touch(row: UserSession) -> None:
    """Raise Ended when the session is over (ending it now if time ran out); else note the request."""
    if row.ended_at is not None:
        raise Ended(row.end_reason or "signed_out")
    now = utcnow()
    for reason, too_old in (
        ("idle", now - row.last_seen_at > idle_limit()),
        ("expired", now - row.created_at > lifetime()),
    ):
        if too_old:
            end(row, reason)
            db.session.commit()
            raise Ended(reason)
    if now - row.last_seen_at >= TOUCH_EVERY:
        # A plain UPDATE, so nothing else the request has loaded is expired by the commit.
        db.session.execute(sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        db.session.commit()


def end(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason


def end_all(user: User, reason: str, *, keep: int | None = None) -> int:
    """End every open session of the user (but `keep`, the id of the one in use); return how many."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(
        query.values(ended_at=utcnow(), end_reason=reason).execution_options(synchronize_session=False)
    ).rowcount


def open_sessions(user: User) -> list[UserSession]:
    cutoff = utcnow() - idle_limit()
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.last_seen_at >= cutoff)
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def prune(before) -> int:
    """Remove sessions that ended (or went idle) before the given moment: they open nothing."""
    return db.session.execute(
        sa.delete(UserSession).where(sa.or_(UserSession.ended_at < before, UserSession.last_seen_at < before))
    ).rowcount
