"""The board's filter form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.catalogue import TASK_TYPES, select_choices
from app.tasking.board.services import BOARD_DUE, BOARD_STATUSES, UNALLOCATED
from app.tasking.tasks.forms import owner_choices
from app.web import ChoiceField


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
    due = ChoiceField(
        "Due", what="when due", choices=select_choices(BOARD_DUE, blank="Any time"), validators=[Optional()]
    )
    overdue = BooleanField("Overdue only")


def board_owner_choices(users) -> list[SelectChoice]:
    return [SelectChoice("", "Anyone"), SelectChoice(UNALLOCATED, "Not allocated"), *owner_choices(users, blank="")[1:]]
