"""Sign-in, users, roles, teams and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
