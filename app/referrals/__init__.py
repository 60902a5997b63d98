"""Referrals: perpetrator programmes, MARAC/MATAC/MASIP forum referrals and Clare's Law cases.

Who may do what (the routes declare it; the services enforce need to know):
- programme referrals: referral staff and supervisors work them (refer, screen, move, attendance);
  officers may identify a person and read; analysts read. Referral staff see only the
  referral-safe view of a person (app.referrals.programmes.services.person_view).
- forum referrals: supervisors and officers refer and record outcomes; analysts read.
- Clare's Law cases: supervisors (the DA Hub) open and work them; analysts read.
Referral staff reach neither forum referrals nor Clare's Law cases: both name the person at risk.
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
