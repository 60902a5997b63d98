"""Server-side sessions (issue 15, item 2), the sign-in cool-down (item 11) and passwords (item 10)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import LoginAttempt, User, UserSession
from app.base import utcnow
from app.extensions import db
from tests.factories import PASSWORD


def copy_of_cookie(client, app):
    """Another browser holding a copy of this browser's session cookie (as an attacker would)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, client, make_user, login):
    login(make_user("harper", "officer"))
    stolen = copy_of_cookie(client, app)
    assert stolen.get("/tasks/mine").status_code == 200
    assert client.post("/logout").status_code == 302
    response = stolen.get("/tasks/mine")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_session_ends_after_the_idle_time(app, client, make_user, login):
    login(make_user("harper", "officer"))
    assert client.get("/tasks/mine").status_code == 200
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - idle))
    db.session.commit()
    response = client.get("/tasks/mine")
    assert response.status_code == 302
    assert "without activity" in client.get("/login").get_data(as_text=True)
    assert db.session.scalar(sa.select(UserSession.end_reason)) == "idle"


def test_activity_keeps_a_session_open_and_the_shift_limit_ends_it(app, client, make_user, login):
    login(make_user("harper", "officer"))
    nearly_idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - nearly_idle))
    db.session.commit()
    assert client.get("/tasks/mine").status_code == 200
    assert utcnow() - db.session.scalar(sa.select(UserSession.last_seen_at)) < timedelta(minutes=1)
    shift = timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"] + 1)
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - shift))
    db.session.commit()
    assert client.get("/tasks/mine").status_code == 302


@pytest.mark.parametrize("how", ["deactivated", "password set", "signed out everywhere by an admin"])
def test_every_session_ends_when_an_admin_acts_on_the_user(app, client, make_user, login, how):
    user = make_user("harper", "officer")
    login(user)
    second = login(user, app.test_client())
    admin = login(make_user("root", "admin"), app.test_client())
    if how == "deactivated":
        data = {"display_name": "Harper", "roles": ["officer"], "version_id": str(user.version_id)}
        assert admin.post("/admin/users/harper", data=data).status_code == 302
    elif how == "password set":
        new = "plum orchard lantern quietly"
        assert (
            admin.post("/admin/users/harper/password", data={"pw-password": new, "pw-confirm": new}).status_code == 302
        )
    else:
        assert admin.post("/admin/users/harper/end-sessions").status_code == 302
    assert client.get("/tasks/mine").status_code == 302
    assert second.get("/tasks/mine").status_code == 302
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_a_user_signs_out_everywhere_and_changes_their_own_password(app, client, make_user, login):
    user = make_user("harper", "officer")
    login(user)
    other_device = login(user, app.test_client())
    account = client.get("/account").get_data(as_text=True)
    assert account.count("Signed in ") == 2 and "(this session)" in account
    new = "plum orchard lantern quietly"
    response = client.post("/account/password", data={"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new})
    assert response.status_code == 302
    assert other_device.get("/tasks/mine").status_code == 302  # the other device is signed out
    assert client.get("/tasks/mine").status_code == 200  # this one stays
    wrong = client.post("/account/password", data={"pw-current": "nope", "pw-password": new, "pw-confirm": new})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    assert client.post("/account/sign-out-everywhere").status_code == 302
    assert client.get("/tasks/mine").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.ended_at.is_(None))) == 0


def test_the_cookie_holds_a_random_session_id_and_the_table_only_its_hash(client, make_user, login):
    login(make_user("harper", "officer"))
    row = db.session.scalar(sa.select(UserSession))
    assert len(row.token_hash) == 64 and row.token_hash not in client.get_cookie("session").value


# ---- 11. the sign-in cool-down ----------------------------------------------------------------------


def _fail(client, username, times):
    for _ in range(times):
        client.post("/login", data={"username": username, "password": "wrong password"})


def test_failures_during_a_cool_down_do_not_prolong_it(app, client, make_user):
    make_user("casey", "officer")
    _fail(client, "casey", app.config["LOGIN_MAX_FAILURES"])
    refused = client.post("/login", data={"username": "casey", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Try again after" in refused.get_data(as_text=True)
    _fail(client, "casey", 20)  # an attacker keeps trying ...
    window = timedelta(minutes=app.config["LOGIN_THROTTLE_MINUTES"], seconds=1)
    # ... but once the window has passed since the counted failures, the user gets in.
    for attempt in db.session.scalars(sa.select(LoginAttempt).where(LoginAttempt.throttled.is_(False))):
        attempt.at -= window
    db.session.commit()
    assert client.post("/login", data={"username": "casey", "password": PASSWORD}).status_code == 302
    assert "failed sign-in attempts on your account" in client.get("/").get_data(as_text=True)


def test_an_admin_clears_a_cool_down(app, client, make_user, login):
    make_user("casey", "officer")
    _fail(client, "casey", app.config["LOGIN_MAX_FAILURES"])
    admin = login(make_user("root", "admin"), app.test_client())
    page = admin.get("/admin/users/casey").get_data(as_text=True)
    assert "cannot sign in until" in page
    assert admin.post("/admin/users/casey/clear-lockout").status_code == 302
    assert client.post("/login", data={"username": "casey", "password": PASSWORD}).status_code == 302


# ---- 10. passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("password1234", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("Pc.Morgan-2026!x", "must not contain the user's name"),
        ("short", "at least 12 characters"),
    ],
)
def test_weak_passwords_are_refused_everywhere(app, client, make_user, login, runner, password, message):
    admin = login(make_user("root", "admin"))
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "pc.morgan",
            "display_name": "Sam Morgan",
            "roles": ["officer"],
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    cli = runner.invoke(args=["users", "create", "pc.morgan", "--role", "officer", "--password-stdin"], input=password)
    assert cli.exit_code != 0 and message in cli.output
    assert db.session.scalar(sa.select(User).where(User.username == "pc.morgan")) is None
    make_user("pc.morgan", "officer")
    reset = admin.post("/admin/users/pc.morgan/password", data={"pw-password": password, "pw-confirm": password})
    assert reset.status_code == 400
    assert db.session.scalar(sa.select(User).where(User.username == "pc.morgan")).check_password(PASSWORD)


def test_a_generated_password_never_spells_a_piece_of_the_users_name():
    """Demo and staff accounts get random passwords; a random draw can spell "sol" in "PC Sol Quarrie"
    (the demo seeder failed that way about once in a hundred runs). With a name of 300 three-letter
    pieces about one plain draw in eight contains one, so fifty clean draws prove the generator checks."""
    from random import Random

    from app.auth.passwords import name_parts, password_problems, random_password

    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    rng = Random(7)
    display_name = " ".join("".join(rng.choice(letters) for _ in range(3)) for _ in range(300))
    for _ in range(50):
        password = random_password(username="pc.quarrie", display_name=display_name)
        assert password_problems(password, username="pc.quarrie", display_name=display_name) == []
        squashed = "".join(c for c in password.lower() if c.isalnum())
        assert not any(part in squashed for part in name_parts(display_name))
