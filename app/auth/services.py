"""Sign-in with throttling, user creation and API tokens. Each writes its audit entry."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.login import hash_token
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User
from app.base import EditConflict, utcnow
from app.catalogue import ROLES
from app.extensions import db

MIN_PASSWORD_LENGTH = 12
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AuthError(Exception):
    """A refusal whose message can be shown to the person signing in."""


class Throttled(AuthError):
    pass


@dataclass
class SignIn:
    user: User | None
    error: str | None = None
    throttled: bool = False


def _recent_failures(*, username: str | None = None, remote_addr: str | None = None) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])
    query = (
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    if remote_addr is not None:
        query = query.where(LoginAttempt.remote_addr == remote_addr)
    return db.session.scalar(query)


def authenticate(username: str, password: str, remote_addr: str | None) -> SignIn:
    """Check a sign-in. Too many recent failures for the name or the address refuse even a right password."""
    username = username.strip().lower()
    config = current_app.config
    minutes = config["LOGIN_THROTTLE_MINUTES"]
    throttled = _recent_failures(username=username) >= config["LOGIN_MAX_FAILURES"] or (
        remote_addr is not None
        and _recent_failures(remote_addr=remote_addr) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
    ok = not throttled and user is not None and user.is_active and user.check_password(password)
    db.session.add(LoginAttempt(username=username, remote_addr=remote_addr, success=ok))
    if ok:
        audit.record("login", f"{username} signed in", object_type="user", object_ref=username, actor=Actor.of(user))
        db.session.commit()
        return SignIn(user)
    why = "throttled" if throttled else "bad credentials"
    audit.record(
        "login_failed",
        f"sign-in refused for {username!r} ({why})",
        object_type="user",
        object_ref=username,
        actor=Actor(username, user.id if user else None),
    )
    db.session.commit()
    if throttled:
        return SignIn(None, f"Too many failed sign-ins. Try again in {minutes} minutes.", throttled=True)
    return SignIn(None, "The username or password is not right.")


def record_logout(user: User) -> None:
    audit.record(
        "logout", f"{user.username} signed out", object_type="user", object_ref=user.username, actor=Actor.of(user)
    )
    db.session.commit()


def validate_new_user(username: str, roles: list[str], password: str) -> list[str]:
    errors = []
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        errors.append("The username must be letters, digits, dots, hyphens or underscores.")
    elif db.session.scalar(sa.select(User.id).where(User.username == username.lower())):
        errors.append(f"A user called {username!r} already exists.")
    if not roles:
        errors.append("Give the user at least one role.")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        errors.append(f"Unknown role {', '.join(unknown)}: choose from {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    return errors


def create_user(
    username: str,
    roles: list[str],
    password: str,
    *,
    actor: Actor,
    display_name: str | None = None,
    team: str | None = None,
) -> User:
    errors = validate_new_user(username, roles, password)
    if errors:
        raise AuthError(" ".join(errors))
    username = username.lower()
    user = User(username=username, display_name=display_name or username, active=True)
    user.set_password(password)
    user.roles = list(db.session.scalars(sa.select(Role).where(Role.name.in_(roles))))
    if team:
        user.team = db.session.scalar(sa.select(Team).where(Team.name == team)) or Team(name=team)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "create",
        f"user {username} created with roles {', '.join(sorted(roles))}",
        object_type="user",
        object_ref=username,
        data={"roles": sorted(roles), "team": team},
        actor=actor,
    )
    db.session.commit()
    return user


def issue_token(username: str, *, actor: Actor) -> str:
    """Make a new API token for the user; return it once. Only its hash is kept."""
    user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None:
        raise AuthError(f"No user called {username!r}.")
    token = "ach_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10]))
    audit.record(
        "token", f"API token issued for {user.username}", object_type="user", object_ref=user.username, actor=actor
    )
    db.session.commit()
    return token


USER_FIELDS = ("display_name", "active", "team", "roles")


def _user_snapshot(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "active": user.active,
        "team": user.team.name if user.team else None,
        "roles": sorted(user.role_names),
    }


def _team(name: str | None) -> Team | None:
    name = (name or "").strip()
    if not name:
        return None
    return db.session.scalar(sa.select(Team).where(Team.name == name)) or Team(name=name)


def _active_admins_other_than(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(User.id)))
        .join(User.roles)
        .where(Role.name == "admin", User.active.is_(True), User.id != user.id)
    )


def update_user(
    user: User,
    *,
    display_name: str,
    roles: list[str],
    team: str | None,
    active: bool,
    expected_version: int,
    actor: Actor,
) -> dict:
    """Change a user's name, roles, team or active flag; return the audited changes.

    An admin cannot lock the system out: the last active admin keeps the role and stays active.
    """
    if user.version_id != expected_version:
        raise EditConflict()
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        raise AuthError("Give the user at least one role." if not roles else f"Unknown role {', '.join(unknown)}.")
    losing_admin = "admin" in user.role_names and ("admin" not in roles or not active)
    if losing_admin and _active_admins_other_than(user) == 0:
        raise AuthError("This is the last active administrator: keep the admin role and the account active.")
    before = _user_snapshot(user)
    user.display_name = display_name.strip() or user.username
    user.active = active
    user.team = _team(team)
    user.roles = list(db.session.scalars(sa.select(Role).where(Role.name.in_(roles))))
    diff = audit.changes(before, _user_snapshot(user))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update", f"user {user.username} changed", object_type="user", object_ref=user.username, data=diff, actor=actor
    )
    if "active" in diff and not active:
        _revoke_tokens(user)
    db.session.commit()
    return diff


def set_password(user: User, password: str, *, actor: Actor) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    user.set_password(password)
    audit.record(
        "update", f"password reset for {user.username}", object_type="user", object_ref=user.username, actor=actor
    )
    db.session.commit()


def _revoke_tokens(user: User) -> int:
    tokens = list(
        db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    )
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)


def revoke_tokens(user: User, *, actor: Actor) -> int:
    revoked = _revoke_tokens(user)
    audit.record(
        "update",
        f"{revoked} API token(s) revoked for {user.username}",
        object_type="user",
        object_ref=user.username,
        actor=actor,
    )
    db.session.commit()
    return revoked


LOGIN_ATTEMPTS_KEPT_DAYS = 90


def prune_login_attempts(as_of: datetime, *, actor: Actor) -> int:
    """Sign-in attempts serve throttling only; keep three months for security review, no more."""
    cutoff = as_of - timedelta(days=LOGIN_ATTEMPTS_KEPT_DAYS)
    deleted = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
    audit.record(
        "delete",
        f"{deleted} sign-in attempt(s) older than {LOGIN_ATTEMPTS_KEPT_DAYS} days removed",
        object_type="login_attempts",
        actor=actor,
    )
    db.session.commit()
    return deleted
