"""The outcomes page's period form."""

from flask_wtf import FlaskForm
from wtforms.validators import Optional

from app.web import Day


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = Day("From", validators=[Optional()])
    end = Day("To", validators=[Optional()])
