"""The register's reading pages: the person list and the profile, which read from every part."""

from flask import Blueprint

bp = Blueprint("profile", __name__, url_prefix="/persons")
