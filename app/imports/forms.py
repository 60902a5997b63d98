"""The web import form."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SubmitField
from wtforms.validators import DataRequired


class ImportForm(FlaskForm):
    files = MultipleFileField("CSV files", validators=[DataRequired(message="Choose one or more CSV files to import.")])
    submit = SubmitField("Check and import")
