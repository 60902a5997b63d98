"""Clare's Law forms: the list filters, a case, its steps, decision, disclosure and closure."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import select_choices
from app.referrals.checks import MAX_TEXT
from app.referrals.clares_law.models import APPLICANT_RELATIONSHIPS, CLARE_DECISIONS, CLARE_ROUTES
from app.web import strip


class ClareFilterForm(FlaskForm):
    class Meta:
        csrf = False

    route = SelectField("Route", choices=select_choices(CLARE_ROUTES, "Both routes"), validators=[Optional()])
    status = SelectField(
        "Status",
        choices=select_choices({"open": "Open", "overdue": "Open and past 28 days", "closed": "Closed"}, "Any"),
        validators=[Optional()],
    )


class ClareCaseForm(FlaskForm):
    route = RadioField(
        "Route", choices=select_choices(CLARE_ROUTES), validators=[InputRequired(message="Choose the route.")]
    )
    subject_ref = StringField(
        "Subject: the person the disclosure would be about (person reference)",
        validators=[Optional(), Length(max=64)],
        filters=[strip],
    )
    person_at_risk_ref = StringField(
        "Person at risk (person reference, if on the register)",
        validators=[Optional(), Length(max=64)],
        filters=[strip],
    )
    person_at_risk_name = StringField(
        "Person at risk's name (if not on the register)", validators=[Optional(), Length(max=200)]
    )
    applicant_name = StringField("Applicant's name (Right to Ask)", validators=[Optional(), Length(max=200)])
    applicant_relationship = SelectField(
        "Applicant's relationship to the person at risk",
        choices=select_choices(APPLICANT_RELATIONSHIPS, "Choose (Right to Ask)"),
        validators=[Optional()],
    )
    application_on = DateField(
        "Application date (the 28-day clock starts here)",
        validators=[InputRequired(message="Enter the application date.")],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_TEXT)])


class RaiseRightToKnowForm(FlaskForm):
    subject_ref = HiddenField(validators=[InputRequired()])
    person_at_risk_ref = HiddenField(validators=[InputRequired()])


class ClareStepsForm(FlaskForm):
    initial_contact_on = DateField("Initial contact", validators=[Optional()])
    checks_on = DateField("Checks completed", validators=[Optional()])
    checks_detail = TextAreaField(
        "Checks made (systems searched, agencies asked)", validators=[Optional(), Length(max=MAX_TEXT)]
    )
    face_to_face_on = DateField("Face-to-face meeting", validators=[Optional()])
    forum_decision_on = DateField("Forum decision", validators=[Optional()])
    forum_name = StringField(
        "Forum (for example MARAC or the local DVDS panel)", validators=[Optional(), Length(max=200)]
    )
    version_id = HiddenField()


class ClareDecisionForm(FlaskForm):
    decision = RadioField(
        "Decision", choices=select_choices(CLARE_DECISIONS), validators=[InputRequired(message="Choose the decision.")]
    )
    rationale = TextAreaField(
        "Rationale (lawful, necessary and proportionate)", validators=[Optional(), Length(max=MAX_TEXT)]
    )
    decided_on = DateField(
        "Date of the decision", validators=[InputRequired(message="Enter the date of the decision.")]
    )
    version_id = HiddenField()


class ClareDisclosureForm(FlaskForm):
    disclosure_on = DateField(
        "Date of the disclosure", validators=[InputRequired(message="Enter the date of the disclosure.")]
    )
    disclosed_to = StringField("Disclosed to (name and role)", validators=[Optional(), Length(max=200)])
    disclosed_what = TextAreaField("What was disclosed", validators=[Optional(), Length(max=MAX_TEXT)])
    disclosed_how = StringField("How (in person, by telephone...)", validators=[Optional(), Length(max=200)])
    version_id = HiddenField()


class ClareCloseForm(FlaskForm):
    closed_on = DateField("Date closed", validators=[InputRequired(message="Enter the date the case closed.")])
    reason = TextAreaField("Reason for closing without a decision", validators=[Optional(), Length(max=MAX_TEXT)])
    version_id = HiddenField()
