"""Protective and restrictive orders, their conditions and breaches."""

from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")
