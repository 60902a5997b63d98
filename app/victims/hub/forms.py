"""The DA Hub response form."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.victims.forms import yes_no
from app.victims.hub.models import HUB_CHANNELS, HUB_EVIDENCE, HUB_OUTCOMES
from app.web import ChoiceRadio, Moment, MultiCheckboxField, strip


class HubResponseForm(FlaskForm):
    person_ref = StringField("Caller's person reference", filters=[strip])
    suspect_ref = StringField("Suspect's person reference (if known)", filters=[strip])
    call_received_at = Moment("When was the call received?", validators=[Optional()])
    contact_made_at = Moment("When was contact made?", validators=[Optional()])
    consent = yes_no("Does the caller consent to a virtual response?")
    channel = ChoiceRadio("How?", what="video or phone", choices=HUB_CHANNELS, validate_choice=False)
    dash_ref = StringField("DASH assessment done (reference, if any)", filters=[strip])
    evidence = MultiCheckboxField("Evidence captured", choices=HUB_EVIDENCE, validate_choice=False)
    evidence_other = StringField("Other evidence", filters=[strip])
    crime_recorded = yes_no("Was a crime recorded?")
    crime_event_ref = StringField("DA event of the crime (reference)", filters=[strip])
    safeguarding_done = yes_no("Was safeguarding done?")
    signposting_done = yes_no("Was the caller signposted to support?")
    signposted_to = TextAreaField("Signposted to", filters=[strip])
    outcome = ChoiceRadio("Outcome", what="an outcome", choices=HUB_OUTCOMES, validate_choice=False)
    note = TextAreaField("Note", filters=[strip])
    submit = SubmitField("Record the response")
