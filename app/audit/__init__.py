"""The append-only audit log (DPA 2018 s.62): views, searches, changes, exports, disclosures, sign-ins."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
