"""The reason-for-consultation form and the audit log's search form."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.audit.models import CONSULTATION_REASONS
from app.web import ChoiceRadio, strip

MAX_REASON_TEXT = 500


class ReasonForm(FlaskForm):
    reason = ChoiceRadio(
        "Why are you opening this record?",
        what="a reason",
        choices=dict(CONSULTATION_REASONS),
        validators=[InputRequired(message="Choose why you are opening this record.")],
    )
    detail = TextAreaField(
        "More detail (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=MAX_REASON_TEXT, message=f"Use at most {MAX_REASON_TEXT} characters.")],
    )
    object_type = HiddenField()
    object_ref = HiddenField()
    next = HiddenField()
    submit = SubmitField("Continue")
