"""Forum referrals: the MARAC suggestion rules at their edges, whose events count, recording a
referral with its criterion, the meeting outcome, and the list."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import today
from app.extensions import db
from app.network import graph as network
from app.referrals.forums import services as forums
from app.referrals.forums.models import ForumReferral
from app.referrals.forums.services import VictimEvent, marac_rules
from tests.factories import count, make_event, make_forum_referral, make_person

T = date(2026, 6, 1)


def ev(n, days_before, dash=None, *, as_of=T):
    return VictimEvent(n, f"E{n}", as_of - timedelta(days=days_before), dash, 100 + n)


def rules(events, last=None, as_of=T):
    return {m.criterion: m for m in marac_rules(events, as_of, last)}


# ---- the rules, pure -----------------------------------------------------------------------------


def test_twelve_months_is_365_days_as_in_the_rest_of_the_app():
    assert network.window_days(12) == 365


def test_potential_escalation_needs_three_events_within_12_months():
    assert "potential_escalation" in rules([ev(1, 365), ev(2, 100), ev(3, 1)])
    assert "potential_escalation" not in rules([ev(1, 366), ev(2, 100), ev(3, 1)])  # spread over 12 months + 1 day
    assert "potential_escalation" not in rules([ev(1, 396), ev(2, 200), ev(3, 1)])  # spread over 13 months
    assert "potential_escalation" not in rules([ev(1, 100), ev(2, 1)])  # two are not three
    assert "potential_escalation" not in rules([ev(1, 100), ev(2, 1), ev(3, -1)])  # the third is after the day


def test_potential_escalation_explains_itself():
    match = rules([ev(1, 300), ev(2, 100), ev(3, 1), ev(4, 0)])["potential_escalation"]
    assert match.reason.startswith("4 DA events against this person in the 12 months to 01 Jun 2026")
    assert match.event_refs == ("E1", "E2", "E3", "E4")


def test_potential_escalation_needs_something_new_since_the_last_marac_referral():
    events = [ev(1, 300), ev(2, 100), ev(3, 50)]
    assert "potential_escalation" not in rules(events, last=T - timedelta(days=50))
    assert "potential_escalation" in rules(events, last=T - timedelta(days=51))


def test_visible_high_risk_is_a_dash_high_event_in_12_months_not_yet_referred():
    assert (
        rules([ev(1, 365, "high")])["visible_high_risk"].reason == "Event E1 on 01 Jun 2025 was graded DASH high risk."
    )
    assert "visible_high_risk" not in rules([ev(1, 366, "high")])
    assert "visible_high_risk" not in rules([ev(1, 10, "medium"), ev(2, 5, None)])
    assert "visible_high_risk" not in rules([ev(1, 10, "high")], last=T - timedelta(days=10))  # referred that day
    assert "visible_high_risk" in rules([ev(1, 10, "high")], last=T - timedelta(days=11))


def test_repeat_is_an_event_up_to_12_months_after_the_last_marac_referral():
    last = T - timedelta(days=400)
    at_12_months = ev(1, 35)  # 365 days after the referral
    assert (at_12_months.occurred_on - last).days == 365
    match = rules([at_12_months], last=last)["repeat"]
    assert "came 365 days after the last MARAC referral on 27 Apr 2025" in match.reason
    one_day_more = ev(2, 34)  # 366 days after
    assert "repeat" not in rules([one_day_more], last=last)
    assert "repeat" not in rules([ev(3, 400)], last=last)  # the same day as the referral
    assert "repeat" in rules([ev(4, 399)], last=last)  # the day after
    assert "repeat" not in rules([ev(5, 10)])  # never referred: no repeat


def test_repeat_does_not_count_events_after_the_day():
    last = T - timedelta(days=10)
    assert "repeat" not in rules([ev(1, -5)], last=last)


def test_several_rules_can_match_at_once_and_professional_judgement_is_never_a_rule():
    found = rules([ev(1, 200, "high"), ev(2, 100), ev(3, 20)], last=T - timedelta(days=150))
    assert set(found) == {"potential_escalation", "repeat"}  # the high-risk event was before the referral
    found = rules([ev(1, 100, "high"), ev(2, 60), ev(3, 20)], last=T - timedelta(days=150))
    assert set(found) == {"visible_high_risk", "potential_escalation", "repeat"}
    assert "professional_judgement" not in found


# ---- whose events count --------------------------------------------------------------------------


def test_marac_rules_read_the_person_at_risks_events_as_victim_by_any_perpetrator(app):
    t = today()
    at_risk = make_person("MR-V")
    harmers = [make_person(f"MR-S{i}") for i in range(3)]
    for i, harmer in enumerate(harmers):
        make_event(harmer, at_risk, t - timedelta(days=10 + 100 * i))
    # The person at risk is also a suspect three times: those events are not theirs as a victim.
    others = [make_person(f"MR-O{i}") for i in range(3)]
    both = make_person("MR-BOTH")
    for i, other in enumerate(others):
        make_event(both, other, t - timedelta(days=5 + i), dash_risk="high")
    make_event(harmers[0], both, t - timedelta(days=3))
    assert [m.criterion for m in forums.suggest_for(at_risk).matches] == ["potential_escalation"]
    assert forums.suggest_for(both).matches == []  # one event as victim; the high-risk ones were as suspect
    assert forums.suggest_for(harmers[0]).matches == []  # a perpetrator is not at risk from their own events


def test_the_last_marac_referral_of_the_person_at_risk_drives_repeat(app):
    t = today()
    at_risk, harmer = make_person("RP-V"), make_person("RP-S")
    make_forum_referral("marac", at_risk=at_risk, referred_on=t - timedelta(days=100))
    make_forum_referral("matac", perpetrator=at_risk, referred_on=t - timedelta(days=20))  # not MARAC
    make_event(harmer, at_risk, t - timedelta(days=30))
    suggestion = forums.suggest_for(at_risk)
    assert suggestion.last_referral_on == t - timedelta(days=100)
    assert [m.criterion for m in suggestion.matches] == ["repeat"]


# ---- recording a referral ----------------------------------------------------------------------


@pytest.fixture
def officer(app, make_user, login):
    user = make_user("ofelia", "officer")
    login(user)
    return user


@pytest.fixture
def escalating(app):
    t = today()
    at_risk, harmer = make_person("ES-V", surname="Atriskperson"), make_person("ES-S", surname="Harmerperson")
    for days in (5, 50, 200):
        make_event(harmer, at_risk, t - timedelta(days=days))
    return at_risk, harmer


def test_the_form_shows_the_rules_that_match_and_suggests_the_criterion(client, officer, escalating):
    at_risk, _ = escalating
    page = client.get(f"/referrals/forums/new?forum=marac&at_risk={at_risk.ref}").get_data(as_text=True)
    assert 'data-rule="potential_escalation"' in page
    assert "3 DA events against this person in the 12 months" in page
    assert re.search(r'<input checked[^>]*name="criterion"[^>]*value="potential_escalation">', page)
    page = client.get("/referrals/forums/new?forum=marac&at_risk=NOBODY").get_data(as_text=True)
    assert 'id="marac-rules"' not in page


def test_a_marac_referral_records_the_criterion_chosen_and_the_rules_that_matched(client, officer, escalating):
    at_risk, harmer = escalating
    response = client.post(
        "/referrals/forums/new",
        data={
            "forum": "marac",
            "person_at_risk_ref": at_risk.ref,
            "perpetrator_ref": harmer.ref,
            "criterion": "potential_escalation",
            "referred_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    referral = db.session.scalar(sa.select(ForumReferral))
    assert referral.criterion == "potential_escalation" and referral.person_at_risk_id == at_risk.id
    assert [m["criterion"] for m in referral.matched_rules] == ["potential_escalation"]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_ref == referral.ref))
    assert entry.action == "create" and entry.data["criterion"] == "potential_escalation"
    page = client.get(f"/referrals/forums/{referral.ref}").get_data(as_text=True)
    assert "Potential escalation" in page and "3 DA events against this person" in page


def test_professional_judgement_is_always_available_with_a_reason(client, officer):
    at_risk = make_person("PJ-V")
    data = {
        "forum": "marac",
        "person_at_risk_ref": at_risk.ref,
        "criterion": "professional_judgement",
        "referred_on": today().isoformat(),
    }
    response = client.post("/referrals/forums/new", data=data)
    assert response.status_code == 400
    assert "Explain the professional judgement behind this referral." in response.get_data(as_text=True)
    assert count(ForumReferral) == 0
    response = client.post("/referrals/forums/new", data={**data, "reason": "Strangulation disclosed to the IDVA"})
    assert response.status_code == 302
    referral = db.session.scalar(sa.select(ForumReferral))
    assert referral.criterion == "professional_judgement" and referral.matched_rules == []


def test_a_criterion_no_rule_supports_needs_a_reason(client, officer, escalating):
    at_risk, _ = escalating
    data = {
        "forum": "marac",
        "person_at_risk_ref": at_risk.ref,
        "criterion": "repeat",
        "referred_on": today().isoformat(),
    }
    response = client.post("/referrals/forums/new", data=data)
    assert response.status_code == 400
    assert "No event on the register meets “Repeat” for this person" in response.get_data(as_text=True)
    response = client.post("/referrals/forums/new", data={**data, "reason": "Repeat reported to the IDVA service"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"forum": ""}, "forum", "Choose the forum."),
        ({"forum": "mappa"}, "forum", "Not a valid choice"),
        ({"person_at_risk_ref": ""}, "person_at_risk_ref", "Enter the person reference of the person at risk."),
        ({"person_at_risk_ref": "NOBODY"}, "person_at_risk_ref", "No person with reference NOBODY"),
        ({"criterion": ""}, "criterion", "Choose the MARAC criterion that this referral meets."),
        ({"criterion": "gut_feeling"}, "criterion", "Not a valid choice"),
        ({"referred_on": ""}, "referred_on", "Enter the date referred."),
        ({"referred_on": "31/12/2025"}, "referred_on", "Not a valid date value."),
        ({"referred_on": (today() + timedelta(days=1)).isoformat()}, "referred_on", "cannot be in the future"),
        ({"perpetrator_ref": "BV-V"}, "perpetrator_ref", "must be different persons"),
        ({"reason": "r" * 5001}, "reason", "5000 characters"),
        ({"forum": "matac", "criterion": "", "perpetrator_ref": ""}, "perpetrator_ref", "of the perpetrator."),
        (
            {"forum": "masip", "perpetrator_ref": "BV-S"},
            "criterion",
            "A criterion is recorded for MARAC referrals only.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(client, officer, data, field, message):
    make_person("BV-V")
    make_person("BV-S")
    base = {
        "forum": "marac",
        "person_at_risk_ref": "BV-V",
        "criterion": "professional_judgement",
        "reason": "Fear expressed by the person at risk",
        "referred_on": today().isoformat(),
    }
    response = client.post("/referrals/forums/new", data={**base, **data})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    summary = text[text.index('id="error-summary"') : text.index("</ul>", text.index('id="error-summary"'))]
    assert message in summary and f'href="#{field}"' in summary, summary
    assert count(ForumReferral) == 0


def test_matac_and_masip_are_about_a_perpetrator(client, officer):
    perp = make_person("MT-S")
    for forum in ("matac", "masip"):
        response = client.post(
            "/referrals/forums/new",
            data={"forum": forum, "perpetrator_ref": perp.ref, "referred_on": today().isoformat()},
        )
        assert response.status_code == 302
    assert [r.forum for r in db.session.scalars(sa.select(ForumReferral).order_by(ForumReferral.id))] == [
        "matac",
        "masip",
    ]


def test_the_database_refuses_a_marac_referral_without_a_criterion(app):
    person = make_person("DB-V")
    db.session.add(
        ForumReferral(ref="X1", forum="marac", person_at_risk_id=person.id, referred_on=today(), version_id=1)
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---- the meeting and its outcome ----------------------------------------------------------------


def test_the_meeting_outcome_and_actions_are_recorded_and_audited(client, officer):
    referral = make_forum_referral("matac", perpetrator=make_person("OC-S"), referred_on=today() - timedelta(days=20))
    response = client.post(
        f"/referrals/forums/{referral.ref}/outcome",
        data={
            "meeting_on": (today() - timedelta(days=2)).isoformat(),
            "outcome": "Disruption plan agreed",
            "actions": "Housing: tenancy warning by Friday\nPolice: bail check weekly",
            "version_id": referral.version_id,
        },
    )
    assert response.status_code == 302
    page = client.get(f"/referrals/forums/{referral.ref}").get_data(as_text=True)
    assert "Disruption plan agreed" in page and "<li>Police: bail check weekly</li>" in page
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_ref == referral.ref, AuditEntry.action == "update")
    ).one()
    assert entry.data["changes"]["outcome"] == {"before": None, "after": "Disruption plan agreed"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "Agreed"}, "Enter the date of the meeting that decided the outcome."),
        ({"meeting_on": "2001-01-01"}, "The meeting cannot be before the referral was made."),
        (
            {"meeting_on": (today() + timedelta(days=5)).isoformat(), "outcome": "Agreed"},
            "An outcome can be recorded only once the meeting has taken place.",
        ),
        ({"meeting_on": "soon"}, "Not a valid date value."),
        ({"meeting_on": today().isoformat(), "actions": "a" * 5001}, "5000 characters"),
    ],
)
def test_bad_outcomes_are_refused(client, officer, data, message):
    referral = make_forum_referral("matac", perpetrator=make_person("OB-S"), referred_on=today() - timedelta(days=3))
    response = client.post(f"/referrals/forums/{referral.ref}/outcome", data={"version_id": 1, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ForumReferral, referral.id).outcome is None


def test_a_future_meeting_date_can_be_planned(client, officer):
    referral = make_forum_referral("marac", at_risk=make_person("FM-V"))
    planned = (today() + timedelta(days=14)).isoformat()
    response = client.post(f"/referrals/forums/{referral.ref}/outcome", data={"meeting_on": planned, "version_id": 1})
    assert response.status_code == 302


def test_a_stale_outcome_form_is_refused_with_409(client, officer):
    referral = make_forum_referral("marac", at_risk=make_person("ST-V"), referred_on=today() - timedelta(days=5))
    data = {"meeting_on": today().isoformat(), "outcome": "First", "version_id": 1}
    assert client.post(f"/referrals/forums/{referral.ref}/outcome", data=data).status_code == 302
    response = client.post(f"/referrals/forums/{referral.ref}/outcome", data={**data, "outcome": "Second"})
    assert response.status_code == 409
    assert "Someone else changed this referral" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ForumReferral, referral.id).outcome == "First"


def test_analysts_read_forum_referrals_but_do_not_write(app, client, make_user, login):
    referral = make_forum_referral("marac", at_risk=make_person("AN-V"))
    login(make_user("anders", "analyst"))
    assert client.get("/referrals/forums/").status_code == 200
    assert client.get(f"/referrals/forums/{referral.ref}").status_code == 200
    assert client.get("/referrals/forums/marac-suggestions").status_code == 200
    assert client.get("/referrals/forums/new").status_code == 403
    assert client.post(f"/referrals/forums/{referral.ref}/outcome", data={}).status_code == 403


# ---- lists --------------------------------------------------------------------------------------


def test_the_forum_list_filters_and_counts(client, officer):
    old = today() - timedelta(days=60)
    a = make_forum_referral("marac", at_risk=make_person("FL-V1"), referred_on=old)
    b = make_forum_referral("matac", perpetrator=make_person("FL-S1"))
    c = make_forum_referral("masip", perpetrator=make_person("FL-S2"))
    client.post(
        f"/referrals/forums/{c.ref}/outcome",
        data={"meeting_on": today().isoformat(), "outcome": "Plan", "version_id": 1},
    )
    page = client.get("/referrals/forums/").get_data(as_text=True)
    assert "3 referrals found." in page and all(r.ref in page for r in (a, b, c))
    page = client.get("/referrals/forums/?forum=matac").get_data(as_text=True)
    assert "1 referral found." in page and b.ref in page
    page = client.get("/referrals/forums/?status=heard").get_data(as_text=True)
    assert "1 referral found." in page and c.ref in page
    page = client.get(f"/referrals/forums/?referred_to={(today() - timedelta(days=1)).isoformat()}").get_data(
        as_text=True
    )
    assert "1 referral found." in page and a.ref in page
    assert forums.counts_by_forum(forums.ForumFilters(forum="marac")) == {"marac": 1, "matac": 1, "masip": 1}


@pytest.mark.parametrize("query", ["?forum=mappa", "?status=lost", "?referred_from=yesterday", "?page=-1"])
def test_bad_forum_filters_are_400(client, officer, query):
    assert client.get("/referrals/forums/" + query).status_code == 400


def test_marac_suggestions_list_persons_at_risk_with_the_rules_and_why(client, officer, escalating):
    _, harmer = escalating
    high = make_person("SG-V", surname="Highriskperson")
    make_event(harmer, high, today() - timedelta(days=3), dash_risk="high")
    settled = make_person("SG-DONE", surname="Alreadyreferred")
    for days in (40, 30, 20):
        make_event(harmer, settled, today() - timedelta(days=days))
    make_forum_referral("marac", at_risk=settled, referred_on=today() - timedelta(days=20))
    page = client.get("/referrals/forums/marac-suggestions").get_data(as_text=True)
    assert "2 persons at risk" in page
    assert "ATRISKPERSON" in page and "HIGHRISKPERSON" in page and "ALREADYREFERRED" not in page
    assert "Visible high risk" in page and "was graded DASH high risk" in page
    assert f"/referrals/forums/new?forum=marac&amp;at_risk={high.ref}" in page
    assert "HARMERPERSON" not in page  # the suspect is nobody's person at risk here
