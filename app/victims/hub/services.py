"""The DA Hub's virtual responses: record one (checked whole, nothing half-written), read them, and
the Hub's figures per week.

The service is optional: the caller chooses it. Without their consent there is no video response
and the Hub cannot close the matter itself (an officer must attend); consent is recorded first.
Weeks run Monday to Sunday (UK time) and a response counts in the week its call was received.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, assign_ref, local_date, local_time, local_today, placeholder_ref
from app.extensions import db
from app.victims.common import (
    MAX_NAME,
    MAX_TEXT,
    check_moment,
    clean,
    codes_field,
    find_person,
    text_field,
    victim_event,
)
from app.victims.dash import services as dash
from app.victims.hub.models import HUB_CHANNELS, HUB_EVIDENCE, HUB_OUTCOMES, HubResponse

HUB_REF_PREFIX = "ACH-HUB-"
FIGURE_WEEKS = 12


@dataclass
class HubInput:
    person_ref: str | None
    call_received_at: datetime | None
    contact_made_at: datetime | None
    channel: str | None
    consent: bool | None
    suspect_ref: str | None = None
    dash_ref: str | None = None
    evidence: list[str] = field(default_factory=list)
    evidence_other: str | None = None
    crime_recorded: bool | None = None
    crime_event_ref: str | None = None
    safeguarding_done: bool | None = None
    signposting_done: bool | None = None
    signposted_to: str | None = None
    outcome: str | None = None
    note: str | None = None


def _check_times(errors: dict, values: HubInput) -> None:
    check_moment(errors, "call_received_at", values.call_received_at, "the date and time the call was received")
    check_moment(errors, "contact_made_at", values.contact_made_at, "the date and time contact was made")
    if (
        values.call_received_at
        and values.contact_made_at
        and "call_received_at" not in errors
        and "contact_made_at" not in errors
        and values.contact_made_at < values.call_received_at
    ):
        errors["contact_made_at"] = "Contact cannot be made before the call was received: check both times."


def _check_consent(errors: dict, values: HubInput) -> None:
    if values.channel not in HUB_CHANNELS:
        errors["channel"] = "Choose video or phone."
    if values.consent is None:
        errors["consent"] = "Record whether the caller consents to a virtual response (the service is optional)."
    elif not values.consent:
        if values.channel == "video":
            errors["channel"] = "A video response needs the caller's consent: without it, record the call as phone."
        if values.outcome == "resolved":
            errors["outcome"] = "Without the caller's consent the Hub cannot resolve it: an officer must attend."
    if values.outcome not in HUB_OUTCOMES and "outcome" not in errors:
        errors["outcome"] = "Choose the outcome: resolved by the Hub, or officer attendance still needed."


def check_response(values: HubInput) -> tuple[dict[str, str], dict]:
    errors: dict[str, str] = {}
    person = find_person(values.person_ref)
    if not clean(values.person_ref):
        errors["person_ref"] = "Enter the caller's person reference (add them to the register first if new)."
    elif person is None:
        ref = clean(values.person_ref)[:64]
        errors["person_ref"] = f"No person has the reference {ref}: add them to the register first."
    suspect = find_person(values.suspect_ref)
    if clean(values.suspect_ref) and suspect is None:
        errors["suspect_ref"] = f"No person has the reference {clean(values.suspect_ref)[:64]}."
    elif suspect is not None and person is not None and suspect.id == person.id:
        errors["suspect_ref"] = "The suspect cannot be the caller."
    _check_times(errors, values)
    _check_consent(errors, values)
    evidence = codes_field(errors, "evidence", values.evidence, HUB_EVIDENCE, "the evidence captured")
    other = text_field(errors, "evidence_other", values.evidence_other, MAX_NAME, "the other evidence")
    if "other" in evidence and not other and "evidence_other" not in errors:
        errors["evidence_other"] = "Say what other evidence was captured."
    for name, message in (
        ("crime_recorded", "Say whether a crime was recorded."),
        ("safeguarding_done", "Say whether safeguarding was done."),
        ("signposting_done", "Say whether the caller was signposted to support."),
    ):
        if getattr(values, name) is None:
            errors[name] = message
    event = assessment = None
    if person is not None:
        event = victim_event(errors, "crime_event_ref", values.crime_event_ref, person, "the crime recorded")
        assessment = dash.assessment_of(person, values.dash_ref, errors, "dash_ref")
    if values.crime_recorded and event is None and "crime_event_ref" not in errors:
        errors["crime_event_ref"] = "Enter the reference of the crime's DA event (record the event first)."
    if values.crime_recorded is False and event is not None:
        errors["crime_event_ref"] = "An event is given but the answer says no crime was recorded."
    signposted_to = text_field(errors, "signposted_to", values.signposted_to, MAX_TEXT, "where they were signposted")
    if values.signposting_done and not signposted_to and "signposted_to" not in errors:
        errors["signposted_to"] = "Say which services the caller was signposted to."
    resolved = {"person": person, "suspect": suspect, "event": event, "assessment": assessment}
    resolved |= {"evidence": evidence, "other": other if "other" in evidence else None}
    resolved |= {"signposted_to": signposted_to, "note": text_field(errors, "note", values.note, MAX_TEXT, "the note")}
    return errors, resolved


def record_response(values: HubInput, *, actor: Actor, handled_by: str | None = None) -> HubResponse:
    """Record a Hub response; ValidationFailed (nothing written) if anything is wrong."""
    errors, r = check_response(values)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    person = r["person"]
    response = HubResponse(
        ref=placeholder_ref(),
        person_id=person.id,
        suspect_id=r["suspect"].id if r["suspect"] else None,
        call_received_at=values.call_received_at,
        contact_made_at=values.contact_made_at,
        channel=values.channel,
        consent=values.consent,
        dash_assessment_id=r["assessment"].id if r["assessment"] else None,
        evidence=r["evidence"],
        evidence_other=r["other"],
        crime_event_id=r["event"].id if r["event"] else None,
        safeguarding_done=values.safeguarding_done,
        signposting_done=values.signposting_done,
        signposted_to=r["signposted_to"] if values.signposting_done else None,
        outcome=values.outcome,
        district=person.district,
        handled_by_id=actor.user_id,
        handled_by=(clean(handled_by) or actor.username)[:MAX_NAME],
        note=r["note"],
    )
    db.session.add(response)
    assign_ref(response, HUB_REF_PREFIX)
    audit.record(
        "create",
        f"recorded DA Hub response {response.ref} to {person.ref} ({HUB_CHANNELS[values.channel].lower()})",
        object_type="hub_response",
        object_ref=response.ref,
        data={
            "person": person.ref,
            "call_received_at": values.call_received_at,
            "contact_made_at": values.contact_made_at,
            "channel": values.channel,
            "consent": values.consent,
            "evidence": r["evidence"],
            "crime_event": r["event"].ref if r["event"] else None,
            "outcome": values.outcome,
        },
        actor=actor,
    )
    db.session.commit()
    return response


def responses_of(person) -> list[HubResponse]:
    return list(
        db.session.scalars(
            sa.select(HubResponse)
            .where(HubResponse.person_id == person.id)
            .order_by(HubResponse.call_received_at.desc(), HubResponse.id.desc())
        )
    )


def recent_responses(*, limit: int = 50) -> list[HubResponse]:
    return list(
        db.session.scalars(
            sa.select(HubResponse)
            .options(joinedload(HubResponse.person))
            .order_by(HubResponse.call_received_at.desc(), HubResponse.id.desc())
            .limit(limit)
        )
    )


def get_response(ref: str) -> HubResponse | None:
    return db.session.scalar(
        sa.select(HubResponse)
        .where(HubResponse.ref == ref)
        .options(joinedload(HubResponse.person), joinedload(HubResponse.suspect), joinedload(HubResponse.crime_event))
    )


def audit_view(
    summary: str,
    *,
    actor: Actor,
    object_type: str = "hub_response",
    object_ref: str | None = None,
    reason: str | None = None,
):
    audit.record("view", summary, object_type=object_type, object_ref=object_ref, reason=reason, actor=actor)
    db.session.commit()


# ---- figures ------------------------------------------------------------------------------------


@dataclass
class HubWeek:
    starts_on: date
    responses: int = 0
    video: int = 0
    with_evidence: int = 0
    attendance: int = 0
    minutes: list[int] = field(default_factory=list)

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=6)

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def video_share(self) -> float | None:
        return self._share(self.video, self.responses)

    @property
    def evidence_rate(self) -> float | None:
        return self._share(self.with_evidence, self.responses)

    @property
    def attendance_share(self) -> float | None:
        return self._share(self.attendance, self.responses)

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_figures(*, weeks: int = FIGURE_WEEKS, as_of: date | None = None) -> list[HubWeek]:
    """The last `weeks` weeks (Monday to Sunday, UK time), newest first: responses, video share,
    median minutes from call to contact, share with evidence captured, share needing attendance."""
    as_of = as_of or local_today()
    first = week_start(as_of) - timedelta(weeks=weeks - 1)
    found = {first + timedelta(weeks=n): HubWeek(first + timedelta(weeks=n)) for n in range(weeks)}
    rows = db.session.execute(
        sa.select(
            HubResponse.call_received_at,
            HubResponse.contact_made_at,
            HubResponse.channel,
            HubResponse.evidence,
            HubResponse.outcome,
        )
        .where(HubResponse.call_received_at >= local_time(first, time(0, 0)))
        .where(HubResponse.call_received_at < local_time(as_of + timedelta(days=1), time(0, 0)))
    )
    for received, contacted, channel, evidence, outcome in rows:
        week = found.get(week_start(local_date(received)))
        if week is None:
            continue
        week.responses += 1
        week.video += channel == "video"
        week.with_evidence += bool(evidence)
        week.attendance += outcome == "attendance"
        week.minutes.append(int((contacted - received).total_seconds() // 60))
    return sorted(found.values(), key=lambda w: w.starts_on, reverse=True)
