"""Victims: contact preferences and the contact log, DASH history, IDVA referrals, DALO needs
assessments and hidden-harm visits, the DA Hub's virtual responses and victim feedback.

Who may do what (the routes declare it; the services keep need to know):
- supervisors and officers (DALOs among them) record and read everything here, victims' contact
  preferences and contact log included;
- analysts read victims' records and the Hub and feedback figures, but never a victim's contact
  preferences or contact log (shown only to the roles that work with victims);
- referral staff and admins have no victims page at all.
Every view of a victim's record is audited, with whether contact details were shown.
"""

from flask import Blueprint

bp = Blueprint("victims", __name__, url_prefix="/victims")
