"""Referrals: perpetrator programmes, MARAC/MATAC/MASIP forum referrals and Clare's Law cases."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
