"""Sign-in and sign-out pages."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import LoginForm, LogoutForm
from app.catalogue import ROLES
from app.security import public, roles_required


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our sign-in page.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


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
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(result.error)
        status = 429 if result.throttled else 200
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@roles_required(*ROLES)
def logout():
    if LogoutForm().validate_on_submit():
        services.record_logout(current_user)
        logout_user()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
