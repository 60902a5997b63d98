"""Order register, breach logging, breach outcome and filter forms.

Forms check shape only (required, length, type); the rules that need the database or span
several fields (dates, people, conditions, orders in force) live in the services, so the pages,
the API and the CLI get the same answers.
"""

import uuid

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.web import MultiCheckboxField, PlausibleDate

MAX_CONDITION = 2000
MAX_NARRATIVE = 10000
YES_NO = {"yes": "Yes", "no": "No"}


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class ConditionForm(Form):
    """One existing condition: its number is fixed, its text may change (or be cleared to remove it)."""

    number = HiddenField()
    text = TextAreaField("Condition", validators=[Optional(), Length(max=MAX_CONDITION)])


class OrderForm(FlaskForm):
    ref = StringField(
        "Order reference", validators=[Optional(), Length(max=64)], filters=[lambda v: v.strip() if v else v]
    )
    order_type = SelectField("Type of order", validators=[DataRequired(message="Choose the type of order.")])
    subject_ref = StringField(
        "Subject (person reference)",
        validators=[DataRequired(message="Enter the person reference of the order's subject.")],
        filters=[lambda v: v.strip() if v else v],
    )
    protected_refs = StringField(
        "Protected persons (person references)",
        validators=[DataRequired(message="Enter the person reference of at least one protected person.")],
    )
    made_on = PlausibleDate("Date made", validators=[Optional()])
    served_on = PlausibleDate("Date served", validators=[Optional()])
    starts_on = PlausibleDate("Start date", validators=[InputRequired(message="Enter the date the order starts.")])
    ends_on = PlausibleDate("End date", validators=[Optional()])
    until_further_order = BooleanField("Until further order (no end date)")
    court = StringField("Court", validators=[Optional(), Length(max=200)])
    power_of_arrest = BooleanField("A power of arrest is attached")
    existing_conditions = FieldList(FormField(ConditionForm), min_entries=0)
    new_conditions = TextAreaField("Conditions", validators=[Optional(), Length(max=40000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    change_kind = RadioField(
        "Why are you changing this order?",
        choices={
            "correction": "Correcting how it was recorded",
            "variation": "The court (or issuing officer) varied the order",
        },
        validators=[Optional()],
    )
    varied_on = PlausibleDate("Date varied", validators=[Optional()])
    confirm_warnings = BooleanField("I confirm these dates are right")
    version_id = HiddenField()
    submit = SubmitField("Save order")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Done here, not as an inline validator: Optional() stops the chain on an empty field.
        typed = bool(self.ends_on.raw_data and self.ends_on.raw_data[0].strip())
        message = None
        if not typed and not self.until_further_order.data:
            message = "Enter the end date, or tick 'Until further order'."
        elif typed and self.until_further_order.data:
            message = "Either enter an end date or tick 'Until further order', not both."
        if message:
            self.ends_on.errors = [*self.ends_on.errors, message]
            return False
        return ok


class RevokeForm(FlaskForm):
    revoked_on = PlausibleDate(
        "Date revoked", validators=[InputRequired(message="Enter the date the order was revoked.")]
    )
    reason = TextAreaField(
        "Why was it revoked?",
        validators=[DataRequired(message="Say why the order was revoked."), Length(max=2000)],
    )
    version_id = HiddenField()
    submit = SubmitField("Revoke order")


class BreachForm(FlaskForm):
    occurred_at = DateTimeLocalField(
        "When did it happen?",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message="Enter the date and time of the breach.")],
    )
    conditions = MultiCheckboxField(
        "Which conditions were breached?",
        coerce=int,
        validate_choice=False,  # the service names a condition the order does not have
    )
    narrative = TextAreaField(
        "What happened?",
        validators=[DataRequired(message="Say what happened."), Length(max=MAX_NARRATIVE)],
    )
    reported_how = SelectField("How was it reported?", validators=[DataRequired(message="Say how it was reported.")])
    protected_person_told = RadioField(
        "Has the protected person been told?",
        choices=YES_NO,
        validators=[InputRequired(message="Say whether the protected person has been told.")],
    )
    arrested = RadioField(
        "Was the subject arrested?",
        choices=YES_NO,
        validators=[InputRequired(message="Say whether the subject was arrested.")],
    )
    protected_ref = SelectField("Which protected person?", validators=[Optional()])
    submission_key = HiddenField()
    submit = SubmitField("Log the breach")

    def validate_conditions(self, field):
        if not field.data:
            raise ValidationError("Tick at least one condition.")

    @staticmethod
    def new_key() -> str:
        return str(uuid.uuid4())


class BreachOutcomeForm(FlaskForm):
    outcome = SelectField("Outcome", validators=[DataRequired(message="Choose the outcome.")])
    version_id = HiddenField()
    submit = SubmitField("Record outcome")


class FindOrderForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    q = StringField(
        "Order reference, or the subject's person reference or name",
        validators=[DataRequired(message="Enter an order reference, a person reference or a name."), Length(max=100)],
        filters=[lambda v: v.strip() if v else v],
    )


class OrderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices={"in_force": "In force today", "all": "All orders", "ended": "Ended or revoked"},
        default="in_force",
        validators=[Optional()],
    )
    ending_within = IntegerField(
        "Ending within (days)",
        validators=[Optional(), NumberRange(min=0, max=3650, message="Enter a number of days from 0 to 3650.")],
    )
    order_type = SelectField("Type", validators=[Optional()])
    district = SelectField("District", validators=[Optional()])
    q = StringField("Reference or subject", validators=[Optional(), Length(max=100)])
