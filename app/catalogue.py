"""Controlled vocabularies: fixed ones as Python constants, force-configurable ones as tables.

The force-configurable catalogues (offence categories with harm days, order types with their
breach route, levers with weights) are rows seeded by a migration, so a force can load its own
values without a code change. Fixed vocabularies that the code branches on live here, once.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from wtforms.fields.choices import SelectChoice

from app.extensions import db

ROLES = {
    "supervisor": "Supervisor",
    "officer": "Officer",
    "referral": "Referral staff",
    "analyst": "Analyst",
    "admin": "Administrator",
}

RELATIONSHIPS = {
    "partner": "Partner",
    "ex_partner": "Ex-partner",
    "family": "Family member",
    "other": "Other",
}

DASH_RISKS = {"standard": "Standard", "medium": "Medium", "high": "High"}

# Where knowledge of a recorded relationship came from, and its grading (the 3x5x2 model:
# source evaluation 1-3, intelligence assessment A-E, handling code P or C).
INTELLIGENCE_SOURCES = {
    "records": "Police or court records",
    "victim": "The victim or person at risk",
    "subject": "The subject themselves",
    "third_party": "Family, friend or neighbour",
    "partner_agency": "Partner agency (IDVA, social care, housing, health)",
    "officer": "An officer's own observation",
    "intelligence_report": "Intelligence report",
}

SOURCE_GRADES = {"1": "1 Reliable", "2": "2 Untested", "3": "3 Not reliable"}

INTELLIGENCE_GRADES = {
    "A": "A Known directly to the source",
    "B": "B Known indirectly to the source but corroborated",
    "C": "C Known indirectly to the source",
    "D": "D Not known",
    "E": "E Suspected to be false",
}

HANDLING_CODES = {"P": "P Lawful sharing permitted", "C": "C Lawful sharing permitted with conditions"}

EVENT_OUTCOMES = {
    "arrest": "Arrest",
    "charge": "Charge",
    "caution": "Caution",
    "nfa": "No further action",
    "ongoing": "Ongoing",
}

GENDERS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}

# DPA 2018 s.38(3): distinguish categories of data subject; one person may be several.
SUBJECT_CATEGORIES = {
    "suspect": "Suspect",
    "victim": "Victim",
    "witness": "Witness",
    "convicted": "Convicted person",
}

WARNING_MARKERS = {
    "violence": "Violence",
    "weapons": "Weapons",
    "firearms": "Firearms",
    "drugs": "Drugs",
    "mental_health": "Mental health",
    "self_harm": "Self-harm",
    "suicide_risk": "Suicide risk",
    "escape_risk": "Escape risk",
}

EVENT_SOURCES = {"import": "Imported", "manual": "Recorded in Achilles", "breach": "Breach logged"}

BREACH_OFFENCE_CRIMINAL = "breach_criminal_order"
BREACH_OFFENCE_CIVIL = "breach_civil_order"
BREACH_OFFENCES = (BREACH_OFFENCE_CRIMINAL, BREACH_OFFENCE_CIVIL)
DERIVED_LEVER_BREACH_UNACTIONED = "breach_unactioned"

TASK_TYPES = {
    "arrest": "Arrest",
    "warrant": "Warrant",
    "breach_enforcement": "Breach enforcement",
    "lever_action": "Lever action",
    "intelligence_development": "Intelligence development",
    "hidden_harm_visit": "Hidden-harm visit",
    "victim_safeguarding": "Victim safeguarding contact",
    "order_application": "Order application",
    "programme_referral": "Programme referral",
    "right_to_know": "Right-to-Know disclosure",
    "pre_release": "Pre-release planning",
    "risk_review": "Risk review",
}

TASK_STATUSES = {"open": "Open", "in_progress": "In progress", "done": "Done", "cancelled": "Cancelled"}

TASK_OUTCOMES = {
    "arrested": "Arrested",
    "charged": "Charged",
    "recalled": "Recalled to prison",
    "order_obtained": "Order obtained",
    "referral_made": "Referral made",
    "disclosure_made": "Disclosure made",
    "visit_completed": "Visit completed",
    "victim_contacted": "Victim contacted",
    "no_further_action": "No further action",
    "cautioned": "Cautioned",
    "returned_to_court": "Returned to court",
    "certificate_revoked": "Certificate revoked",
    "lever_ended": "Acted on: the lever no longer applies",
}

TASK_PRIORITIES = {"high": "High", "normal": "Normal", "low": "Low"}

# Putting a task aside (Recidiviz case_triage's deferrals); "data is wrong" flags it for analysts.
TASK_DEFERRALS = {
    "snooze": "Snooze until a date",
    "action_elsewhere": "Action taken elsewhere",
    "data_wrong": "The data is wrong",
}

# MATAC tactics for a person's plan (domain.md §6).
MEETING_TACTICS = {
    "support": "Support",
    "prevention": "Prevention",
    "diversion": "Diversion",
    "disruption": "Disruption",
    "enforcement": "Enforcement",
}

# Why a person is on a tasking meeting's agenda.
AGENDA_REASONS = {
    "ranked": "Top of the target list",
    "breach": "Breach since the last meeting",
    "ranked_and_breach": "Top of the target list and a breach since the last meeting",
    "added": "Added by the meeting",
    "review": "Plan due for review",
    "cohort": "Managed cohort: no plan yet",
}

# Why a person leaves the managed cohort (MATAC): "desisted" is checked against the records.
COHORT_EXIT_REASONS = {
    "desisted": "No DA event for 12 weeks and the score has fallen by a quarter",
    "custody": "In custody",
    "moved_away": "Moved out of the force area",
    "programme_completed": "Completed a perpetrator programme",
    "other": "Other (say why)",
}

SCORE_TRIGGERS = {
    "nightly": "Nightly",
    "manual": "Manual",
    "breach": "Breach",
    "import": "Import",
    "event": "DA event recorded or corrected",
    "lever": "Lever noted or ended",
    "custody": "Custody recorded or changed",
}


class OffenceCategory(db.Model):
    __tablename__ = "offence_categories"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)
    harm_days: Mapped[int] = mapped_column(sa.Integer)
    # MoPI review group a record falls in when this is its most serious offence (1 certain public
    # protection matters, 2 other sexual, violent or serious offences, 3 other offences).
    review_group: Mapped[int] = mapped_column(sa.Integer, default=3, server_default="3")

    __table_args__ = (
        sa.CheckConstraint("harm_days >= 0", name="harm_days_not_negative"),
        sa.CheckConstraint("review_group IN (1, 2, 3)", name="review_group_known"),
    )


class OrderType(db.Model):
    __tablename__ = "order_types"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)
    breach_is_criminal: Mapped[bool] = mapped_column(sa.Boolean)

    @property
    def breach_offence(self) -> str:
        return BREACH_OFFENCE_CRIMINAL if self.breach_is_criminal else BREACH_OFFENCE_CIVIL


class LeverType(db.Model):
    __tablename__ = "lever_types"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)
    weight: Mapped[int] = mapped_column(sa.Integer)
    # Derived levers (breach_unactioned) are computed from events and never recorded by hand.
    derived: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    __table_args__ = (sa.CheckConstraint("weight >= 0", name="weight_not_negative"),)


def codes(model) -> set[str]:
    return set(db.session.scalars(sa.select(model.code)))


def labels(model) -> dict[str, str]:
    return dict(db.session.execute(sa.select(model.code, model.label).order_by(model.label)).all())


def select_choices(mapping: dict[str, str], blank: str | None = None) -> list[SelectChoice]:
    """Choices for a WTForms SelectField from a {code: label} vocabulary, optionally with a blank first."""
    options = [SelectChoice(code, label) for code, label in mapping.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options
