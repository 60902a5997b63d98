"""The person network: who has harmed whom (networkx), its findings and the picture of it."""

from flask import Blueprint

bp = Blueprint("network", __name__, url_prefix="/persons/network")
