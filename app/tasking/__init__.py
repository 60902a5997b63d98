"""Ranking (scoring model versions, score runs) and tasking (tasks with owners and outcomes)."""

from flask import Blueprint

bp = Blueprint("tasking", __name__)
