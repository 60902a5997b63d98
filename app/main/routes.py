"""Home page (what each role can do from here) and a health check for load balancers."""

import sqlalchemy as sa
from flask import render_template

from app.catalogue import ROLES
from app.extensions import db
from app.main import bp
from app.security import public, roles_required


@bp.route("/")
@roles_required(*ROLES)
def index():
    return render_template("main/index.html")


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
