"""Forum referral forms: the list filters, a referral, its outcome."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.catalogue import select_choices
from app.referrals.checks import MAX_TEXT
from app.referrals.forums.models import FORUM_SHORT, MARAC_CRITERIA
from app.web import strip


class ForumFilterForm(FlaskForm):
    class Meta:
        csrf = False

    forum = SelectField("Forum", choices=select_choices(FORUM_SHORT, "Any forum"), validators=[Optional()])
    status = SelectField(
        "Status",
        choices=select_choices({"awaiting": "Awaiting the meeting", "heard": "Outcome recorded"}, "Any status"),
        validators=[Optional()],
    )
    referred_from = DateField("Referred from", validators=[Optional()])
    referred_to = DateField("Referred to", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.referred_from.data and self.referred_to.data and self.referred_from.data > self.referred_to.data:
            self.referred_to.errors.append("The end date must be on or after the start date.")
            return False
        return ok


class ForumReferralForm(FlaskForm):
    forum = RadioField(
        "Forum", choices=select_choices(FORUM_SHORT), validators=[InputRequired(message="Choose the forum.")]
    )
    person_at_risk_ref = StringField(
        "Person at risk (person reference)", validators=[Optional(), Length(max=64)], filters=[strip]
    )
    perpetrator_ref = StringField(
        "Perpetrator (person reference)", validators=[Optional(), Length(max=64)], filters=[strip]
    )
    criterion = RadioField("MARAC criterion", choices=select_choices(MARAC_CRITERIA), validators=[Optional()])
    reason = TextAreaField("Reason for the referral", validators=[Optional(), Length(max=MAX_TEXT)])
    referred_on = DateField("Date referred", validators=[InputRequired(message="Enter the date referred.")])


class ForumOutcomeForm(FlaskForm):
    meeting_on = DateField("Date of the meeting", validators=[Optional()])
    outcome = TextAreaField("Outcome", validators=[Optional(), Length(max=MAX_TEXT)])
    actions = TextAreaField("Actions (one per line)", validators=[Optional(), Length(max=MAX_TEXT)])
    version_id = HiddenField()
