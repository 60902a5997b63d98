"""The scoring model form: every number of a new version, by field."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField

from app.ranking.model_versions import services as model_versions


class ScoringModelBaseForm(FlaskForm):
    based_on = HiddenField()  # the version the numbers were filled from (its rule set is kept)
    seen_latest = HiddenField()  # the newest version when the form was filled (a conflict check)
    note = TextAreaField("What changed and why (required)")
    submit = SubmitField("Publish a new version")
    preview = SubmitField("Preview against the current version")


def scoring_model_form(
    rows: dict[str, int], offences: dict[str, str], levers: dict[str, str], rules: int = 1, **kwargs
):
    """The publish form: one text box per number of the model, named as model_versions names them.

    Built per request because its fields follow the catalogues (every offence and lever) and the
    number of rows in each band table. The numbers are checked by model_versions.parse, which
    gives every field its message; the form itself checks only the CSRF token.
    """
    fields = {}
    for table in model_versions.BAND_TABLES:
        for n in range(1, rows[table.section] + 1):
            threshold = model_versions.band_field(table.section, n, table.key)
            points = model_versions.band_field(table.section, n, "points")
            fields[threshold] = StringField(f"{table.title} band {n}: {table.threshold_label.lower()}")
            fields[points] = StringField(f"{table.title} band {n}: points")
    for code, label in offences.items():
        fields[model_versions.harm_field(code)] = StringField(f"Harm days: {label}")
    for code, label in levers.items():
        fields[model_versions.lever_field(code)] = StringField(f"Weight: {label}")
    for setting in model_versions.settings_for(rules):
        fields[setting.name] = StringField(setting.label)
    form_class = type("ScoringModelForm", (ScoringModelBaseForm,), fields)
    return form_class(**kwargs)
