"""Managed cohort forms: adopt a person, and a member's exit."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import COHORT_EXIT_REASONS, select_choices
from app.tasking.cohort.services import MAX_TEXT
from app.tasking.tasks.checks import MAX_REF
from app.web import ChoiceRadio, Day, strip


class AdoptForm(FlaskForm):
    person_ref = StringField(
        "Person reference",
        filters=[strip],
        validators=[InputRequired(message="Enter the person reference of the person to adopt."), Length(max=MAX_REF)],
    )
    reason = TextAreaField(
        "Why adopt this person",
        filters=[strip],
        validators=[InputRequired(message="Say why this person is adopted."), Length(max=MAX_TEXT)],
    )
    next = HiddenField()


class ExitForm(FlaskForm):
    exit_reason = ChoiceRadio(
        "Why does the person leave the cohort?",
        what="why the person leaves",
        choices=select_choices(COHORT_EXIT_REASONS),
        validators=[InputRequired(message="Choose why the person leaves the cohort.")],
    )
    exited_on = Day("Date", validators=[Optional()])
    note = TextAreaField("Note", filters=[strip], validators=[Optional(), Length(max=MAX_TEXT)])
    version_id = HiddenField()
