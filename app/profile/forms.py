"""The person list search form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from app.offenders.fields import choice
from app.web import strip


class SearchForm(FlaskForm):
    """A GET form: no CSRF token, so a search is a link that can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, alias, reference or PNC ID",
        validators=[Optional(), Length(max=100, message="Search for at most 100 characters.")],
        filters=[strip],
    )
    district = choice("District", "a district", [("", "Any district")])
    serial = BooleanField("Serial perpetrators only")
    active_order = BooleanField("Subject of an order in force")
    active_levers = BooleanField("Has an active lever")

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = {"": "Any district"} | {d: d for d in districts}
