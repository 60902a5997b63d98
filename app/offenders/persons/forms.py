"""Person forms: add a person, correct one. The services check everything again."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.base import PNC_PATTERN, REF_PATTERN
from app.catalogue import GENDERS, SUBJECT_CATEGORIES, WARNING_MARKERS
from app.offenders.fields import choice, day, not_future, upper
from app.web import MultiCheckboxField, strip


class PersonForm(FlaskForm):
    surname = StringField(
        "Surname", validators=[DataRequired(message="Enter a surname."), Length(max=100)], filters=[strip]
    )
    forenames = StringField(
        "Forenames", validators=[DataRequired(message="Enter the forenames."), Length(max=200)], filters=[strip]
    )
    date_of_birth = day("Date of birth", Optional(), not_future("date of birth"))
    gender = choice("Gender", "a gender", [("", "Not recorded"), *GENDERS.items()])
    pnc_id = StringField(
        "PNC ID",
        validators=[
            Optional(),
            Length(max=20),
            Regexp(PNC_PATTERN.pattern, message="Enter a PNC ID such as 2019/1234567A."),
        ],
        filters=[upper],
    )
    district = StringField("District", validators=[Optional(), Length(max=100)], filters=[strip])
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
        filters=[strip],
    )
    submit = SubmitField("Add person")
