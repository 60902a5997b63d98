"""The victim feedback form: the Victims' Panel's questions, asked with consent."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.victims.feedback.models import FEEDBACK_ANSWERS, REPORT_AGAIN_ANSWERS
from app.web import ChoiceRadio, Day, strip


class FeedbackForm(FlaskForm):
    consent = BooleanField("The victim consents to giving feedback and to it being recorded")
    case_closed_on = Day("Date the case closed", validators=[Optional()])
    recorded_on = Day("Date of the feedback", validators=[Optional()])
    listened = ChoiceRadio(
        "Did you feel listened to?", what="an answer", choices=FEEDBACK_ANSWERS, validate_choice=False
    )
    safer = ChoiceRadio("Do you feel safer?", what="an answer", choices=FEEDBACK_ANSWERS, validate_choice=False)
    report_again = ChoiceRadio(
        "Would you report to the police again?", what="an answer", choices=REPORT_AGAIN_ANSWERS, validate_choice=False
    )
    comment = TextAreaField("Anything else they would like to say", filters=[strip])
    submit = SubmitField("Record the feedback")
