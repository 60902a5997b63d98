"""GET /api/v1/targets: the ranked list, the same objects as `flask rank --json`."""

from flask import jsonify, request
from flask_login import current_user

from app.api import bp
from app.api.schema import TARGET, errors
from app.audit.services import Actor
from app.ranking import services
from app.security import roles_required

READERS = ("supervisor", "analyst")


# Inline rather than under components: openapi.document() gathers paths only. Other routes that
# answer with a ranked object (POST /breaches' `score`) can use this same schema.

PATHS = {
    "/targets": {
        "get": {
            "summary": "The ranked target list (supervisor or analyst)",
            "description": "Ordered by priority, then harm, then latest event (newest first), then person reference. "
            "A person with no event in the 36-month window is not ranked. Same objects as `flask rank --json`.",
            "parameters": [
                {
                    "name": "as_of",
                    "in": "query",
                    "required": False,
                    "description": "Score as of this date (YYYY-MM-DD, not in the future); default today.",
                    "schema": {"type": "string", "format": "date"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Return only the first N ranked persons; default all.",
                    "schema": {"type": "integer", "minimum": 1},
                },
            ],
            "responses": {
                "200": {
                    "description": "The ranked persons, best first",
                    "content": {"application/json": {"schema": {"type": "array", "items": TARGET}}},
                },
                **errors(400, 401, 403),
            },
        }
    }
}


@bp.get("/targets")
@roles_required(*READERS)
def targets():
    try:
        as_of = services.parse_as_of(request.args.get("as_of"))
        limit = services.parse_limit(request.args.get("limit"))
    except services.BadInput as exc:
        return jsonify(error=exc.message, field=exc.field), 400
    scores = services.view_targets(as_of, limit, actor=Actor.of(current_user), via="API")
    return jsonify([s.to_json() for s in scores])
