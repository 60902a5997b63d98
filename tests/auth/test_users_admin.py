"""User administration by admins: create, change roles and team, deactivate, passwords, tokens."""

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth import services
from app.auth.models import ApiToken, User
from app.extensions import db
from tests.factories import PASSWORD, count


def get_user(username):
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


@pytest.fixture
def admin(make_user, login):
    user = make_user("root", "admin")
    login(user)
    return user


def test_admin_creates_a_user_who_can_then_sign_in(app, client, admin):
    response = client.post(
        "/admin/users/new",
        data={
            "username": "PC1234",
            "display_name": "PC Ollan",
            "roles": ["officer", "referral"],
            "team": "Team East",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 302
    user = get_user("pc1234")
    assert user.role_names == {"officer", "referral"} and user.team.name == "Team East"
    assert "PC Ollan" in client.get("/admin/users").get_data(as_text=True)
    with app.test_client() as other:
        assert (
            other.post("/login", data={"username": "pc1234", "password": "a long enough password"}).status_code == 302
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "Enter a username."),
        ({"username": "bad name!"}, "Use letters, digits, dots, hyphens or underscores only."),
        ({"roles": []}, "Give the user at least one role."),
        ({"roles": ["wizard"]}, "is not a valid choice for this field."),
        ({"password": "short", "confirm": "short"}, "Use at least 12 characters."),
        ({"confirm": "something else entirely"}, "The passwords do not match."),
        ({"username": "root"}, "already exists"),
    ],
)
def test_bad_new_users_are_refused_and_nothing_is_written(client, admin, changes, message):
    data = {
        "username": "newbie",
        "display_name": "New",
        "roles": ["officer"],
        "password": "a long enough password",
        "confirm": "a long enough password",
    } | changes
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(User) == 1


def test_admin_changes_roles_and_team_with_an_audit_entry(client, admin, make_user):
    user = make_user("pc9", "officer")
    response = client.post(
        "/admin/users/pc9",
        data={
            "display_name": "PC Nine",
            "roles": ["officer", "supervisor"],
            "team": "Team West",
            "active": "y",
            "version_id": user.version_id,
        },
    )
    assert response.status_code == 302
    user = get_user("pc9")
    assert user.role_names == {"officer", "supervisor"} and user.team.name == "Team West"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.username == "root" and entry.data["roles"] == {
        "before": ["officer"],
        "after": ["officer", "supervisor"],
    }


def test_deactivating_a_user_revokes_tokens_and_blocks_sign_in(app, client, admin, make_user):
    user = make_user("pc10", "officer")
    token = services.issue_token("pc10", actor=Actor("test"))
    response = client.post(
        "/admin/users/pc10", data={"display_name": "PC Ten", "roles": ["officer"], "version_id": user.version_id}
    )
    assert response.status_code == 302
    assert get_user("pc10").active is False
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is not None
    with app.test_client() as other:
        assert other.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert other.post("/login", data={"username": "pc10", "password": PASSWORD}).status_code == 200


def test_the_last_admin_cannot_lock_everyone_out(client, admin):
    response = client.post(
        "/admin/users/root",
        data={"display_name": "Root", "roles": ["analyst"], "active": "y", "version_id": admin.version_id},
    )
    assert response.status_code == 400
    assert "last active administrator" in response.get_data(as_text=True)
    assert get_user("root").role_names == {"admin"}


def test_two_admins_editing_one_user_the_second_gets_a_conflict(client, admin, make_user):
    user = make_user("pc11", "officer")
    stale = user.version_id
    first = client.post(
        "/admin/users/pc11", data={"display_name": "First", "roles": ["officer"], "active": "y", "version_id": stale}
    )
    assert first.status_code == 302
    second = client.post(
        "/admin/users/pc11", data={"display_name": "Second", "roles": ["analyst"], "active": "y", "version_id": stale}
    )
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert "Another administrator changed this user" in text and 'value="Second"' in text
    user = get_user("pc11")
    assert user.display_name == "First" and user.role_names == {"officer"}


def test_admin_sets_a_password_and_revokes_tokens(app, client, admin, make_user):
    make_user("pc12", "officer")
    short = client.post("/admin/users/pc12/password", data={"pw-password": "short", "pw-confirm": "short"})
    assert short.status_code == 400 and "Use at least 12 characters." in short.get_data(as_text=True)
    ok = client.post(
        "/admin/users/pc12/password",
        data={"pw-password": "another long password", "pw-confirm": "another long password"},
    )
    assert ok.status_code == 302
    assert get_user("pc12").check_password("another long password")
    services.issue_token("pc12", actor=Actor("test"))
    # Revoking cannot be undone, so it needs the box ticked: without it nothing is revoked.
    refused = client.post("/admin/users/pc12/revoke-tokens", follow_redirects=True)
    assert "Tick the box to confirm: revoking cannot be undone." in refused.get_data(as_text=True)
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is None
    assert client.post("/admin/users/pc12/revoke-tokens", data={"rv-confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is not None
    summaries = list(db.session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.username == "root")))
    assert "password reset for pc12" in summaries and "1 API token(s) revoked for pc12" in summaries
    assert all("another long password" not in str(e.data) for e in db.session.scalars(sa.select(AuditEntry)))


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/nobody").status_code == 404
