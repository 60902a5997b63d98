"""The DASH assessment form: when, the 27 questions (yes, no or not known), the grade and why."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.catalogue import DASH_RISKS
from app.victims.dash.questions import DASH_ANSWERS, DASH_QUESTIONS
from app.web import ChoiceField, ChoiceRadio, Day, strip


class DashForm(FlaskForm):
    assessed_on = Day("Date of the assessment", validators=[Optional()])
    event_ref = StringField("DA event it was made for (reference, if any)", filters=[strip])
    suspect_ref = StringField("Perpetrator asked about (person reference, if not the event's suspect)", filters=[strip])
    grade = ChoiceField(
        "Risk grade", what="a risk grade", choices={"": "As the answers give", **DASH_RISKS}, default=""
    )
    judgement_reason = TextAreaField("Reason for grading higher than the answers give", filters=[strip])
    note = TextAreaField("Note", filters=[strip])
    submit = SubmitField("Record the assessment")

    def answers(self) -> dict[int, str | None]:
        return {n: self[f"q{n}"].data for n in DASH_QUESTIONS}

    def questions(self):
        return [self[f"q{n}"] for n in DASH_QUESTIONS]


for _number, (_name, _text) in DASH_QUESTIONS.items():
    setattr(DashForm, f"q{_number}", ChoiceRadio(f"{_number}. {_text}", choices=DASH_ANSWERS, validate_choice=False))
