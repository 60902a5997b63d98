"""Register forms: person search, person, DA event, lever. The services check everything again."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.base import today
from app.catalogue import DASH_RISKS, EVENT_OUTCOMES, GENDERS, RELATIONSHIPS, SUBJECT_CATEGORIES, WARNING_MARKERS
from app.imports.parsing import PNC_PATTERN, REF_PATTERN

DATE_MESSAGE = "Not a valid date value. Enter the date as year-month-day, for example 2024-03-27."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _not_future(what: str):
    def check(form, field):
        if field.data and field.data > today():
            raise ValidationError(f"The {what} cannot be in the future.")
        if field.data and field.data.year < 1900:
            raise ValidationError(f"The {what} must be after 1900.")

    return check


def _day(label: str, *validators, **kwargs) -> DateField:
    return DateField(
        label, validators=list(validators), format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE, **kwargs
    )


class ChoiceField(SelectField):
    """A select whose "nothing chosen" is the empty option, also when the record holds None."""

    def process_data(self, value):
        super().process_data("" if value is None else value)


def _choice(label: str, what: str, choices=(), *validators) -> SelectField:
    return ChoiceField(
        label,
        choices=dict(choices),  # {value: label}: WTForms 3.3 deprecates tuples
        validators=list(validators),
        default="",
        invalid_choice_message=f"Choose {what} from the list.",
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """A GET form: no CSRF token, so a search is a link that can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, alias, reference or PNC ID",
        validators=[Optional(), Length(max=100, message="Search for at most 100 characters.")],
        filters=[_strip],
    )
    district = _choice("District", "a district", [("", "Any district")])
    serial = BooleanField("Serial perpetrators only")
    active_order = BooleanField("Subject of an order in force")
    active_levers = BooleanField("Has an active lever")

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = {"": "Any district"} | {d: d for d in districts}


class PersonForm(FlaskForm):
    surname = StringField(
        "Surname", validators=[DataRequired(message="Enter a surname."), Length(max=100)], filters=[_strip]
    )
    forenames = StringField(
        "Forenames", validators=[DataRequired(message="Enter the forenames."), Length(max=200)], filters=[_strip]
    )
    date_of_birth = _day("Date of birth", Optional(), _not_future("date of birth"))
    gender = _choice("Gender", "a gender", [("", "Not recorded"), *GENDERS.items()])
    pnc_id = StringField(
        "PNC ID",
        validators=[
            Optional(),
            Length(max=20),
            Regexp(PNC_PATTERN.pattern, message="Enter a PNC ID such as 2019/1234567A."),
        ],
        filters=[_upper],
    )
    district = StringField("District", validators=[Optional(), Length(max=100)], filters=[_strip])
    aliases = TextAreaField(
        "Aliases",
        validators=[Optional(), Length(max=3000, message="Use at most 3,000 characters for the aliases.")],
    )
    markers = MultiCheckboxField(
        "Warning markers",
        choices=dict(WARNING_MARKERS),
        invalid_choice_message="Choose warning markers from the list.",
    )
    categories = MultiCheckboxField(
        "Also recorded as",
        choices={c: SUBJECT_CATEGORIES[c] for c in ("witness", "convicted")},
        invalid_choice_message="Choose Witness or Convicted person.",
    )
    version_id = HiddenField()
    submit = SubmitField("Save changes")


class NewPersonForm(PersonForm):
    ref = StringField(
        "Person reference",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(REF_PATTERN.pattern, message="Use letters, digits and / _ . - only, at most 64 characters."),
        ],
        filters=[_strip],
    )
    submit = SubmitField("Add person")


class EventForm(FlaskForm):
    occurred_on = _day(
        "Date of the event", InputRequired(message="Enter the date of the event."), _not_future("date of the event")
    )
    offence = _choice("Offence", "an offence", (), DataRequired(message="Choose the offence."))
    suspect_ref = StringField(
        "Suspect's person reference",
        validators=[DataRequired(message="Enter the suspect's person reference."), Length(max=64)],
        filters=[_strip],
    )
    victim_ref = StringField(
        "Victim's person reference",
        validators=[DataRequired(message="Enter the victim's person reference."), Length(max=64)],
        filters=[_strip],
    )
    relationship_type = _choice(
        "Relationship of suspect to victim",
        "a relationship",
        [("", "Choose…"), *RELATIONSHIPS.items()],
        DataRequired(message="Choose the relationship between suspect and victim."),
    )
    dash_risk = _choice("DASH risk grade", "a DASH risk grade", [("", "Not assessed"), *DASH_RISKS.items()])
    outcome = _choice("Outcome", "an outcome", [("", "Not yet known"), *EVENT_OUTCOMES.items()])
    district = StringField("District", validators=[Optional(), Length(max=100)], filters=[_strip])
    narrative = TextAreaField(
        "What happened", validators=[Optional(), Length(max=5000, message="Use at most 5,000 characters.")]
    )
    version_id = HiddenField()
    submit = SubmitField("Save event")

    def __init__(self, *args, offences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offence.choices = {"": "Choose…"} | dict(offences)


class NewEventForm(EventForm):
    ref = StringField(
        "Event reference",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(REF_PATTERN.pattern, message="Use letters, digits and / _ . - only, at most 64 characters."),
        ],
        filters=[_strip],
    )
    submit = SubmitField("Record event")


class LeverForm(FlaskForm):
    lever = _choice("Lever", "a lever", (), DataRequired(message="Choose a lever."))
    noted_on = _day(
        "Date noted", InputRequired(message="Enter the date the lever was noted."), _not_future("date noted")
    )
    detail = TextAreaField("Detail", validators=[Optional(), Length(max=2000, message="Use at most 2,000 characters.")])
    submit = SubmitField("Add lever")

    def __init__(self, *args, levers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lever.choices = {"": "Choose…"} | dict(levers)


class EndLeverForm(FlaskForm):
    ended_on = _day(
        "Date it stopped applying",
        InputRequired(message="Enter the date the lever stopped applying."),
        _not_future("date"),
    )
    note = TextAreaField(
        "Why it no longer applies",
        validators=[
            DataRequired(message="Say why the lever no longer applies."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
    )
    record_id = HiddenField()
    version_id = HiddenField()
    submit = SubmitField("Mark as no longer active")
