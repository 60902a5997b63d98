"""The custody period form (record one, or correct one). The service checks everything again."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.offenders.custody.models import CUSTODY_KINDS
from app.offenders.fields import choice, day, not_future


class CustodyForm(FlaskForm):
    custody_from = day(
        "Date custody began", InputRequired(message="Enter the date custody began."), not_future("date custody began")
    )
    kind = choice("Kind of custody", "the kind of custody", CUSTODY_KINDS, InputRequired(message="Choose the kind."))
    custody_to = day("Date of release", Optional(), not_future("date of release"))
    expected_release_on = day("Expected release date", Optional())
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000, message="Use at most 2,000 characters.")])
    version_id = HiddenField()
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = {"": "Choose…"} | dict(CUSTODY_KINDS)
