"""Form fields and checks the register's forms share (dates not in the future, plain-worded choices)."""

from wtforms import (
    DateField,
    SelectField,
)
from wtforms.validators import ValidationError

from app.base import today

DATE_MESSAGE = "Not a valid date value. Enter the date as year-month-day, for example 2024-03-27."


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def not_future(what: str):
    def check(form, field):
        if field.data and field.data > today():
            raise ValidationError(f"The {what} cannot be in the future.")
        if field.data and field.data.year < 1900:
            raise ValidationError(f"The {what} must be after 1900.")

    return check


def day(label: str, *validators, **kwargs) -> DateField:
    return DateField(
        label, validators=list(validators), format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE, **kwargs
    )


class ChoiceField(SelectField):
    """A select whose "nothing chosen" is the empty option, also when the record holds None."""

    def process_data(self, value):
        super().process_data("" if value is None else value)


def choice(label: str, what: str, choices=(), *validators) -> SelectField:
    return ChoiceField(
        label,
        choices=dict(choices),  # {value: label}: WTForms 3.3 deprecates tuples
        validators=list(validators),
        default="",
        invalid_choice_message=f"Choose {what} from the list.",
    )
