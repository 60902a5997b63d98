"""Target list forms: the filters, and re-ranking now."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, SubmitField
from wtforms.validators import ValidationError

from app.catalogue import select_choices
from app.ranking.targets.services import FLAG_LABELS, SORTS, TARGET_PAGE_SIZES, VIEWS


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value says, in plain words, what was wrong."""

    def __init__(self, *args, invalid_message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data not in {str(value) for value, *_ in self.iter_choices()}:
            raise ValidationError(self.invalid_message)


class TargetFilterForm(Form):
    """The target list's filters, from the query string (a GET form: nothing changes, no CSRF)."""

    district = ChoiceField("District", default="", invalid_message="Choose a district from the list.")
    flag = ChoiceField("Flag", default="", invalid_message="Choose a flag from the list.")
    lever = ChoiceField("Lever", default="", invalid_message="Choose a lever from the list.")
    per_page = ChoiceField(
        "Rows per page",
        choices=select_choices({str(n): str(n) for n in TARGET_PAGE_SIZES}),
        default="50",
        invalid_message=f"Choose how many rows to show: {', '.join(map(str, TARGET_PAGE_SIZES))}.",
    )
    sort = ChoiceField(
        "Sort by",
        choices=select_choices(SORTS),
        default="priority",
        invalid_message=f"Choose how to sort the list: {', '.join(s.lower() for s in SORTS.values())}.",
    )
    custody = BooleanField("Show persons in custody")
    view = ChoiceField(
        "View", choices=select_choices(VIEWS), default="", invalid_message="Choose the target list or custody view."
    )

    def __init__(self, formdata, *, districts: list[str], levers: dict[str, str]):
        super().__init__(formdata)
        self.district.choices = select_choices({d: d for d in districts}, blank="All districts")
        self.flag.choices = select_choices(FLAG_LABELS, blank="Any flag")
        self.lever.choices = select_choices(levers, blank="Any lever")


class RerankForm(FlaskForm):
    submit = SubmitField("Re-rank now")
