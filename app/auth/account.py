"""The signed-in user's own account: their open sessions, "sign out everywhere", a new password."""

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from app.audit.services import Actor
from app.auth import bp, services
from app.auth.forms import EndSessionsForm, OwnPasswordForm
from app.catalogue import ROLES
from app.security import roles_required


def _render(password_form=None, status=200):
    return render_template(
        "auth/account.html",
        open_sessions=services.open_sessions(current_user),
        this_session=getattr(current_user, "session_id", None),
        sessions_form=EndSessionsForm(prefix="es"),
        password_form=password_form or OwnPasswordForm(prefix="pw"),
    ), status


@bp.route("/account")
@roles_required(*ROLES)
def account():
    return _render()


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@roles_required(*ROLES)
def sign_out_everywhere():
    if EndSessionsForm(prefix="es").validate_on_submit():
        services.end_sessions(current_user, "everywhere", actor=Actor.of(current_user))
        logout_user()
        session.clear()
        flash("You were signed out on every device, this one included.", "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["POST"])
@roles_required(*ROLES)
def own_password():
    form = OwnPasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_own_password(
                current_user, form.current.data, form.password.data, session_id=current_user.session_id
            )
        except services.WeakPassword as exc:
            form.password.errors = [*form.password.errors, str(exc)]
        except services.AuthError as exc:
            form.current.errors = [*form.current.errors, str(exc)]
        else:
            flash("Password changed. Your other sessions were signed out.", "success")
            return redirect(url_for("auth.account"))
    return _render(form, 400)
