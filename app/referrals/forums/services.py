"""Forum referrals: MARAC (with the criterion that triggered it), MATAC and MASIP; MARAC suggestions.

MARAC is victim-focused, so its suggestion rules read the events of the **person at risk as the
victim** (by any perpetrator), never the events in which that person is the suspect. The rules
(SafeLives referral criteria, reference/domain.md §2), with "12 months" the project's window of
floor(12 x 30.44) = 365 days (app.network.graph.within):

- visible high risk: an event graded DASH high in the last 12 months, after the last MARAC
  referral of the person (an event already considered at that referral does not suggest again);
- potential escalation: 3 or more events in the 12 months up to the day, at least one of them after
  the last MARAC referral;
- repeat: an event after the last MARAC referral and no more than 12 months after it.

DASH assessments recorded in Achilles (owned by the victims part, which answers the signal
`dash_facts_wanted`: referrals sits below victims and never imports it) add, for assessments in
the last 12 months made after the last MARAC referral:

- visible high risk: 14 or more of the 27 questions answered yes;
- professional judgement: the assessor graded the risk high above what the answers give, with a
  reason (the referrer still writes their own reason: it is their judgement now);
- potential escalation: yes to "the abuse is happening more often" or "getting worse".

The system only suggests: a person decides the criterion, and professional judgement is always
available. A criterion no rule supports (professional judgement, or a high-risk DASH held by a
partner agency) needs a written reason.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, local_today, placeholder_ref
from app.extensions import db
from app.network import graph as network
from app.offenders.models import DAEvent, Person
from app.referrals.checks import check_date, check_length, clean
from app.referrals.forums.models import FORUM_SHORT, FORUMS, MARAC_CRITERIA, ForumReferral

FORUM_READERS = ("supervisor", "officer", "analyst")
FORUM_WRITERS = ("supervisor", "officer")
FORUM_REF_PREFIX = "ACH-FR-"
MARAC_WINDOW_MONTHS = 12
ESCALATION_EVENTS = 3
# Rules that the register can show; professional judgement is a person's call, never a rule.
RULE_CRITERIA = ("visible_high_risk", "potential_escalation", "repeat")
MAX_TEXT = 5000


@dataclass(frozen=True)
class VictimEvent:
    """A DA event in which the person at risk is the victim."""

    event_id: int
    ref: str
    occurred_on: date
    dash_risk: str | None = None
    suspect_id: int | None = None


@dataclass(frozen=True)
class DashFact:
    """A DASH assessment of the person at risk, as MARAC's rules read it (victims answers these)."""

    ref: str
    assessed_on: date
    yes_count: int
    grade: str
    by_judgement: bool  # graded above what the answers give
    escalation: tuple[str, ...] = ()  # the escalation questions answered yes, in words
    event_ref: str | None = None


DASH_HIGH_FROM = 14  # yes answers for visible high risk (SafeLives criterion 1, domain.md §2)


@dataclass(frozen=True)
class RuleMatch:
    criterion: str
    reason: str
    event_refs: tuple[str, ...]
    assessment_refs: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return MARAC_CRITERIA[self.criterion]

    def as_json(self) -> dict:
        found = {"criterion": self.criterion, "reason": self.reason, "events": list(self.event_refs)}
        return found | ({"assessments": list(self.assessment_refs)} if self.assessment_refs else {})


def _day(d: date) -> str:
    return d.strftime("%d %b %Y")


def marac_rules(
    events: Iterable[VictimEvent], as_of: date, last_referral_on: date | None, dash: Iterable[DashFact] = ()
) -> list[RuleMatch]:
    """The MARAC rules that match for one person at risk as of `as_of` (pure: no database).

    `events` are the person's events as victim and `dash` their DASH assessments; those dated after
    `as_of` do not exist yet. One match per criterion, its reasons from events and assessments.
    """
    matches = _event_rules(events, as_of, last_referral_on)
    matches += _dash_rules(dash, as_of, last_referral_on)
    merged: dict[str, RuleMatch] = {}
    for m in matches:
        held = merged.get(m.criterion)
        merged[m.criterion] = (
            m
            if held is None
            else RuleMatch(
                m.criterion,
                f"{held.reason} {m.reason}",
                held.event_refs + tuple(r for r in m.event_refs if r not in held.event_refs),
                held.assessment_refs + m.assessment_refs,
            )
        )
    order = list(MARAC_CRITERIA)
    return sorted(merged.values(), key=lambda m: order.index(m.criterion))


def _dash_rules(dash: Iterable[DashFact], as_of: date, last_referral_on: date | None) -> list[RuleMatch]:
    recent = sorted(
        (
            f
            for f in dash
            if network.within(f.assessed_on, as_of, MARAC_WINDOW_MONTHS)
            and (last_referral_on is None or f.assessed_on > last_referral_on)
        ),
        key=lambda f: (f.assessed_on, f.ref),
    )
    matches = []
    for f in recent:
        events = (f.event_ref,) if f.event_ref else ()
        said = f"DASH {f.ref} on {_day(f.assessed_on)}"
        if f.yes_count >= DASH_HIGH_FROM:
            reason = f"{said}: {f.yes_count} of 27 questions answered yes (14 or more is visible high risk)."
            matches.append(RuleMatch("visible_high_risk", reason, events, (f.ref,)))
        elif f.grade == "high" and f.by_judgement:
            reason = f"{said} was graded high by the assessor's professional judgement ({f.yes_count} yes answers)."
            matches.append(RuleMatch("professional_judgement", reason, events, (f.ref,)))
        if f.escalation:
            reason = f"{said}: {' and '.join(f.escalation)}."
            matches.append(RuleMatch("potential_escalation", reason, events, (f.ref,)))
    return matches


def _event_rules(events: Iterable[VictimEvent], as_of: date, last_referral_on: date | None) -> list[RuleMatch]:
    known = sorted((e for e in events if e.occurred_on <= as_of), key=lambda e: (e.occurred_on, e.event_id))
    recent = [e for e in known if network.within(e.occurred_on, as_of, MARAC_WINDOW_MONTHS)]

    def new(e: VictimEvent) -> bool:
        return last_referral_on is None or e.occurred_on > last_referral_on

    matches = []
    high = [e for e in recent if e.dash_risk == "high" and new(e)]
    if high:
        latest = high[-1]
        matches.append(
            RuleMatch(
                "visible_high_risk",
                f"Event {latest.ref} on {_day(latest.occurred_on)} was graded DASH high risk"
                + (f" ({len(high)} such events in the last 12 months)." if len(high) > 1 else "."),
                tuple(e.ref for e in high),
            )
        )
    if len(recent) >= ESCALATION_EVENTS and any(new(e) for e in recent):
        matches.append(
            RuleMatch(
                "potential_escalation",
                f"{len(recent)} DA events against this person in the 12 months to {_day(as_of)} "
                f"(from {_day(recent[0].occurred_on)} to {_day(recent[-1].occurred_on)}).",
                tuple(e.ref for e in recent),
            )
        )
    if last_referral_on is not None:
        limit = network.window_days(MARAC_WINDOW_MONTHS)
        repeats = [e for e in known if 0 < (e.occurred_on - last_referral_on).days <= limit]
        if repeats:
            first = repeats[0]
            days = (first.occurred_on - last_referral_on).days
            matches.append(
                RuleMatch(
                    "repeat",
                    f"Event {first.ref} on {_day(first.occurred_on)} came {days} days after the last MARAC "
                    f"referral on {_day(last_referral_on)}, within 12 months of it"
                    + (f" ({len(repeats)} such events)." if len(repeats) > 1 else "."),
                    tuple(e.ref for e in repeats),
                )
            )
    return matches


# ---- loading ------------------------------------------------------------------------------------


def victim_events(person_ids: list[int] | None, since: date, as_of: date) -> dict[int, list[VictimEvent]]:
    """{person id: their events as victim between `since` and `as_of`}: one query."""
    query = sa.select(
        DAEvent.victim_id, DAEvent.id, DAEvent.ref, DAEvent.occurred_on, DAEvent.dash_risk, DAEvent.suspect_id
    ).where(DAEvent.occurred_on.between(since, as_of))
    if person_ids is not None:
        query = query.where(DAEvent.victim_id.in_(person_ids))
    out: dict[int, list[VictimEvent]] = defaultdict(list)
    for victim_id, *rest in db.session.execute(query):
        out[victim_id].append(VictimEvent(*rest))
    return out


def last_marac_referrals(person_ids: list[int] | None = None, *, before: date | None = None) -> dict[int, date]:
    """{person at risk id: the date of their last MARAC referral}."""
    query = (
        sa.select(ForumReferral.person_at_risk_id, sa.func.max(ForumReferral.referred_on))
        .where(ForumReferral.forum == "marac")
        .group_by(ForumReferral.person_at_risk_id)
    )
    if person_ids is not None:
        query = query.where(ForumReferral.person_at_risk_id.in_(person_ids))
    if before is not None:
        query = query.where(ForumReferral.referred_on <= before)
    return dict(db.session.execute(query).all())


def _horizon(as_of: date) -> date:
    # A repeat can be an event up to 12 months after a referral made up to 12 months before it.
    return as_of - timedelta(days=2 * network.window_days(MARAC_WINDOW_MONTHS))


@dataclass
class MaracSuggestion:
    person: Person
    matches: list[RuleMatch]
    last_referral_on: date | None
    latest_event_on: date | None

    @property
    def criteria(self) -> list[str]:
        return [m.criterion for m in self.matches]


def dash_facts(person_ids: list[int] | None, since: date, as_of: date) -> dict[int, list[DashFact]]:
    """The DASH assessments of these persons (None: everyone), asked of the victims part."""
    return signals.answer(signals.dash_facts_wanted.send(person_ids, since=since, as_of=as_of), {})


def suggest_for(person: Person, as_of: date | None = None) -> MaracSuggestion:
    """The MARAC rules that match for this person at risk now, and why."""
    as_of = as_of or local_today()
    events = victim_events([person.id], _horizon(as_of), as_of).get(person.id, [])
    dash = dash_facts([person.id], _horizon(as_of), as_of).get(person.id, [])
    last = last_marac_referrals([person.id], before=as_of).get(person.id)
    latest = max([*(e.occurred_on for e in events), *(f.assessed_on for f in dash)], default=None)
    return MaracSuggestion(person, marac_rules(events, as_of, last, dash), last, latest)


def marac_suggestions(*, as_of: date | None = None, actor: Actor) -> list[MaracSuggestion]:
    """Persons at risk with an event or a DASH assessment in the last 12 months for whom a MARAC
    rule matches, the most rules first, then the most recent. Three queries for the rules (events,
    DASH assessments, referrals), one for the persons."""
    as_of = as_of or local_today()
    events = victim_events(None, _horizon(as_of), as_of)
    dash = dash_facts(None, _horizon(as_of), as_of)
    last = last_marac_referrals(before=as_of)
    found: list[tuple[int, list[RuleMatch], date]] = []
    for person_id in set(events) | set(dash):
        evs, facts = events.get(person_id, []), dash.get(person_id, [])
        latest = max([*(e.occurred_on for e in evs), *(f.assessed_on for f in facts)])
        if not network.within(latest, as_of, MARAC_WINDOW_MONTHS):
            continue
        matches = marac_rules(evs, as_of, last.get(person_id), facts)
        if matches:
            found.append((person_id, matches, latest))
    found.sort(key=lambda f: (-len(f[1]), -f[2].toordinal(), f[0]))
    persons: dict[int, Person] = {}
    ids = [f[0] for f in found]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        persons.update({p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(chunk)))})
    audit.record(
        "view",
        f"viewed MARAC suggestions ({len(found)})",
        object_type="marac_suggestions",
        data={"as_of": as_of, "found": len(found)},
        actor=actor,
    )
    db.session.commit()
    return [MaracSuggestion(persons[pid], m, last.get(pid), latest) for pid, m, latest in found if pid in persons]


# ---- recording ----------------------------------------------------------------------------------


@dataclass
class ForumInput:
    forum: str | None
    person_at_risk_ref: str | None = None
    perpetrator_ref: str | None = None
    criterion: str | None = None
    reason: str | None = None
    referred_on: date | None = None


def _person(errors: dict, name: str, ref: str | None, what: str, *, required: bool) -> Person | None:
    ref = clean(ref)
    if not ref:
        if required:
            errors[name] = f"Enter the person reference of {what}."
        return None
    person = db.session.scalar(sa.select(Person).where(Person.ref == ref))
    if person is None:
        errors[name] = f"No person with reference {ref} is on the register."
    return person


def check_forum_referral(values: ForumInput) -> tuple[dict, dict]:
    """(errors, resolved values) for a new forum referral."""
    errors: dict[str, str] = {}
    forum = values.forum
    if forum not in FORUMS:
        errors["forum"] = "Choose the forum: MARAC, MATAC or MASIP."
    marac = forum == "marac"
    at_risk = _person(errors, "person_at_risk_ref", values.person_at_risk_ref, "the person at risk", required=marac)
    perpetrator = _person(
        errors, "perpetrator_ref", values.perpetrator_ref, "the perpetrator", required=forum in ("matac", "masip")
    )
    if at_risk is not None and perpetrator is not None and at_risk.id == perpetrator.id:
        errors["perpetrator_ref"] = "The perpetrator and the person at risk must be different persons."
    check_date(errors, "referred_on", values.referred_on, "the date referred")
    reason = clean(values.reason)
    check_length(errors, "reason", reason, MAX_TEXT, "the reason")
    criterion = clean(values.criterion)
    suggestion = None
    if marac:
        if criterion not in MARAC_CRITERIA:
            errors["criterion"] = "Choose the MARAC criterion that this referral meets."
        if at_risk is not None and "referred_on" not in errors:
            suggestion = suggest_for(at_risk, values.referred_on)
            if criterion in MARAC_CRITERIA and not reason:
                if criterion == "professional_judgement":
                    errors["reason"] = "Explain the professional judgement behind this referral."
                elif criterion not in suggestion.criteria:
                    errors["reason"] = (
                        f"No event on the register meets “{MARAC_CRITERIA[criterion]}” for this person: "
                        "explain what does (for example a partner agency's DASH assessment)."
                    )
    elif criterion:
        errors["criterion"] = "A criterion is recorded for MARAC referrals only."
    return errors, {
        "person_at_risk": at_risk,
        "perpetrator": perpetrator,
        "criterion": criterion if marac else None,
        "reason": reason,
        "suggestion": suggestion,
    }


def create_forum_referral(values: ForumInput, *, actor: Actor) -> ForumReferral:
    errors, resolved = check_forum_referral(values)
    if errors:
        raise ValidationFailed(errors)
    suggestion = resolved["suggestion"]
    referral = ForumReferral(
        ref=placeholder_ref(),
        forum=values.forum,
        person_at_risk_id=resolved["person_at_risk"].id if resolved["person_at_risk"] else None,
        perpetrator_id=resolved["perpetrator"].id if resolved["perpetrator"] else None,
        criterion=resolved["criterion"],
        matched_rules=[m.as_json() for m in suggestion.matches] if suggestion else None,
        reason=resolved["reason"],
        referred_on=values.referred_on,
        created_by_id=actor.user_id,
        version_id=1,
    )
    db.session.add(referral)
    assign_ref(referral, FORUM_REF_PREFIX)
    subject = resolved["person_at_risk"] or resolved["perpetrator"]
    audit.record(
        "create",
        f"{FORUM_SHORT[values.forum]} referral {referral.ref} about {subject.ref}",
        object_type="forum_referral",
        object_ref=referral.ref,
        reason=resolved["reason"],
        data={
            "forum": values.forum,
            "person_at_risk": resolved["person_at_risk"].ref if resolved["person_at_risk"] else None,
            "perpetrator": resolved["perpetrator"].ref if resolved["perpetrator"] else None,
            "criterion": resolved["criterion"],
            "matched_rules": referral.matched_rules,
            "referred_on": values.referred_on,
        },
        actor=actor,
    )
    db.session.commit()
    return referral


def get_forum_referral(ref: str) -> ForumReferral | None:
    return db.session.scalar(
        sa.select(ForumReferral)
        .where(ForumReferral.ref == ref)
        .options(joinedload(ForumReferral.person_at_risk), joinedload(ForumReferral.perpetrator))
    )


def view_forum_referral(referral: ForumReferral, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed {referral.forum_label} referral {referral.ref}",
        object_type="forum_referral",
        object_ref=referral.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


OUTCOME_FIELDS = ("meeting_on", "outcome", "actions")


def record_outcome(
    referral: ForumReferral,
    *,
    meeting_on: date | None,
    outcome: str | None,
    actions: str | None,
    expected_version: int,
    actor: Actor,
) -> dict:
    """Set the meeting date, the outcome and the actions; returns the audited changes."""
    if referral.version_id != expected_version:
        raise EditConflict()
    outcome, actions = clean(outcome), clean(actions)
    errors: dict[str, str] = {}
    if meeting_on is not None and meeting_on < referral.referred_on:
        errors["meeting_on"] = "The meeting cannot be before the referral was made."
    if (outcome or actions) and meeting_on is None:
        errors["meeting_on"] = "Enter the date of the meeting that decided the outcome."
    elif (outcome or actions) and meeting_on > local_today():
        errors["meeting_on"] = "An outcome can be recorded only once the meeting has taken place."
    check_length(errors, "outcome", outcome, MAX_TEXT, "the outcome")
    check_length(errors, "actions", actions, MAX_TEXT, "the actions")
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(referral, OUTCOME_FIELDS)
    referral.meeting_on, referral.outcome, referral.actions = meeting_on, outcome, actions
    diff = audit.changes(before, audit.snapshot(referral, OUTCOME_FIELDS))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        f"{referral.forum_label} referral {referral.ref}: meeting and outcome recorded",
        object_type="forum_referral",
        object_ref=referral.ref,
        data={"changes": diff},
        actor=actor,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


@dataclass
class ForumFilters:
    forum: str | None = None
    status: str | None = None  # awaiting | heard
    referred_from: date | None = None
    referred_to: date | None = None

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _forum_filtered(query, filters: ForumFilters, *, with_forum: bool = True):
    if with_forum and filters.forum:
        query = query.where(ForumReferral.forum == filters.forum)
    if filters.status == "awaiting":
        query = query.where(ForumReferral.outcome.is_(None))
    elif filters.status == "heard":
        query = query.where(ForumReferral.outcome.is_not(None))
    if filters.referred_from:
        query = query.where(ForumReferral.referred_on >= filters.referred_from)
    if filters.referred_to:
        query = query.where(ForumReferral.referred_on <= filters.referred_to)
    return query


def forum_list_query(filters: ForumFilters):
    return _forum_filtered(
        sa.select(ForumReferral).options(
            joinedload(ForumReferral.person_at_risk), joinedload(ForumReferral.perpetrator)
        ),
        filters,
    ).order_by(ForumReferral.referred_on.desc(), ForumReferral.id.desc())


def counts_by_forum(filters: ForumFilters) -> dict[str, int]:
    query = _forum_filtered(
        sa.select(ForumReferral.forum, sa.func.count()).group_by(ForumReferral.forum), filters, with_forum=False
    )
    found = dict(db.session.execute(query).all())
    return {forum: found.get(forum, 0) for forum in FORUMS}


def audit_forum_list(filters: ForumFilters, page: int, total: int, *, actor: Actor) -> None:
    audit.record(
        "search",
        f"listed forum referrals ({total} found)",
        object_type="forum_referral",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=actor,
    )
    db.session.commit()
