"""Forms: refer a victim to an IDVA service; record the first contact and the outcome."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.catalogue import DASH_RISKS
from app.victims.forms import yes_no
from app.victims.idva.models import IDVA_OUTCOMES
from app.web import ChoiceField, Day, strip


class IdvaReferralForm(FlaskForm):
    referred_on = Day("Date referred", validators=[Optional()])
    service = StringField("IDVA service", filters=[strip])
    risk_level = ChoiceField("Risk at referral", what="the risk", choices={"": "Choose…", **DASH_RISKS}, default="")
    dash_ref = ChoiceField("DASH assessment it rests on", what="an assessment", choices={"": "None"}, default="")
    consent = yes_no("Did the victim consent to the referral?")
    consent_note = TextAreaField("If not, why refer without consent?", filters=[strip])
    note = TextAreaField("Note", filters=[strip])
    submit = SubmitField("Record the referral")


class IdvaProgressForm(FlaskForm):
    first_contact_on = Day("Date the IDVA first made contact", validators=[Optional()])
    outcome = ChoiceField("Outcome", what="an outcome", choices={"": "Not known yet", **IDVA_OUTCOMES}, default="")
    outcome_on = Day("Date of the outcome", validators=[Optional()])
    version_id = HiddenField()
    submit = SubmitField("Save")
