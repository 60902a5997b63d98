"""How a request's user is found: the signed-in user's id in the session (pages), or a bearer token
(the API, which never accepts the session cookie)."""

import hashlib

import sqlalchemy as sa

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
    if api_token is None or not api_token.user.is_active:
        return None
    api_token.last_used_at = utcnow()
    db.session.commit()
    return api_token.user


def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def init_app(app) -> None:
    login_manager.user_loader(_load_user)
    # app.security finds the API's user through this, without importing the auth part.
    app.extensions["bearer_token_user"] = user_for_token
