"""The OpenAPI 3 document for /api/v1, gathered from every API route module's PATHS, and its route."""

from flask import jsonify

from app.api import bp, breaches, routes, targets
from app.api.schema import ERROR, errors
from app.security import roles_required

PATHS = {
    "/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}, **errors(401)}}
    },
}


def document() -> dict:
    paths = {}
    for part in (routes.PATHS, targets.PATHS, breaches.PATHS, PATHS):
        paths.update(part)
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


@bp.get("/openapi.json")
@roles_required("supervisor", "officer", "analyst", "admin")  # referral staff have no API route to describe
def openapi():
    return jsonify(document())
