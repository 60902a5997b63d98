"""The home page, health check and error pages."""

from flask import Blueprint

bp = Blueprint("main", __name__)
