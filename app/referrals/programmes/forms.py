"""Programme referral forms: the list filters, identify, refer/screen/move, attendance."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import select_choices
from app.referrals.checks import MAX_TEXT
from app.referrals.programmes.models import ATTENDANCE, REFERRAL_STATES, SCREENING_ANSWERS, SCREENING_ITEMS
from app.web import strip


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
    override = TextAreaField(
        "Why accept although the screening says not eligible (only then)", validators=[Optional(), Length(max=2000)]
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


class AttendanceForm(FlaskForm):
    session_on = DateField("Date of the session", validators=[InputRequired(message="Enter the date of the session.")])
    attendance = RadioField(
        "Attendance",
        choices=select_choices(ATTENDANCE),
        validators=[InputRequired(message="Choose whether the person attended.")],
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_TEXT)])


ScreeningForm = screening_form_class()
