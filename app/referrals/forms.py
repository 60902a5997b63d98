"""Forms for programme referrals, forum referrals and Clare's Law cases.

Forms check shape only (types, lengths, choices); the rules that need the database or the state of
a record (the state machine, the MARAC rules, the 28-day clock) live in the services.
"""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import select_choices
from app.referrals.models import (
    APPLICANT_RELATIONSHIPS,
    ATTENDANCE,
    CLARE_DECISIONS,
    CLARE_ROUTES,
    FORUM_SHORT,
    MARAC_CRITERIA,
    REFERRAL_STATES,
    SCREENING_ANSWERS,
    SCREENING_ITEMS,
)
from app.web import strip

MAX_TEXT = 5000


# ---- programme referrals ----------------------------------------------------------------------


class ReferralFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    programme = SelectField("Programme", validators=[Optional()])
    state = SelectField("State", choices=select_choices(REFERRAL_STATES, "Any state"), validators=[Optional()])
    identified_from = DateField("Identified from", validators=[Optional()])
    identified_to = DateField("Identified to", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        start, end = self.identified_from.data, self.identified_to.data
        if ok and start and end and start > end:
            self.identified_to.errors.append("The end date must be on or after the start date.")
            return False
        return ok


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or person reference", validators=[Optional(), Length(max=100)], filters=[strip])


class IdentifyForm(FlaskForm):
    programme = SelectField("Programme (if already known)", validators=[Optional()])
    note = TextAreaField("Why this person", validators=[Optional(), Length(max=MAX_TEXT)])


class OneClickForm(FlaskForm):
    """The one-click identify from the suggested candidates (CSRF only)."""

    person_ref = HiddenField(validators=[InputRequired()])


class MoveForm(FlaskForm):
    to_state = RadioField(
        "Move the referral to",
        choices=select_choices(REFERRAL_STATES),
        validators=[InputRequired(message="Choose the state to move the referral to.")],
        validate_choice=False,  # the state machine answers, naming the moves allowed
    )
    moved_on = DateField("Date of the move", validators=[InputRequired(message="Enter the date of the move.")])
    programme = SelectField("Programme", validators=[Optional()])
    reason = TextAreaField(
        "Reason (needed if declined, dropped out or withdrawn)", validators=[Optional(), Length(max=2000)]
    )
    version_id = HiddenField()


def screening_form_class():
    """The screening form: one yes / no / not applicable question per checklist item."""

    class ScreeningForm(FlaskForm):
        screened_on = DateField("Date screened", validators=[InputRequired(message="Enter the date screened.")])
        screening_notes = TextAreaField("Screening notes", validators=[Optional(), Length(max=MAX_TEXT)])
        version_id = HiddenField()

    for code, label in SCREENING_ITEMS.items():
        setattr(
            ScreeningForm,
            f"item_{code}",
            RadioField(
                label,
                choices=select_choices(SCREENING_ANSWERS),
                validators=[InputRequired(message=f"Answer: {label}.")],
            ),
        )
    return ScreeningForm


ScreeningForm = screening_form_class()


class AttendanceForm(FlaskForm):
    session_on = DateField("Date of the session", validators=[InputRequired(message="Enter the date of the session.")])
    attendance = RadioField(
        "Attendance",
        choices=select_choices(ATTENDANCE),
        validators=[InputRequired(message="Choose whether the person attended.")],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_TEXT)])


# ---- forum referrals ----------------------------------------------------------------------------


class ForumFilterForm(FlaskForm):
    class Meta:
        csrf = False

    forum = SelectField("Forum", choices=select_choices(FORUM_SHORT, "Any forum"), validators=[Optional()])
    status = SelectField(
        "Status",
        choices=select_choices({"awaiting": "Awaiting the meeting", "heard": "Outcome recorded"}, "Any status"),
        validators=[Optional()],
    )
    referred_from = DateField("Referred from", validators=[Optional()])
    referred_to = DateField("Referred to", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.referred_from.data and self.referred_to.data and self.referred_from.data > self.referred_to.data:
            self.referred_to.errors.append("The end date must be on or after the start date.")
            return False
        return ok


class ForumReferralForm(FlaskForm):
    forum = RadioField(
        "Forum", choices=select_choices(FORUM_SHORT), validators=[InputRequired(message="Choose the forum.")]
    )
    person_at_risk_ref = StringField(
        "Person at risk (person reference)", validators=[Optional(), Length(max=64)], filters=[strip]
    )
    perpetrator_ref = StringField(
        "Perpetrator (person reference)", validators=[Optional(), Length(max=64)], filters=[strip]
    )
    criterion = RadioField("MARAC criterion", choices=select_choices(MARAC_CRITERIA), validators=[Optional()])
    reason = TextAreaField("Reason for the referral", validators=[Optional(), Length(max=MAX_TEXT)])
    referred_on = DateField("Date referred", validators=[InputRequired(message="Enter the date referred.")])


class ForumOutcomeForm(FlaskForm):
    meeting_on = DateField("Date of the meeting", validators=[Optional()])
    outcome = TextAreaField("Outcome", validators=[Optional(), Length(max=MAX_TEXT)])
    actions = TextAreaField("Actions (one per line)", validators=[Optional(), Length(max=MAX_TEXT)])
    version_id = HiddenField()


# ---- Clare's Law --------------------------------------------------------------------------------


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
