"""The offender register: persons (nominals), DA events, relationships and levers."""

from flask import Blueprint

bp = Blueprint("offenders", __name__, url_prefix="/persons")
