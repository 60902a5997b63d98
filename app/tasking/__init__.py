"""Ranking (scoring model versions, score runs) and tasking (tasks with owners and outcomes)."""

from flask import Blueprint

bp = Blueprint("tasking", __name__)

from app.tasking import routes  # noqa: E402,F401
