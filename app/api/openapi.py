"""The OpenAPI 3 document for /api/v1. Each route adds its path here when it is added."""

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


def document() -> dict:
    from app.api import breaches, routes, targets

    paths = {}
    for module in (routes, targets, breaches):
        paths.update(module.PATHS)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Achilles API",
            "version": "1",
            "description": "Proactive domestic abuse targeting. Every call carries `Authorization: Bearer TOKEN` "
            "(see `flask users token NAME`) and has exactly that user's roles.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR},
        },
        "paths": paths,
    }
