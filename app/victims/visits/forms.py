"""The DALO visit form: a needs assessment or a hidden-harm visit, and what was found and done."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.victims.forms import yes_no
from app.victims.visits.models import NEEDS, SAFEGUARDING_REFERRALS, VISIT_EVIDENCE, VISIT_KINDS
from app.web import ChoiceField, ChoiceRadio, Moment, MultiCheckboxField, strip


class VisitForm(FlaskForm):
    kind = ChoiceRadio("Kind of visit", what="the kind of visit", choices=VISIT_KINDS, validate_choice=False)
    visited_at = Moment("When was the visit?", validators=[Optional()])
    seen_alone = yes_no("Was the victim seen alone?")
    children_present = yes_no("Were children present?")
    perpetrator_present = yes_no("Was the perpetrator present?")
    injuries_seen = yes_no("Were injuries seen?")
    injuries_detail = TextAreaField("Injuries seen", filters=[strip])
    dash_done = yes_no("Was a DASH done?")
    dash_ref = ChoiceField("Which DASH assessment?", what="an assessment", choices={"": "None"}, default="")
    idva_offered = yes_no("Was an IDVA offered?")
    idva_accepted = yes_no("Was the IDVA accepted?")
    safety_advice_given = yes_no("Was safety advice given?")
    safeguarding_referrals = MultiCheckboxField(
        "Safeguarding referrals made", choices=SAFEGUARDING_REFERRALS, validate_choice=False
    )
    evidence_secured = MultiCheckboxField("Evidence secured", choices=VISIT_EVIDENCE, validate_choice=False)
    arrest_made = yes_no("Was an arrest made?")
    arrest_event_ref = StringField("DA event of the arrest (reference)", filters=[strip])
    needs = MultiCheckboxField("Needs identified", choices=NEEDS, validate_choice=False)
    note = TextAreaField("Note", filters=[strip])
    task_id = HiddenField()
    submit = SubmitField("Record the visit")


class RaiseVisitForm(FlaskForm):
    """The hidden-harm list's "raise a visit" button: only its CSRF token."""
