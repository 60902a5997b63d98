"""API routes common to every part: who am I."""

from flask import jsonify
from flask_login import current_user

from app.api import bp
from app.api.schema import errors
from app.catalogue import ROLES
from app.security import roles_required

PATHS = {
    "/whoami": {
        "get": {
            "summary": "The user the token belongs to, and their roles",
            "responses": {
                "200": {
                    "description": "The token's user",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "roles": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                **errors(401),
            },
        }
    },
}


@bp.get("/whoami")
@roles_required(*ROLES)
def whoami():
    return jsonify(username=current_user.username, roles=sorted(current_user.role_names))
