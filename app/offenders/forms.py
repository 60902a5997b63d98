"""Person forms."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.catalogue import GENDERS
from app.imports.parsing import PNC_PATTERN


def _not_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError("The date of birth cannot be in the future.")
    if field.data and field.data.year < 1900:
        raise ValidationError("The date of birth must be after 1900.")


class PersonForm(FlaskForm):
    surname = StringField("Surname", validators=[DataRequired(message="Enter a surname."), Length(max=100)])
    forenames = StringField("Forenames", validators=[DataRequired(message="Enter the forenames."), Length(max=200)])
    date_of_birth = DateField("Date of birth", validators=[Optional(), _not_future])
    gender = SelectField("Gender", choices=[("", "Not recorded"), *GENDERS.items()], validators=[Optional()])
    pnc_id = StringField(
        "PNC ID",
        validators=[
            Optional(),
            Length(max=20),
            Regexp(PNC_PATTERN.pattern, message="Enter a PNC ID such as 2019/1234567A."),
        ],
        filters=[lambda v: v.strip().upper() if v else v],
    )
    district = StringField("District", validators=[Optional(), Length(max=100)])
    version_id = HiddenField()
    submit = SubmitField("Save changes")
