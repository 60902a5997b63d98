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
            "A person with no event in the 36-month window is not ranked. Same objects as `flask rank --json`. "
            "Without as_of (and model) the answer is the current scores: the last full ranking, updated by "
            "every re-score since (a breach, an event, a lever, a custody change, an import); nothing is "
            "worked out again. With as_of or another model version the list is worked out for that day.",
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
                {
                    "name": "model",
                    "in": "query",
                    "required": False,
                    "description": "Score with this published scoring model version; default the current one.",
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
    raw_as_of = request.args.get("as_of")
    try:
        as_of = services.parse_as_of(raw_as_of) if raw_as_of is not None and raw_as_of.strip() else None
        limit = services.parse_limit(request.args.get("limit"))
        model = services.parse_model(request.args.get("model"))
    except services.BadInput as exc:
        return jsonify(error=exc.message, field=exc.field), 400
    return jsonify(services.view_targets(as_of, limit, actor=Actor.of(current_user), via="API", model=model))
