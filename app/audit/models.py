"""One row per audited action. Rows are never updated or deleted (enforced by database triggers)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db

AUDIT_ACTIONS = {
    "login": "Signed in",
    "login_failed": "Sign-in failed",
    "logout": "Signed out",
    "view": "Viewed",
    "search": "Searched",
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "import": "Imported",
    "export": "Exported",
    "disclosure": "Disclosed",
    "token": "API token issued",
    "consult": "Stated a reason",
    "merge": "Merged records",
    "dispose": "Disposed of a record",
}

# Why a record is consulted (DPA 2018 s.62: a consultation's log shows its justification). Asked the
# first time a user opens a record in a session; "own_work" is given by Achilles itself when the
# record is in the user's own open work (their tasks or referrals), so nobody is asked to explain it.
CONSULTATION_REASONS = {
    "tasking": "Tasking (a task or meeting about this person)",
    "breach": "A breach or enforcement",
    "safeguarding": "Safeguarding",
    "disclosure": "Disclosure (Clare's Law)",
    "referral": "A referral (MARAC, MATAC, programme)",
    "data_quality": "Data quality",
}
OWN_WORK = "own_work"
REASON_LABELS = CONSULTATION_REASONS | {OWN_WORK: "In the user's own open work"}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The actor is kept as a name as well as an id, so an entry still says who acted if the
    # user row is ever renamed; user_id is null only for failed sign-ins of unknown names.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text, index=True)
    object_type: Mapped[str | None] = mapped_column(sa.Text)
    object_ref: Mapped[str | None] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    reason_code: Mapped[str | None] = mapped_column(sa.Text, index=True)  # CONSULTATION_REASONS or OWN_WORK
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    # The id of the web request that wrote the entry (as in the logs and the X-Request-ID header).
    request_id: Mapped[str | None] = mapped_column(sa.Text, index=True)

    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_ref"),)
