"""API routes: who am I, and the OpenAPI document. Later issues add targets and breaches."""

from flask import jsonify
from flask_login import current_user

from app.api import bp
from app.api.openapi import document
from app.catalogue import ROLES
from app.security import roles_required


@bp.get("/whoami")
@roles_required(*ROLES)
def whoami():
    return jsonify(username=current_user.username, roles=sorted(current_user.role_names))


@bp.get("/openapi.json")
@roles_required(*ROLES)
def openapi():
    return jsonify(document())
