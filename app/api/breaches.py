"""POST /api/v1/breaches: log a breach against an order (officer or supervisor token).

The same service as the web form (`app.orders.breaches.services.log_breach`) does the work, so a breach
sent here becomes a DA event, raises its enforcement task and re-scores the subject at once.
"""

import json
from datetime import UTC, datetime

from flask import jsonify, request
from flask_login import current_user

from app.api import bp
from app.api.schema import TARGET, errors
from app.orders import services as order_services
from app.orders.breaches import services as breach_services
from app.orders.models import Breach
from app.security import roles_required

LOGGERS = ("officer", "supervisor")
REQUIRED = ("order_ref", "occurred_at", "conditions", "narrative", "arrested")
OPTIONAL = ("reported_how", "protected_person_told", "protected_ref")
MAX_KEY = 200


class BadRequest(Exception):
    def __init__(self, status: int, message: str, field: str):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _error(status: int, message: str, field: str, **extra):
    return jsonify(error=message, field=field, **extra), status


def parse_occurred_at(value) -> datetime:
    """An ISO 8601 date and time; `Z` or an offset is honoured, a time without one is taken as UTC."""
    example = "for example 2026-11-21T14:30:00Z or 2026-11-21T14:30:00+00:00"
    if not isinstance(value, str):
        raise BadRequest(400, f"occurred_at must be a string holding a date and time, {example}.", "occurred_at")
    text = value.strip()
    if len(text) <= 10 or not any(sep in text[8:] for sep in ("T", "t", " ")):
        raise BadRequest(400, f"occurred_at must give a time as well as a date, {example}.", "occurred_at")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            400, f"occurred_at {text!r} is not an ISO 8601 date and time, {example}.", "occurred_at"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year < 1900 or moment.year > 9000:
        # Far outside any breach's life; and near year 1 or 9999 a change of time zone overflows.
        raise BadRequest(400, f"occurred_at {text!r} is not a plausible date for a breach.", "occurred_at")
    return moment


def _is_int(value) -> bool:
    # JSON true/false arrive as bool, which Python counts as int: not a condition number.
    return isinstance(value, int) and not isinstance(value, bool)


def parse_body() -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest(400, "The request has no body: send the breach as a JSON object.", "body")
    if not request.is_json:
        raise BadRequest(415, "Send the body as JSON with the header Content-Type: application/json.", "Content-Type")
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest(400, "The body is not valid JSON.", "body") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "The body must be a JSON object with the breach's fields.", "body")
    for name in body:
        if name not in REQUIRED and name not in OPTIONAL:
            known = ", ".join((*REQUIRED, *OPTIONAL))
            raise BadRequest(400, f"{name!r} is not a field of a breach; the fields are {known}.", str(name))
    for name in REQUIRED:
        if name not in body or body[name] is None:
            raise BadRequest(400, f"{name} is required.", name)

    if not isinstance(body["order_ref"], str) or not body["order_ref"].strip():
        raise BadRequest(400, "order_ref must be the order's reference, as a non-empty string.", "order_ref")
    if len(body["order_ref"]) > 64:
        raise BadRequest(400, "order_ref is longer than any order reference (64 characters).", "order_ref")
    occurred_at = parse_occurred_at(body["occurred_at"])
    conditions = body["conditions"]
    if not isinstance(conditions, list) or not all(_is_int(n) for n in conditions):
        raise BadRequest(400, "conditions must be a list of condition numbers, for example [1, 3].", "conditions")
    if not conditions:
        raise BadRequest(400, "conditions must name at least one condition number.", "conditions")
    if not isinstance(body["narrative"], str):
        raise BadRequest(400, "narrative must be a string saying what happened.", "narrative")
    if not isinstance(body["arrested"], bool):
        raise BadRequest(400, "arrested must be true or false.", "arrested")
    reported_how = body.get("reported_how")
    if reported_how is not None and not isinstance(reported_how, str):
        raise BadRequest(400, "reported_how must be a string.", "reported_how")
    told = body.get("protected_person_told")
    if told is not None and not isinstance(told, bool):
        raise BadRequest(400, "protected_person_told must be true or false.", "protected_person_told")
    protected_ref = body.get("protected_ref")
    if protected_ref is not None and (not isinstance(protected_ref, str) or not protected_ref.strip()):
        raise BadRequest(400, "protected_ref must be a person reference, as a non-empty string.", "protected_ref")
    return {
        "order_ref": body["order_ref"].strip(),
        "report": breach_services.BreachReport(
            occurred_at=occurred_at,
            conditions=conditions,
            narrative=body["narrative"],
            arrested=body["arrested"],
            reported_how=reported_how,
            protected_person_told=told,
            protected_ref=protected_ref.strip() if protected_ref else None,
        ),
    }


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise BadRequest(
            400,
            f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters (a UUID is best).",
            "Idempotency-Key",
        )
    return key


def _same_request(breach: Breach, order_ref: str, report: breach_services.BreachReport) -> bool:
    return (
        breach.order.ref == order_ref
        and breach.occurred_at == report.occurred_at.astimezone(UTC)
        and sorted(c.number for c in breach.conditions) == sorted(report.conditions)
        and breach.narrative == report.narrative.strip()
        and breach.arrested == report.arrested
    )


def _answer(breach: Breach, score, status: int):
    return jsonify(breach_ref=breach.ref, event_ref=breach.event.ref, score=score), status


@bp.post("/breaches")
@roles_required(*LOGGERS)
def log_breach():
    try:
        key = idempotency_key()
        values = parse_body()
    except BadRequest as exc:
        return _error(exc.status, exc.message, exc.field)
    order_ref, report = values["order_ref"], values["report"]
    user = current_user._get_current_object()
    if key is not None:
        held = breach_services.find_by_submission_key(user, key)
        if held is not None:
            if not _same_request(held, order_ref, report):
                return _error(
                    422,
                    "This Idempotency-Key was already used for a different breach; use a new key for a new breach.",
                    "Idempotency-Key",
                )
            return _answer(held, breach_services.current_score(held.event.suspect_id), 200)
    order = order_services.get_order(order_ref)
    if order is None:
        return _error(422, f"No order with reference {order_ref!r} is recorded.", "order_ref")
    try:
        logged = breach_services.log_breach(order, report, user=user, submission_key=key)
    except order_services.ValidationFailed as exc:
        field, message = next(iter(exc.errors.items()))
        return _error(422, message, field, errors=exc.errors)
    if not logged.created:
        return _answer(logged.breach, breach_services.current_score(logged.breach.event.suspect_id), 200)
    return _answer(logged.breach, logged.score, 201)


BREACH_REQUEST = {
    "type": "object",
    "required": list(REQUIRED),
    "additionalProperties": False,
    "properties": {
        "order_ref": {"type": "string", "maxLength": 64, "description": "The breached order's reference."},
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the breach happened: ISO 8601 date and time, not in the future (60 seconds of "
            "clock difference allowed). `Z` or an offset such as `+01:00` is honoured; a time without an offset "
            "is taken as **UTC**. The order must be in force on that day (the day in UK local time).",
            "example": "2026-11-21T14:30:00Z",
        },
        "conditions": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "integer", "minimum": 1},
            "description": "The breached conditions by their number on the order (1-based), each once.",
            "example": [1, 3],
        },
        "narrative": {"type": "string", "minLength": 1, "maxLength": breach_services.MAX_NARRATIVE},
        "arrested": {"type": "boolean", "description": "true gives the DA event the outcome `arrest`."},
        "reported_how": {
            "type": "string",
            "enum": list(breach_services.REPORTED_HOW),
            "description": "Optional: how the breach was reported.",
        },
        "protected_person_told": {"type": "boolean", "description": "Optional: whether the protected person knows."},
        "protected_ref": {
            "type": "string",
            "description": "Optional: the protected person the breach was against, when the order protects several "
            "(default: the first recorded).",
        },
    },
}

BREACH_LOGGED = {
    "type": "object",
    "required": ["breach_ref", "event_ref", "score"],
    "properties": {
        "breach_ref": {"type": "string", "example": "ACH-B-000001"},
        "event_ref": {"type": "string", "description": "The breach's DA event.", "example": "ACH-E-000042"},
        "score": {
            **TARGET,
            "nullable": True,
            "description": "The subject's ranked object as of today (null if not ranked).",
        },
    },
}


def _json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PATHS = {
    "/breaches": {
        "post": {
            "summary": "Log a breach of an order (officer or supervisor)",
            "description": "Logs the breach and, in one transaction, records it as a DA event of the order's subject "
            "against the protected person (offence `breach_criminal_order` or `breach_civil_order` by the order's "
            "type), raises a breach-enforcement task for the caller's team (due in 24 hours for a criminal breach, "
            "72 otherwise) and re-scores the subject. Errors are JSON `{error, field}`: 400 when the body is "
            "missing, not JSON, or a field is missing or of the wrong type or format; 415 when the body is not sent "
            "as `application/json`; 422 when the values are well formed but cannot be logged (unknown order, order "
            "not in force on that day, a condition the order does not have or named twice, an empty narrative, a "
            "time in the future); 422 responses also carry `errors`, every field at fault.",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "A key unique to this breach (a UUID). Sending the same key again, with the same "
                    "body, logs nothing new and answers 200 with the first answer's references (and the score now); "
                    "with a different body it is refused (422). Keys are per user.",
                    "schema": {"type": "string", "maxLength": MAX_KEY},
                }
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": BREACH_REQUEST}}},
            "responses": {
                "201": _json_response(
                    "Logged: the breach and event references and the subject's new score", BREACH_LOGGED
                ),
                "200": _json_response(
                    "Already logged with this Idempotency-Key: nothing new was written", BREACH_LOGGED
                ),
                **errors(400, 401, 403),
                "415": {
                    "description": "The body is not sent as application/json",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "422": {
                    "description": "Well-formed, but the breach cannot be logged (see `field`)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    }
}
