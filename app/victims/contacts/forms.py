"""Forms: a victim's contact preferences, and logging a contact."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.victims.contacts.models import CONTACT_CHANNELS, CONTACT_OUTCOMES, SAFE_CHANNELS
from app.web import ChoiceField, ChoiceRadio, Moment, MultiCheckboxField, strip


class PreferencesForm(FlaskForm):
    channels = MultiCheckboxField("Safe ways to contact them", choices=SAFE_CHANNELS, validate_choice=False)
    safe_phone = StringField("Safe phone number", filters=[strip])
    safe_email = StringField("Safe email address", filters=[strip])
    safe_times = StringField("Safe times to contact them", filters=[strip])
    no_messages = BooleanField("Do not leave messages (voicemail, texts seen by others, letters)")
    safe_word = TextAreaField("Safe word or other note", filters=[strip])
    safety_plan_ref = StringField("Safety plan reference", filters=[strip])
    version_id = HiddenField()
    submit = SubmitField("Save contact preferences")


class ContactForm(FlaskForm):
    contacted_at = Moment("When was the contact made or tried?", validators=[Optional()])
    channel = ChoiceField("How?", what="how", choices={"": "Choose…", **CONTACT_CHANNELS}, default="")
    outcome = ChoiceRadio("What came of it?", what="what came of it", choices=CONTACT_OUTCOMES, validate_choice=False)
    note = TextAreaField("Note", filters=[strip])
    task_id = HiddenField()
    submit = SubmitField("Log the contact")
