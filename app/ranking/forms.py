"""Forms of the target list (filters, re-rank) and of the scoring model (publish a new version)."""

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from app.catalogue import select_choices
from app.ranking import model_versions
from app.ranking.services import FLAG_LABELS, TARGET_PAGE_SIZES


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value says, in plain words, what was wrong."""

    def __init__(self, *args, invalid_message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data not in {str(value) for value, *_ in self.iter_choices()}:
            raise ValidationError(self.invalid_message)


class TargetFilterForm(Form):
    """The target list's filters, from the query string (a GET form: nothing changes, no CSRF)."""

    district = ChoiceField("District", default="", invalid_message="Choose a district from the list.")
    flag = ChoiceField("Flag", default="", invalid_message="Choose a flag from the list.")
    lever = ChoiceField("Lever", default="", invalid_message="Choose a lever from the list.")
    per_page = ChoiceField(
        "Rows per page",
        choices=select_choices({str(n): str(n) for n in TARGET_PAGE_SIZES}),
        default="50",
        invalid_message=f"Choose how many rows to show: {', '.join(map(str, TARGET_PAGE_SIZES))}.",
    )

    def __init__(self, formdata, *, districts: list[str], levers: dict[str, str]):
        super().__init__(formdata)
        self.district.choices = select_choices({d: d for d in districts}, blank="All districts")
        self.flag.choices = select_choices(FLAG_LABELS, blank="Any flag")
        self.lever.choices = select_choices(levers, blank="Any lever")


class RerankForm(FlaskForm):
    submit = SubmitField("Re-rank now")


class ScoringModelBaseForm(FlaskForm):
    based_on = HiddenField()
    note = TextAreaField("What changed and why (required)")
    submit = SubmitField("Publish a new version")


def scoring_model_form(rows: dict[str, int], offences: dict[str, str], levers: dict[str, str], **kwargs):
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
    for setting in model_versions.SETTINGS:
        fields[setting.name] = StringField(setting.label)
    form_class = type("ScoringModelForm", (ScoringModelBaseForm,), fields)
    return form_class(**kwargs)
