"""Pieces of the OpenAPI document that every API route module uses to describe its answers."""

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What is wrong, in plain words."},
        "field": {"type": "string", "description": "The request field at fault, when there is one."},
    },
}


def errors(*codes: int) -> dict:
    text = {400: "Bad input", 401: "No valid bearer token", 403: "The token's user lacks the role", 404: "Not found"}
    return {
        str(code): {
            "description": text[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


POINTS = {"type": "integer", "minimum": 0}

TARGET = {
    "type": "object",
    "description": "One ranked person with the breakdown of the score (scoring model in force).",
    "required": ["person_ref", "priority", "harm", "opportunity", "R", "F", "G", "V", "levers", "flags"],
    "properties": {
        "person_ref": {"type": "string", "description": "The person's reference."},
        "priority": {**POINTS, "description": "harm + opportunity; the list is sorted on it."},
        "harm": {**POINTS, "description": "R + F + G + V (0-120 under the default model v2, 0-110 under v1)."},
        "opportunity": {**POINTS, "description": "Sum of the active levers' weights, capped (50 by default)."},
        "R": {**POINTS, "description": "Recency: months since the latest event (v2: months not in custody)."},
        "F": {**POINTS, "description": "Frequency: events (v2: incidents) in the 36-month window."},
        "G": {**POINTS, "description": "Gravity: total harm days of the events in the window."},
        "V": {**POINTS, "description": "Victims: distinct victims in the window (v2: aged 16 or over)."},
        "levers": {
            "type": "object",
            "description": 'Each active lever and its weight, e.g. {"outstanding_warrant": 25}.',
            "additionalProperties": {"type": "integer"},
        },
        "flags": {
            "type": "array",
            "description": "Raised flags, always in this order.",
            "items": {
                "type": "string",
                "enum": [
                    "serial",
                    "escalating",
                    "high_risk",
                    "active_order",
                    "recent_breach",
                    "in_custody",
                    "release_due",
                ],
            },
        },
    },
}
