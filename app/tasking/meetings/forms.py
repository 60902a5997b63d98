"""Tasking meeting forms: a new meeting, attendees, minutes, a person added, a plan."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.catalogue import MEETING_TACTICS, select_choices
from app.tasking.meetings.services import DEFAULT_AGENDA_SIZE, MAX_AGENDA_SIZE, MAX_MINUTES, MAX_RATIONALE
from app.tasking.tasks.checks import MAX_REF
from app.web import ChoiceField, Day, MultiCheckboxField, strip


class MeetingForm(FlaskForm):
    held_on = Day("Date of the meeting", validators=[InputRequired(message="Enter the date of the meeting.")])
    title = StringField(
        "Name of the meeting",
        filters=[strip],
        default="Tasking meeting",
        validators=[InputRequired(message="Give the meeting a name."), Length(max=200)],
    )
    team = ChoiceField("Team", what="a team", validators=[Optional()])
    agenda_size = IntegerField(
        "How many from the top of the target list",
        default=DEFAULT_AGENDA_SIZE,
        validators=[
            InputRequired(message=f"Give a number from 1 to {MAX_AGENDA_SIZE}."),
            NumberRange(min=1, max=MAX_AGENDA_SIZE, message=f"Give a number from 1 to {MAX_AGENDA_SIZE}."),
        ],
    )
    attendees = MultiCheckboxField("Attending from the team", invalid_choice_message="Choose attendees from the list.")
    partners = TextAreaField("Partner attendees", filters=[strip], validators=[Optional(), Length(max=7000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.agenda_size.raw_data is None and self.agenda_size.data is None:
            self.agenda_size.data = DEFAULT_AGENDA_SIZE


class AttendeesForm(FlaskForm):
    attendees = MultiCheckboxField("Attending from the team", invalid_choice_message="Choose attendees from the list.")
    partners = TextAreaField("Partner attendees", filters=[strip], validators=[Optional(), Length(max=7000)])
    version_id = HiddenField()


class PlanForm(FlaskForm):
    tactic = ChoiceField(
        "Tactic",
        what="the tactic",
        choices=select_choices(MEETING_TACTICS, blank="Choose the tactic"),
        validators=[InputRequired(message="Choose the tactic.")],
    )
    rationale = TextAreaField(
        "Rationale",
        filters=[strip],
        validators=[InputRequired(message="Say why this tactic was chosen."), Length(max=MAX_RATIONALE)],
    )
    review_on = Day("Review date", validators=[InputRequired(message="Enter the date the plan will be reviewed.")])
    version_id = HiddenField()


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Minutes", filters=[strip], validators=[Optional(), Length(max=MAX_MINUTES)])
    version_id = HiddenField()


class AddPersonForm(FlaskForm):
    person_ref = StringField(
        "Person reference",
        filters=[strip],
        validators=[InputRequired(message="Enter the person reference of the person to add."), Length(max=MAX_REF)],
    )
