"""The relationship form: who, what relationship, from and to, where it came from and its grading."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from app.catalogue import HANDLING_CODES, INTELLIGENCE_GRADES, INTELLIGENCE_SOURCES, RELATIONSHIPS, SOURCE_GRADES
from app.web import ChoiceField, Day, strip


class RelationshipForm(FlaskForm):
    other_ref = StringField("The other person's reference", filters=[strip])
    relationship_type = ChoiceField(
        "Relationship", what="a relationship", choices={"": "Choose…", **RELATIONSHIPS}, default=""
    )
    since = Day("From", validators=[Optional()])
    until = Day("To", validators=[Optional()])
    source = ChoiceField(
        "Where this came from", what="where this came from", choices={"": "Choose…", **INTELLIGENCE_SOURCES}, default=""
    )
    source_grade = ChoiceField(
        "Source", what="the source's grade", choices={"": "Not graded", **SOURCE_GRADES}, default=""
    )
    intelligence_grade = ChoiceField(
        "Intelligence", what="the intelligence grade", choices={"": "Not graded", **INTELLIGENCE_GRADES}, default=""
    )
    handling_code = ChoiceField(
        "Handling", what="the handling code", choices={"": "Not graded", **HANDLING_CODES}, default=""
    )
    note = TextAreaField("Note", filters=[strip])
    shared_address = StringField("Shared address (adds it to both persons)", filters=[strip])
    shared_postcode = StringField("Postcode of the shared address", filters=[strip])
    version_id = HiddenField()
    submit = SubmitField("Save the relationship")
