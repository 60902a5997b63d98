"""The MoPI review decision form."""

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.offenders.retention.models import DECISIONS
from app.offenders.retention.services import MAX_REASON
from app.web import ChoiceRadio, Day, strip


class ReviewForm(FlaskForm):
    decision = ChoiceRadio(
        "Decision",
        what="retain or dispose",
        choices=dict(DECISIONS),
        validators=[InputRequired(message="Choose whether to retain or dispose of the record.")],
    )
    reason = TextAreaField(
        "Reason",
        filters=[strip],
        validators=[InputRequired(message="Give the reason for the decision."), Length(max=MAX_REASON)],
    )
    next_review_on = Day("Next review (when retaining)", validators=[Optional()])
    submit = SubmitField("Record the decision")
