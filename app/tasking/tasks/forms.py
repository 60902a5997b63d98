"""Forms for tasks and the board's filters.

Forms check shape only (required, length, type, a value from the list); the rules that need the
database or span fields (who may hold a task, due dates, the status machine) live in the services.
Every form that changes a record carries the version it was rendered with.
"""

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import TASK_DEFERRALS, TASK_OUTCOMES, TASK_PRIORITIES, TASK_TYPES, select_choices
from app.tasking.tasks.checks import MAX_REF
from app.tasking.tasks.services import MAX_DETAIL, MAX_NOTE, MAX_TITLE
from app.web import ChoiceField, ChoiceRadio, Clock, Day, strip

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
        filters=[strip],
        validators=[InputRequired(message="Enter the person reference."), Length(max=MAX_REF)],
    )
    title = StringField(
        "What is to be done",
        filters=[strip],
        validators=[InputRequired(message="Say in a few words what is to be done."), Length(max=MAX_TITLE)],
    )
    detail = TextAreaField("Detail", filters=[strip], validators=[Optional(), Length(max=MAX_DETAIL)])
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
        "Order (reference, optional)", filters=[strip], validators=[Optional(), Length(max=MAX_REF)]
    )
    breach_ref = StringField(
        "Breach (reference, optional)", filters=[strip], validators=[Optional(), Length(max=MAX_REF)]
    )
    lever = ChoiceField("Lever it is about (for a lever action)", what="a lever", validators=[Optional()])
    meeting_id = HiddenField()
    referral_ref = HiddenField(
        filters=[strip],
        validators=[Optional(), Length(max=MAX_REF, message="That referral reference is too long.")],
    )


class TaskEditForm(FlaskForm):
    title = StringField(
        "What is to be done",
        filters=[strip],
        validators=[InputRequired(message="Say in a few words what is to be done."), Length(max=MAX_TITLE)],
    )
    detail = TextAreaField("Detail", filters=[strip], validators=[Optional(), Length(max=MAX_DETAIL)])
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
    note = TextAreaField("Note (optional)", filters=[strip], validators=[Optional(), Length(max=MAX_NOTE)])


class CancelForm(VersionForm):
    note = TextAreaField(
        "Why is it cancelled?",
        filters=[strip],
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
    reason = TextAreaField("Reason", filters=[strip], validators=[Optional(), Length(max=MAX_NOTE)])


class RefuseDeferralForm(VersionForm):
    reason = TextAreaField(
        "Why it cannot wait",
        filters=[strip],
        validators=[InputRequired(message="Say why the task cannot wait."), Length(max=MAX_NOTE)],
    )


class ReassignForm(VersionForm):
    owner = ChoiceField("Give to", what="an officer", validators=[Optional()])


# ---- the board ----------------------------------------------------------------------------------


def owner_choices(users, *, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(u.id), u.display_name + (f" ({u.team.name})" if u.team else "")) for u in users
    ]


def id_choices(rows, *, blank: str) -> list[SelectChoice]:
    """Choices from rows with an id and a name (teams)."""
    return [SelectChoice("", blank)] + [SelectChoice(str(r.id), r.name) for r in rows]


# ---- meetings -----------------------------------------------------------------------------------


# ---- outcomes -----------------------------------------------------------------------------------
