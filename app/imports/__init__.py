"""CSV import (command line and web) and the synthetic demo dataset."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
