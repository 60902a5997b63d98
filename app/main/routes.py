"""Home page: what each role can do from here. (Health checks are in app.operations.)"""

from flask import render_template

from app.catalogue import ROLES
from app.main import bp
from app.security import roles_required


@bp.route("/")
@roles_required(*ROLES)
def index():
    return render_template("main/index.html")
