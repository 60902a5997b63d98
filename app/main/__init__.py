"""The home page and error pages."""

from flask import Blueprint

bp = Blueprint("main", __name__)
