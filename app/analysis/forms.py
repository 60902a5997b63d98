"""The problem profile's "as of" form."""

from flask_wtf import FlaskForm
from wtforms.validators import Optional

from app.web import Day


class AsOfForm(FlaskForm):
    class Meta:
        csrf = False

    as_of = Day("Figures as of", validators=[Optional()])
