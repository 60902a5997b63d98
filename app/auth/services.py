"""Sign-in with throttling, user creation and API tokens. Each writes its audit entry."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import services as audit
from app.audit.services import Actor
from app.auth import sessions
from app.auth.login import hash_token
from app.auth.models import ApiToken, LoginAttempt, Role, Team, User
from app.auth.passwords import password_problems
from app.base import EditConflict, local_zone, utcnow
from app.catalogue import ROLES
from app.extensions import db

_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AuthError(Exception):
    """A refusal whose message can be shown to the person signing in."""


class WeakPassword(AuthError):
    """The password may not be used; the message says why."""


@dataclass
class SignIn:
    user: User | None
    error: str | None = None
    throttled: bool = False
    refused: bool = False  # a demo account in production
    failures: int = 0  # failed sign-ins for this name since the user's previous sign-in


def _counted_failures(since: datetime, *, username: str | None = None, remote_addr: str | None = None):
    """Failed sign-ins since `since` that count towards a cool-down: their number and the latest."""
    query = sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.success.is_(False), LoginAttempt.throttled.is_(False), LoginAttempt.at >= since
    )
    if username is not None:
        query = query.where(LoginAttempt.username == username)
    if remote_addr is not None:
        query = query.where(LoginAttempt.remote_addr == remote_addr)
    number, latest = db.session.execute(query).one()
    return number, latest


def cooldown_until(username: str, remote_addr: str | None, user: User | None = None) -> datetime | None:
    """When sign-in may be tried again, or None when it may be tried now.

    LOGIN_MAX_FAILURES failures for a username (or LOGIN_MAX_FAILURES_PER_ADDRESS from an address)
    within LOGIN_THROTTLE_MINUTES start a cool-down of that length from the last of them. Attempts
    refused during the cool-down are not counted, so nobody can keep a user locked out by trying
    again and again; an admin can clear a user's cool-down at once (`clear_lockout`).
    """
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"])
    since = utcnow() - window
    if user is not None and user.lockout_cleared_at is not None:
        since = max(since, user.lockout_cleared_at)
    ends = []
    number, latest = _counted_failures(since, username=username)
    if number >= config["LOGIN_MAX_FAILURES"]:
        ends.append(latest + window)
    if remote_addr is not None:
        number, latest = _counted_failures(utcnow() - window, remote_addr=remote_addr)
        if number >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
            ends.append(latest + window)
    return max(ends) if ends else None


def _demo_refused(user: User | None) -> bool:
    return user is not None and user.is_demo and current_app.config["ACHILLES_ENV"] == "production"


def failures_since_last_sign_in(user: User) -> int:
    """Failed sign-ins for the user's name since their previous successful one (shown on sign-in)."""
    previous = db.session.scalar(
        sa.select(sa.func.max(LoginAttempt.at)).where(LoginAttempt.username == user.username, LoginAttempt.success)
    )
    query = sa.select(sa.func.count()).where(LoginAttempt.username == user.username, LoginAttempt.success.is_(False))
    if previous is not None:
        query = query.where(LoginAttempt.at > previous)
    return db.session.scalar(query)


def authenticate(username: str, password: str, remote_addr: str | None) -> SignIn:
    """Check a sign-in. During a cool-down even a right password is refused, unchecked."""
    username = username.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    until = cooldown_until(username, remote_addr, user)
    if user is None:
        # Spend the same time as a real check, so response times do not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
    ok = until is None and user is not None and user.is_active and user.check_password(password)
    demo = ok and _demo_refused(user)
    earlier_failures = failures_since_last_sign_in(user) if ok and not demo else 0
    db.session.add(
        LoginAttempt(username=username, remote_addr=remote_addr, success=ok and not demo, throttled=until is not None)
    )
    if ok and not demo:
        audit.record("login", f"{username} signed in", object_type="user", object_ref=username, actor=Actor.of(user))
        db.session.commit()
        return SignIn(user, failures=earlier_failures)
    why = "cool-down" if until else ("demo account in production" if demo else "bad credentials")
    audit.record(
        "login_failed",
        f"sign-in refused for {username!r} ({why})",
        object_type="user",
        object_ref=username,
        actor=Actor(username, user.id if user else None),
    )
    db.session.commit()
    if until is not None:
        at = until.astimezone(local_zone()).strftime("%H:%M")
        return SignIn(
            None,
            f"Too many failed sign-ins. Try again after {at} (UK time), or ask an administrator to clear the lock.",
            throttled=True,
        )
    if demo:
        return SignIn(None, "Demo accounts cannot sign in when Achilles runs in production.", refused=True)
    return SignIn(None, "The username or password is not right.")


def clear_lockout(user: User, *, actor: Actor) -> None:
    """An admin lets a user try again now: their earlier failed sign-ins stop counting."""
    user.lockout_cleared_at = utcnow()
    audit.record(
        "update",
        f"sign-in cool-down cleared for {user.username}",
        object_type="user",
        object_ref=user.username,
        actor=actor,
    )
    db.session.commit()


def record_logout(user: User, session_id: str | None) -> None:
    row = sessions.find(session_id)
    if row is not None:
        sessions.end(row, "signed_out")
    audit.record(
        "logout", f"{user.username} signed out", object_type="user", object_ref=user.username, actor=Actor.of(user)
    )
    db.session.commit()


def open_sessions(user: User):
    return sessions.open_sessions(user)


def start_session(user: User, *, remote_addr: str | None, user_agent: str | None) -> str:
    session_id = sessions.start(user, remote_addr=remote_addr, user_agent=user_agent)
    db.session.commit()
    return session_id


def end_sessions(user: User, reason: str, *, actor: Actor, keep: int | None = None) -> int:
    """Sign a user out everywhere (but the session `keep`); audited."""
    ended = sessions.end_all(user, reason, keep=keep)
    audit.record(
        "update",
        f"{ended} session(s) of {user.username} ended ({sessions.END_REASONS[reason]})",
        object_type="user",
        object_ref=user.username,
        actor=actor,
    )
    db.session.commit()
    return ended


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
    return errors


def create_user(
    username: str,
    roles: list[str],
    password: str,
    *,
    actor: Actor,
    display_name: str | None = None,
    team: str | None = None,
    demo: bool = False,
) -> User:
    errors = validate_new_user(username, roles, password)
    if errors:
        raise AuthError(" ".join(errors))
    problems = password_problems(password, username=username, display_name=display_name)
    if problems:
        raise WeakPassword(" ".join(problems))
    username = username.lower()
    user = User(username=username, display_name=display_name or username, active=True, is_demo=demo)
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
        sessions.end_all(user, "deactivated")
    db.session.commit()
    return diff


def set_password(user: User, password: str, *, actor: Actor, keep_session: int | None = None) -> None:
    """Give the user a new password and end their sessions (but `keep_session`: the one in use
    when a user changes their own)."""
    problems = password_problems(password, username=user.username, display_name=user.display_name)
    if problems:
        raise WeakPassword(" ".join(problems))
    user.set_password(password)
    sessions.end_all(user, "password_changed", keep=keep_session)
    summary = "password changed" if actor.user_id == user.id else "password reset"
    audit.record("update", f"{summary} for {user.username}", object_type="user", object_ref=user.username, actor=actor)
    db.session.commit()


def change_own_password(user: User, current: str, new: str, *, session_id: int | None) -> None:
    if not user.check_password(current):
        raise AuthError("The current password is not right.")
    set_password(user, new, actor=Actor.of(user), keep_session=session_id)


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
    deleted_sessions = sessions.prune(cutoff)
    audit.record(
        "delete",
        f"{deleted} sign-in attempt(s) and {deleted_sessions} ended session(s) older than "
        f"{LOGIN_ATTEMPTS_KEPT_DAYS} days removed",
        object_type="login_attempts",
        actor=actor,
    )
    db.session.commit()
    return deleted
