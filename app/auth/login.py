"""How a request's user is found: the server-side session named by the cookie (pages), or a bearer
token (the API, which never accepts the session cookie)."""

import hashlib

import sqlalchemy as sa
from flask import current_app, flash, session

from app.auth import sessions
from app.auth.models import ApiToken, User
from app.base import utcnow
from app.extensions import db, login_manager


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str) -> User | None:
    """The active user an API token belongs to, unless it is revoked; the token's use is noted."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.is_active or _demo_in_production(api_token.user):
        return None
    api_token.last_used_at = utcnow()
    db.session.commit()
    return api_token.user


def _demo_in_production(user: User) -> bool:
    return user.is_demo and current_app.config["ACHILLES_ENV"] == "production"


SESSION_KEY = "sid"
ENDED_MESSAGES = {
    "idle": "You were signed out after {minutes} minutes without activity. Sign in again.",
    "expired": "Your session reached its time limit. Sign in again.",
}


def _load_user(user_id: str) -> User | None:
    """The user of the open server-side session the cookie names, if it is theirs and still open."""
    row = sessions.find(session.get(SESSION_KEY))
    if row is None or not user_id.isdigit() or row.user_id != int(user_id):
        return None
    try:
        sessions.check_and_touch(row)
    except sessions.Ended as ended:
        session.clear()
        if ended.reason in ENDED_MESSAGES:
            flash(ENDED_MESSAGES[ended.reason].format(minutes=current_app.config["SESSION_IDLE_MINUTES"]), "info")
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active or _demo_in_production(user):
        return None
    # What the audit part reads to know what this user said earlier in this same session.
    user.session_id = row.id
    user.session_started_at = row.created_at
    return user


def init_app(app) -> None:
    login_manager.user_loader(_load_user)
    # app.security finds the API's user through this, without importing the auth part.
    app.extensions["bearer_token_user"] = user_for_token
