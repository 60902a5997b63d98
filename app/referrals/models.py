"""Programme referrals (with their moves, screening and attendance), forum referrals and Clare's Law cases.

The vocabularies the code branches on live here, once; the CHECK constraints are built from them
(and written out literally in the migration, which never imports app code).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from app.extensions import db
from app.offenders.models import Person

# ---- vocabularies ---------------------------------------------------------------------------------

REFERRAL_STATES = {
    "identified": "Identified",
    "referred": "Referred",
    "screened": "Screened",
    "accepted": "Accepted",
    "declined": "Declined",
    "started": "Started",
    "completed": "Completed",
    "dropped_out": "Dropped out",
    "withdrawn": "Withdrawn",
}
# The only moves a referral can make. Withdrawn is open from every state that is not final: the
# referrer (or the provider) ends a referral that has not run its course, e.g. the person is
# remanded or recalled, moves out of area, or the risk picture changes. Dropped out is the person
# stopping attendance after starting. Declined, completed, dropped out and withdrawn are final.
REFERRAL_MOVES = {
    "identified": ("referred", "withdrawn"),
    "referred": ("screened", "withdrawn"),
    "screened": ("accepted", "declined", "withdrawn"),
    "accepted": ("started", "withdrawn"),
    "started": ("completed", "dropped_out", "withdrawn"),
    "declined": (),
    "completed": (),
    "dropped_out": (),
    "withdrawn": (),
}
FINAL_STATES = tuple(s for s, moves in REFERRAL_MOVES.items() if not moves)
OPEN_STATES = tuple(s for s, moves in REFERRAL_MOVES.items() if moves)
MOVES_NEEDING_REASON = ("declined", "dropped_out", "withdrawn")

# The screening checklist: each item answered yes, no or not applicable before a referral is screened.
SCREENING_ITEMS = {
    "meets_eligibility": "Meets the programme's eligibility criteria (see the programme's notes)",
    "risk_assessed": "Current risk assessed and recorded (DASH for the partner; SARA/OASys where held)",
    "partner_support": "Partner or ex-partner support service (IDVA or the programme's safety service) informed",
    "children_safeguarding": "Children's safeguarding checked and any referral made",
    "available_to_attend": "Available to attend (not in custody, no clash with court or licence requirements)",
    "barriers_considered": "Barriers to engagement considered (alcohol, mental health, language, learning needs)",
    "motivation_discussed": "Willingness to engage discussed (not needed for Drive, which works without consent)",
}
SCREENING_ANSWERS = {"yes": "Yes", "no": "No", "na": "Not applicable"}

ATTENDANCE = {"attended": "Attended", "missed": "Missed", "excused": "Excused absence"}

FORUMS = {
    "marac": "MARAC (Multi-Agency Risk Assessment Conference)",
    "matac": "MATAC (Multi-Agency Tasking and Coordination)",
    "masip": "MASIP (Multi-Agency Stalking Intervention Programme)",
}
FORUM_SHORT = {"marac": "MARAC", "matac": "MATAC", "masip": "MASIP"}
MARAC_CRITERIA = {
    "visible_high_risk": "Visible high risk",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "repeat": "Repeat",
}

CLARE_ROUTES = {"ask": "Right to Ask", "know": "Right to Know"}
APPLICANT_RELATIONSHIPS = {
    "self": "The person at risk (applying for themselves)",
    "parent": "Parent",
    "family": "Other family member",
    "friend": "Friend or neighbour",
    "professional": "Professional (for example a social worker or IDVA)",
    "other": "Other",
}
CLARE_DECISIONS = {"disclose": "Disclose", "not_disclose": "Do not disclose"}
CLARE_CLOSURES = {
    "disclosed": "Disclosure made",
    "not_disclosed": "Decision not to disclose",
    "withdrawn": "Closed without a decision",
}
CLARE_TARGET_DAYS = 28  # 2023 statutory guidance: disclosure within 28 days of the application


def _in(column: str, vocabulary) -> str:
    return f"{column} IN ({', '.join(repr(code) for code in vocabulary)})"


# ---- programme referrals --------------------------------------------------------------------------


class Programme(db.Model):
    """A perpetrator programme that referrals go to (seeded catalogue; a force adds its own)."""

    __tablename__ = "programmes"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)
    provider: Mapped[str | None] = mapped_column(sa.Text)
    eligibility: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class ProgrammeReferral(TimestampMixin, VersionedMixin, db.Model):
    """A perpetrator's referral to a programme. Its state changes only through the moves service."""

    __tablename__ = "programme_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    # Chosen when the person is referred; a referral may be identified before a programme is chosen.
    programme_code: Mapped[str | None] = mapped_column(sa.ForeignKey("programmes.code"))
    state: Mapped[str] = mapped_column(sa.Text, index=True)
    identified_on: Mapped[date] = mapped_column(sa.Date, index=True)
    state_on: Mapped[date] = mapped_column(sa.Date)
    # How it was identified: from the suggested candidates, or by hand.
    source: Mapped[str] = mapped_column(sa.Text, default="manual")
    note: Mapped[str | None] = mapped_column(sa.Text)
    # {item code: "yes" | "no" | "na"} for every SCREENING_ITEMS code, once screened.
    screening: Mapped[dict | None] = mapped_column(sa.JSON)
    screening_notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    programme: Mapped[Programme | None] = relationship(lazy="joined")
    moves: Mapped[list["ReferralMove"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralMove.id"
    )
    attendance: Mapped[list["AttendanceNote"]] = relationship(
        back_populates="referral",
        cascade="all, delete-orphan",
        order_by=lambda: (AttendanceNote.session_on.desc(), AttendanceNote.id.desc()),
    )

    __table_args__ = (
        sa.CheckConstraint(_in("state", REFERRAL_STATES), name="state_known"),
        sa.CheckConstraint(
            "state IN ('identified', 'withdrawn') OR programme_code IS NOT NULL", name="programme_once_referred"
        ),
        sa.CheckConstraint("source IN ('suggested', 'manual')", name="source_known"),
    )

    @property
    def state_label(self) -> str:
        return REFERRAL_STATES[self.state]

    @property
    def allowed_moves(self) -> tuple[str, ...]:
        return REFERRAL_MOVES[self.state]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class ReferralMove(db.Model):
    """One move of a referral from one state to another: dated, by whom, and why where it matters.

    Rows are never changed: the history of a referral is the list of its moves. The first row of
    a referral (from nothing to identified) records who identified the person.
    """

    __tablename__ = "referral_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_referrals.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.Text)
    to_state: Mapped[str] = mapped_column(sa.Text)
    moved_on: Mapped[date] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    referral: Mapped[ProgrammeReferral] = relationship(back_populates="moves")
    by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_in("to_state", REFERRAL_STATES), name="to_state_known"),
        sa.CheckConstraint(f"from_state IS NULL OR {_in('from_state', REFERRAL_STATES)}", name="from_state_known"),
        sa.CheckConstraint(
            "to_state NOT IN ('declined', 'dropped_out', 'withdrawn') OR (reason IS NOT NULL AND reason <> '')",
            name="reason_given",
        ),
    )

    @property
    def from_label(self) -> str:
        return REFERRAL_STATES.get(self.from_state, "—") if self.from_state else "—"

    @property
    def to_label(self) -> str:
        return REFERRAL_STATES[self.to_state]


class AttendanceNote(db.Model):
    """A programme session: attended or not, with a note. Notes are added, never changed."""

    __tablename__ = "referral_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_referrals.id", ondelete="CASCADE"), index=True)
    session_on: Mapped[date] = mapped_column(sa.Date)
    attendance: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(sa.Text)

    referral: Mapped[ProgrammeReferral] = relationship(back_populates="attendance")

    __table_args__ = (sa.CheckConstraint(_in("attendance", ATTENDANCE), name="attendance_known"),)

    @property
    def attendance_label(self) -> str:
        return ATTENDANCE[self.attendance]


# ---- forum referrals --------------------------------------------------------------------------


class ForumReferral(TimestampMixin, VersionedMixin, db.Model):
    """A referral to MARAC (about a person at risk, with the criterion used), MATAC or MASIP (about
    a perpetrator), with the meeting date, outcome and actions."""

    __tablename__ = "forum_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    forum: Mapped[str] = mapped_column(sa.Text, index=True)
    person_at_risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    perpetrator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    criterion: Mapped[str | None] = mapped_column(sa.Text)
    # The suggestion rules that matched when the referral was made, with why: [{rule, reason, events}].
    matched_rules: Mapped[list | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    referred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    meeting_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    actions: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person_at_risk: Mapped[Person | None] = relationship(foreign_keys=[person_at_risk_id])
    perpetrator: Mapped[Person | None] = relationship(foreign_keys=[perpetrator_id])
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_in("forum", FORUMS), name="forum_known"),
        sa.CheckConstraint(f"criterion IS NULL OR {_in('criterion', MARAC_CRITERIA)}", name="criterion_known"),
        # MARAC is about a person at risk and always records its criterion; MATAC and MASIP are
        # about a perpetrator and have no MARAC criterion.
        sa.CheckConstraint(
            "(forum = 'marac' AND criterion IS NOT NULL AND person_at_risk_id IS NOT NULL)"
            " OR (forum <> 'marac' AND criterion IS NULL AND perpetrator_id IS NOT NULL)",
            name="forum_shape",
        ),
        sa.CheckConstraint(
            "person_at_risk_id IS NULL OR perpetrator_id IS NULL OR person_at_risk_id <> perpetrator_id",
            name="two_different_persons",
        ),
    )

    @property
    def forum_label(self) -> str:
        return FORUM_SHORT[self.forum]

    @property
    def criterion_label(self) -> str | None:
        return MARAC_CRITERIA.get(self.criterion) if self.criterion else None


# ---- Clare's Law ------------------------------------------------------------------------------


class ClareCase(TimestampMixin, VersionedMixin, db.Model):
    """A Domestic Violence Disclosure Scheme case: Right to Ask or Right to Know, its dated steps,
    the decision with its rationale and the disclosure made. The 28-day clock runs from
    `application_on` until the case is closed."""

    __tablename__ = "clare_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    route: Mapped[str] = mapped_column(sa.Text)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    # The person at risk: a person on the register, or only a name (a Right-to-Ask applicant's
    # partner is often not known to police).
    person_at_risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    person_at_risk_name: Mapped[str | None] = mapped_column(sa.Text)
    applicant_name: Mapped[str | None] = mapped_column(sa.Text)
    applicant_relationship: Mapped[str | None] = mapped_column(sa.Text)
    application_on: Mapped[date] = mapped_column(sa.Date, index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The steps, each dated when done.
    initial_contact_on: Mapped[date | None] = mapped_column(sa.Date)
    checks_on: Mapped[date | None] = mapped_column(sa.Date)
    checks_detail: Mapped[str | None] = mapped_column(sa.Text)
    face_to_face_on: Mapped[date | None] = mapped_column(sa.Date)
    forum_decision_on: Mapped[date | None] = mapped_column(sa.Date)
    forum_name: Mapped[str | None] = mapped_column(sa.Text)
    # The decision and its rationale.
    decision: Mapped[str | None] = mapped_column(sa.Text)
    rationale: Mapped[str | None] = mapped_column(sa.Text)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The disclosure: what, to whom, by whom, when and how.
    disclosure_on: Mapped[date | None] = mapped_column(sa.Date)
    disclosed_to: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_what: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_how: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    closure: Mapped[str | None] = mapped_column(sa.Text)
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    subject: Mapped[Person] = relationship(foreign_keys=[subject_id])
    person_at_risk: Mapped[Person | None] = relationship(foreign_keys=[person_at_risk_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    disclosed_by: Mapped[User | None] = relationship(foreign_keys=[disclosed_by_id])

    __table_args__ = (
        sa.CheckConstraint(_in("route", CLARE_ROUTES), name="route_known"),
        sa.CheckConstraint(
            "person_at_risk_id IS NOT NULL OR person_at_risk_name IS NOT NULL", name="person_at_risk_named"
        ),
        sa.CheckConstraint("person_at_risk_id IS NULL OR person_at_risk_id <> subject_id", name="subject_not_at_risk"),
        sa.CheckConstraint(
            "route = 'know' OR (applicant_name IS NOT NULL AND applicant_relationship IS NOT NULL)",
            name="applicant_for_right_to_ask",
        ),
        sa.CheckConstraint(
            f"applicant_relationship IS NULL OR {_in('applicant_relationship', APPLICANT_RELATIONSHIPS)}",
            name="applicant_relationship_known",
        ),
        sa.CheckConstraint(f"decision IS NULL OR {_in('decision', CLARE_DECISIONS)}", name="decision_known"),
        sa.CheckConstraint(
            "decision IS NULL OR (rationale IS NOT NULL AND rationale <> '' AND decided_on IS NOT NULL)",
            name="decision_has_rationale",
        ),
        sa.CheckConstraint(
            "disclosure_on IS NULL OR (decision = 'disclose' AND disclosed_to IS NOT NULL"
            " AND disclosed_what IS NOT NULL AND disclosed_by_id IS NOT NULL)",
            name="disclosure_after_decision",
        ),
        sa.CheckConstraint(f"closure IS NULL OR {_in('closure', CLARE_CLOSURES)}", name="closure_known"),
        sa.CheckConstraint("(closed_on IS NULL) = (closure IS NULL)", name="closed_with_closure"),
    )

    @property
    def route_label(self) -> str:
        return CLARE_ROUTES[self.route]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None
