"""The JSON API under /api/v1: bearer tokens only, errors as JSON naming the field.

Each part of the product keeps its API routes in its own module here and its OpenAPI paths in
that module's PATHS, which openapi.document() gathers.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
