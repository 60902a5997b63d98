"""DA event forms: record an event, correct one. The services check everything again."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from app.base import REF_PATTERN
from app.catalogue import DASH_RISKS, EVENT_OUTCOMES, RELATIONSHIPS
from app.offenders.fields import choice, day, not_future
from app.web import strip


class EventForm(FlaskForm):
    occurred_on = day(
        "Date of the event", InputRequired(message="Enter the date of the event."), not_future("date of the event")
    )
    offence = choice("Offence", "an offence", (), DataRequired(message="Choose the offence."))
    suspect_ref = StringField(
        "Suspect's person reference",
        validators=[DataRequired(message="Enter the suspect's person reference."), Length(max=64)],
        filters=[strip],
    )
    victim_ref = StringField(
        "Victim's person reference",
        validators=[DataRequired(message="Enter the victim's person reference."), Length(max=64)],
        filters=[strip],
    )
    relationship_type = choice(
        "Relationship of suspect to victim",
        "a relationship",
        [("", "Choose…"), *RELATIONSHIPS.items()],
        DataRequired(message="Choose the relationship between suspect and victim."),
    )
    dash_risk = choice("DASH risk grade", "a DASH risk grade", [("", "Not assessed"), *DASH_RISKS.items()])
    outcome = choice("Outcome", "an outcome", [("", "Not yet known"), *EVENT_OUTCOMES.items()])
    district = StringField("District", validators=[Optional(), Length(max=100)], filters=[strip])
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
        filters=[strip],
    )
    submit = SubmitField("Record event")
