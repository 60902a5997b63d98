"""Alerts: what the scheduler and services raise for people to act on, and the inbox that lists them."""

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
