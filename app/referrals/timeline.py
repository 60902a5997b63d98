"""Programme and forum referrals about a person, dated, for the register profile's timeline."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.offenders.models import Person
from app.referrals.programmes.services import referrals_of

# Who may do what with programme referrals (the routes use these; so do the templates, via can()).


@dataclass(frozen=True)
class TimelineReferral:
    """A referral as one line of the register profile's timeline (the profile prints it as text)."""

    id: int
    text: str

    def __str__(self) -> str:
        return self.text


def timeline_entries(person: Person) -> list[tuple[date, "TimelineReferral"]]:
    """Programme and forum referrals about the person, dated, for the register profile's timeline.

    Clare's Law cases are left out: the profile is open to officers, and Clare's Law cases are for
    the DA Hub (supervisors) and analysts only.
    """
    from app.referrals.forums.models import FORUM_SHORT, ForumReferral

    items = []
    for r in referrals_of(person):
        programme = r.programme.label if r.programme else "programme not chosen yet"
        text = f"Programme referral {r.ref} ({programme}): {r.state_label.lower()} since {r.state_on:%d %b %Y}."
        items.append((r.identified_on, TimelineReferral(r.id, text)))
    forum_rows = db.session.scalars(
        sa.select(ForumReferral)
        .where(sa.or_(ForumReferral.person_at_risk_id == person.id, ForumReferral.perpetrator_id == person.id))
        .order_by(ForumReferral.referred_on.desc(), ForumReferral.id.desc())
    )
    for f in forum_rows:
        role = "as the person at risk" if f.person_at_risk_id == person.id else "as the perpetrator"
        criterion = f" ({f.criterion_label.lower()})" if f.criterion else ""
        outcome = "outcome recorded" if f.outcome else "awaiting the meeting"
        text = f"{FORUM_SHORT[f.forum]} referral {f.ref}{criterion}, {role}: {outcome}."
        items.append((f.referred_on, TimelineReferral(f.id, text)))
    return items
