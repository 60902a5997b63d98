"""Forms for tasks, the board's filters, tasking meetings and the outcomes period.

Forms check shape only (required, length, type, a value from the list); the rules that need the
database or span fields (who may hold a task, due dates, the status machine) live in the services.
Every form that changes a record carries the version it was rendered with.
"""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalogue import MEETING_TACTICS, TASK_DEFERRALS, TASK_OUTCOMES, TASK_PRIORITIES, TASK_TYPES, select_choices
from app.tasking.meetings.services import DEFAULT_AGENDA_SIZE, MAX_AGENDA_SIZE, MAX_MINUTES, MAX_RATIONALE
from app.tasking.tasks.services import BOARD_STATUSES, MAX_DETAIL, MAX_NOTE, MAX_REF, MAX_TITLE, UNALLOCATED


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ChoiceField(SelectField):
    """A select whose wrong value gets a plain message instead of "Not a valid choice"."""

    def __init__(self, label=None, validators=None, what="an option", **kwargs):
        super().__init__(label, validators, invalid_choice_message=f"Choose {what} from the list.", **kwargs)


class ChoiceRadio(RadioField):
    def __init__(self, label=None, validators=None, what="an option", **kwargs):
        super().__init__(label, validators, invalid_choice_message=f"Choose {what}.", **kwargs)


class Day(DateField):
    """A date field whose unreadable value gets a message that says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 2026-11-28.") from None


class Clock(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a time as hours and minutes, for example 17:00.") from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def version_of(form) -> int:
    raw = (form.version_id.data or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


def safe_next(value: str | None) -> str | None:
    """A return address inside this site only (never another host)."""
    value = (value or "").strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) < 500:
        return value
    return None


# ---- tasks --------------------------------------------------------------------------------------


class TaskForm(FlaskForm):
    task_type = ChoiceField(
        "Type of task",
        what="the type of task",
        choices=select_choices(TASK_TYPES, blank="Choose the type of task"),
        validators=[InputRequired(message="Choose the type of task.")],
    )
    person_ref = StringField(
        "Person (reference)",
        filters=[_strip],
        validators=[InputRequired(message="Enter the person reference."), Length(max=MAX_REF)],
    )
    title = StringField(
        "What is to be done",
        filters=[_strip],
        validators=[InputRequired(message="Say in a few words what is to be done."), Length(max=MAX_TITLE)],
    )
    detail = TextAreaField("Detail", filters=[_strip], validators=[Optional(), Length(max=MAX_DETAIL)])
    owner = ChoiceField("Officer", what="an officer", validators=[Optional()])
    team = ChoiceField("Team", what="a team", validators=[Optional()])
    due_on = Day("Due date", validators=[InputRequired(message="Enter the date the task is due.")])
    due_time = Clock("Due time (optional)", validators=[Optional()])
    priority = ChoiceRadio(
        "Priority",
        what="the priority",
        choices=select_choices(TASK_PRIORITIES),
        default="normal",
        validators=[InputRequired(message="Choose the priority.")],
    )
    order_ref = StringField(
        "Order (reference, optional)", filters=[_strip], validators=[Optional(), Length(max=MAX_REF)]
    )
    breach_ref = StringField(
        "Breach (reference, optional)", filters=[_strip], validators=[Optional(), Length(max=MAX_REF)]
    )
    meeting_id = HiddenField()
    referral_ref = HiddenField(
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_REF, message="That referral reference is too long.")],
    )


class TaskEditForm(FlaskForm):
    title = StringField(
        "What is to be done",
        filters=[_strip],
        validators=[InputRequired(message="Say in a few words what is to be done."), Length(max=MAX_TITLE)],
    )
    detail = TextAreaField("Detail", filters=[_strip], validators=[Optional(), Length(max=MAX_DETAIL)])
    due_on = Day("Due date", validators=[InputRequired(message="Enter the date the task is due.")])
    due_time = Clock("Due time (optional)", validators=[Optional()])
    priority = ChoiceRadio(
        "Priority",
        what="the priority",
        choices=select_choices(TASK_PRIORITIES),
        validators=[InputRequired(message="Choose the priority.")],
    )
    version_id = HiddenField()


class VersionForm(FlaskForm):
    """A button that acts on a task (start, take, bring back): only the version and where to go next."""

    version_id = HiddenField()
    next = HiddenField()


class CompleteForm(VersionForm):
    outcome = ChoiceRadio(
        "Outcome",
        what="the outcome",
        choices=select_choices(TASK_OUTCOMES),
        validators=[InputRequired(message="Choose the outcome.")],
    )
    note = TextAreaField("Note (optional)", filters=[_strip], validators=[Optional(), Length(max=MAX_NOTE)])


class CancelForm(VersionForm):
    note = TextAreaField(
        "Why is it cancelled?",
        filters=[_strip],
        validators=[InputRequired(message="Say why the task is cancelled."), Length(max=MAX_NOTE)],
    )


class DeferForm(VersionForm):
    kind = ChoiceRadio(
        "Why are you putting it aside?",
        what="why you are putting the task aside",
        choices=select_choices(TASK_DEFERRALS),
        validators=[InputRequired(message="Choose why you are putting the task aside.")],
    )
    until = Day("Bring it back on", validators=[Optional()])
    reason = TextAreaField("Reason", filters=[_strip], validators=[Optional(), Length(max=MAX_NOTE)])


class ReassignForm(VersionForm):
    owner = ChoiceField("Give to", what="an officer", validators=[Optional()])


# ---- the board ----------------------------------------------------------------------------------


class BoardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    team = ChoiceField("Team", what="a team", validators=[Optional()])
    owner = ChoiceField("Officer", what="an officer", validators=[Optional()])
    task_type = ChoiceField(
        "Type", what="a type", choices=select_choices(TASK_TYPES, blank="Any type"), validators=[Optional()]
    )
    status = ChoiceField(
        "Status", what="a status", choices=select_choices(BOARD_STATUSES), default="active", validators=[Optional()]
    )
    overdue = BooleanField("Overdue only")


def owner_choices(users, *, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(u.id), u.display_name + (f" ({u.team.name})" if u.team else "")) for u in users
    ]


def board_owner_choices(users) -> list[SelectChoice]:
    return [SelectChoice("", "Anyone"), SelectChoice(UNALLOCATED, "Not allocated"), *owner_choices(users, blank="")[1:]]


def id_choices(rows, *, blank: str) -> list[SelectChoice]:
    """Choices from rows with an id and a name (teams)."""
    return [SelectChoice("", blank)] + [SelectChoice(str(r.id), r.name) for r in rows]


# ---- meetings -----------------------------------------------------------------------------------


class MeetingForm(FlaskForm):
    held_on = Day("Date of the meeting", validators=[InputRequired(message="Enter the date of the meeting.")])
    title = StringField(
        "Name of the meeting",
        filters=[_strip],
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
    partners = TextAreaField("Partner attendees", filters=[_strip], validators=[Optional(), Length(max=7000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.agenda_size.raw_data is None and self.agenda_size.data is None:
            self.agenda_size.data = DEFAULT_AGENDA_SIZE


class AttendeesForm(FlaskForm):
    attendees = MultiCheckboxField("Attending from the team", invalid_choice_message="Choose attendees from the list.")
    partners = TextAreaField("Partner attendees", filters=[_strip], validators=[Optional(), Length(max=7000)])
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
        filters=[_strip],
        validators=[InputRequired(message="Say why this tactic was chosen."), Length(max=MAX_RATIONALE)],
    )
    review_on = Day("Review date", validators=[InputRequired(message="Enter the date the plan will be reviewed.")])
    version_id = HiddenField()


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Minutes", filters=[_strip], validators=[Optional(), Length(max=MAX_MINUTES)])
    version_id = HiddenField()


class AddPersonForm(FlaskForm):
    person_ref = StringField(
        "Person reference",
        filters=[_strip],
        validators=[InputRequired(message="Enter the person reference of the person to add."), Length(max=MAX_REF)],
    )


# ---- outcomes -----------------------------------------------------------------------------------


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = Day("From", validators=[Optional()])
    end = Day("To", validators=[Optional()])
