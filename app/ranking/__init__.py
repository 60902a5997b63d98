"""Ranking: the scoring models, stored score runs, each person's current score and the target list."""

from flask import Blueprint

bp = Blueprint("ranking", __name__)
