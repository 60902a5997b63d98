"""Sign-in and sign-out pages, and user administration for admins."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import selectinload

from app.audit.services import Actor
from app.auth import bp, services
from app.auth.forms import (
    ClearLockoutForm,
    EndSessionsForm,
    LoginForm,
    LogoutForm,
    PasswordForm,
    RevokeTokensForm,
    UserCreateForm,
    UserEditForm,
)
from app.auth.login import SESSION_KEY
from app.auth.models import User
from app.base import EditConflict
from app.catalogue import ROLES
from app.extensions import db
from app.security import public, roles_required
from app.web import form_version, safe_next


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data, request.remote_addr)
        if result.user is not None:
            _sign_in(result)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        form.password.errors.append(result.error)
        status = 429 if result.throttled else 403 if result.refused else 200
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


def _sign_in(result) -> None:
    """Start a server-side session in a fresh cookie: whatever the cookie held before sign-in (the
    CSRF token above all) is dropped, so nothing planted in it carries over."""
    session_id = services.start_session(
        result.user, remote_addr=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    session.clear()
    login_user(result.user)
    session[SESSION_KEY] = session_id
    if result.failures:
        flash(
            f"There {'was' if result.failures == 1 else 'were'} {result.failures} failed sign-in "
            f"attempt{'' if result.failures == 1 else 's'} on your account since you last signed in. "
            "If that was not you, tell your supervisor.",
            "warning",
        )


@bp.route("/logout", methods=["POST"])
@roles_required(*ROLES)
def logout():
    if LogoutForm().validate_on_submit():
        services.record_logout(current_user, session.get(SESSION_KEY))
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


# ---- user administration (admin role) ------------------------------------------------------------


def _user_or_404(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users")
@roles_required("admin")
def users():
    rows = db.session.scalars(sa.select(User).options(selectinload(User.team)).order_by(User.username)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.username.data,
                form.roles.data,
                form.password.data,
                actor=Actor.of(current_user),
                display_name=form.display_name.data,
                team=(form.team.data or "").strip() or None,
            )
        except services.WeakPassword as exc:
            form.password.errors = [*form.password.errors, str(exc)]
            status = 400
        except services.AuthError as exc:
            form.username.errors = [*form.username.errors, str(exc)]
            status = 400
        else:
            flash(f"User {user.username} created. Give them their initial password in person.", "success")
            return redirect(url_for("auth.user_edit", username=user.username))
    elif form.is_submitted():
        status = 400
    return render_template("auth/user_new.html", form=form), status


@bp.route("/admin/users/<username>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(username):
    user = _user_or_404(username)
    # A post is read alone: a missing version must not be filled in from the record.
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    if request.method == "GET":
        form.roles.data = sorted(user.role_names)
        form.team.data = user.team.name if user.team else ""
        form.version_id.data = user.version_id
    status = 200
    if form.validate_on_submit():
        try:
            diff = services.update_user(
                user,
                display_name=form.display_name.data,
                roles=form.roles.data,
                team=form.team.data,
                active=form.active.data,
                expected_version=form_version(form.version_id),
                actor=Actor.of(current_user),
            )
        except EditConflict:
            db.session.rollback()
            user = _user_or_404(username)
            form.version_id.data = user.version_id
            flash(
                "Another administrator changed this user while you were editing. Check their changes below "
                "(your entries are kept) and save again.",
                "warning",
            )
            return _render_user(user, form, conflict=True, status=409)
        except services.AuthError as exc:
            db.session.rollback()
            form.roles.errors = [*form.roles.errors, str(exc)]
            status = 400
        else:
            flash("User saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("auth.user_edit", username=username))
    elif form.is_submitted():
        status = 400
    return _render_user(user, form, status=status)


def _render_user(user, form=None, *, password_form=None, conflict=False, status=200):
    if form is None:
        form = UserEditForm(obj=user, formdata=None)
        form.roles.data = sorted(user.role_names)
        form.team.data = user.team.name if user.team else ""
        form.version_id.data = user.version_id
    return render_template(
        "auth/user_edit.html",
        user=user,
        form=form,
        password_form=password_form or PasswordForm(prefix="pw"),
        revoke_form=RevokeTokensForm(prefix="rv"),
        sessions_form=EndSessionsForm(prefix="es"),
        lockout_form=ClearLockoutForm(prefix="lo"),
        open_sessions=services.open_sessions(user),
        cooldown_until=services.cooldown_until(user.username, None, user),
        conflict=conflict,
    ), status


@bp.route("/admin/users/<username>/password", methods=["POST"])
@roles_required("admin")
def user_password(username):
    user = _user_or_404(username)
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data, actor=Actor.of(current_user))
        except services.AuthError as exc:
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            flash(f"Password set for {user.username}; they were signed out everywhere.", "success")
            return redirect(url_for("auth.user_edit", username=username))
    return _render_user(user, password_form=form, status=400)


@bp.route("/admin/users/<username>/revoke-tokens", methods=["POST"])
@roles_required("admin")
def user_revoke_tokens(username):
    user = _user_or_404(username)
    form = RevokeTokensForm(prefix="rv")
    if form.validate_on_submit():
        revoked = services.revoke_tokens(user, actor=Actor.of(current_user))
        flash(f"{revoked} API token(s) revoked for {user.username}.", "success")
    elif form.confirm.errors:
        flash("Nothing was revoked: " + " ".join(form.confirm.errors), "danger")
    return redirect(url_for("auth.user_edit", username=username))


@bp.route("/admin/users/<username>/end-sessions", methods=["POST"])
@roles_required("admin")
def user_end_sessions(username):
    user = _user_or_404(username)
    if EndSessionsForm(prefix="es").validate_on_submit():
        ended = services.end_sessions(user, "ended_by_admin", actor=Actor.of(current_user))
        flash(f"{ended} session(s) of {user.username} ended: they must sign in again.", "success")
    return redirect(url_for("auth.user_edit", username=username))


@bp.route("/admin/users/<username>/clear-lockout", methods=["POST"])
@roles_required("admin")
def user_clear_lockout(username):
    user = _user_or_404(username)
    if ClearLockoutForm(prefix="lo").validate_on_submit():
        services.clear_lockout(user, actor=Actor.of(current_user))
        flash(f"{user.username} can try to sign in again now.", "success")
    return redirect(url_for("auth.user_edit", username=username))
