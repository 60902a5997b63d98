"""Forms for merging two person records and for undoing a merge."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.offenders.merge.services import MAX_REASON
from app.web import ChoiceRadio, strip


class MergeForm(FlaskForm):
    keep = ChoiceRadio(
        "Which record is kept?",
        what="the record to keep",
        choices={"a": "The first", "b": "The second"},
        validators=[InputRequired(message="Choose the record to keep.")],
    )
    reason = TextAreaField(
        "Why are they the same person?",
        filters=[strip],
        validators=[InputRequired(message="Say why these records are the same person."), Length(max=MAX_REASON)],
    )
    submit = SubmitField("Merge the records")


class PairForm(FlaskForm):
    a = HiddenField()
    b = HiddenField()
    submit = SubmitField("Not the same person")


class UndoForm(FlaskForm):
    submit = SubmitField("Undo this merge")
