"""Lever forms: add a lever, mark one as no longer active. The services check everything again."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.offenders.fields import choice, day, not_future


class LeverForm(FlaskForm):
    lever = choice("Lever", "a lever", (), DataRequired(message="Choose a lever."))
    noted_on = day("Date noted", InputRequired(message="Enter the date the lever was noted."), not_future("date noted"))
    detail = TextAreaField("Detail", validators=[Optional(), Length(max=2000, message="Use at most 2,000 characters.")])
    submit = SubmitField("Add lever")

    def __init__(self, *args, levers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lever.choices = {"": "Choose…"} | dict(levers)


class EndLeverForm(FlaskForm):
    ended_on = day(
        "Date it stopped applying",
        InputRequired(message="Enter the date the lever stopped applying."),
        not_future("date"),
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
