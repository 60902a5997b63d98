"""DASH assessments: the bands at their edges, professional judgement, the form's checks, the event's
grade and its link, and the MARAC rules the assessments feed (domain.md §2, the SafeLives criteria)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import ValidationFailed
from app.extensions import db
from app.offenders.models import DAEvent
from app.referrals.forums import services as forums
from app.referrals.forums.models import ForumReferral
from app.referrals.forums.services import DashFact, VictimEvent, marac_rules
from app.victims.dash import services as dash
from app.victims.dash.models import DashAnswer, DashAssessment
from app.victims.dash.questions import DASH_QUESTIONS, band_for
from tests.factories import count, make_event, make_forum_referral, make_person
from tests.victims.conftest import TODAY, answers, dash_form

T = date(2026, 6, 1)


def test_the_checklist_has_27_questions_numbered_1_to_27():
    assert sorted(DASH_QUESTIONS) == list(range(1, 28))
    assert len({text for _, text in DASH_QUESTIONS.values()}) == 27


@pytest.mark.parametrize(
    ("yes", "band"), [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (27, "high")]
)
def test_the_bands_follow_the_number_of_yes_answers(yes, band):
    assert band_for(yes) == band


def record(person, yes, **values):
    return dash.record_assessment(
        person,
        dash.DashInput(assessed_on=values.pop("assessed_on", TODAY), answers=answers(yes), **values),
        actor=Actor("test"),
    )


def test_an_assessment_keeps_every_answer_and_grades_by_the_band(world):
    a = record(world.victim, 13)
    assert (a.yes_count, a.band, a.grade, a.by_judgement) == (13, "medium", "medium", False)
    stored = db.session.scalars(sa.select(DashAnswer).where(DashAnswer.assessment_id == a.id)).all()
    assert len(stored) == 27 and sum(x.answer == "yes" for x in stored) == 13
    assert record(world.victim, 14).grade == "high"


def test_professional_judgement_raises_a_grade_with_a_reason_and_never_lowers_it(world):
    raised = record(world.victim, 5, grade="high", judgement_reason="Strangled last night; she fears for her life.")
    assert (raised.band, raised.grade, raised.by_judgement) == ("standard", "high", True)
    with pytest.raises(ValidationFailed) as no_reason:
        record(world.victim, 5, grade="medium")
    assert "professional judgement" in no_reason.value.errors["judgement_reason"]
    with pytest.raises(ValidationFailed) as lowered:
        record(world.victim, 14, grade="medium", judgement_reason="She seemed calm.")
    assert "never lower" in lowered.value.errors["grade"]
    assert count(DashAssessment) == 1


def test_the_form_records_an_assessment_and_grades_an_event_recorded_in_achilles(client, login, world):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/dash/new", data=dash_form(15, event_ref="E-NEW"))
    assert response.status_code == 302
    a = db.session.scalars(sa.select(DashAssessment)).one()
    assert (a.grade, a.assessor, a.event.ref, a.suspect.ref) == ("high", "pc.okafor", "E-NEW", "S200")
    assert db.session.scalar(sa.select(DAEvent.dash_risk).where(DAEvent.ref == "E-NEW")) == "high"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "dash_assessment"))
    assert entry.data["yes_count"] == 15 and entry.data["event_graded"] is True
    # The victim page shows the history, and the assessment page every answer.
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)
    assert f'href="/victims/dash/{a.ref}"' in page and "15 of 27" in page
    view = client.get(f"/victims/dash/{a.ref}").get_data(as_text=True)
    assert "15 of 27, which gives high risk" in view and view.count("<tr") == 28


def test_an_imported_event_keeps_the_forces_grade_and_links_to_the_assessment(client, login, world):
    login(world.pc)
    client.post(f"/victims/{world.victim.ref}/dash/new", data=dash_form(16, event_ref="E-OLD"))
    a = db.session.scalars(sa.select(DashAssessment)).one()
    assert db.session.scalar(sa.select(DAEvent.dash_risk).where(DAEvent.ref == "E-OLD")) is None
    assert dash.assessments_for_events([world.events[0].id])[world.events[0].id].ref == a.ref
    profile = client.get(f"/persons/{world.victim.ref}").get_data(as_text=True)
    assert f'href="/victims/dash/{a.ref}"' in profile


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"q7": ""}, "q7", "Answer question 7"),
        ({"q27": "maybe"}, "q27", "Answer question 27"),
        ({"assessed_on": (TODAY + timedelta(days=1)).isoformat()}, "assessed_on", "cannot be in the future"),
        ({"assessed_on": "31/02/2026"}, "assessed_on", "Enter a real date"),
        ({"assessed_on": ""}, "assessed_on", "Enter the date of the assessment"),
        ({"grade": "extreme"}, "grade", "Choose a risk grade from the list"),
        ({"event_ref": "E-NOPE"}, "event_ref", "No DA event has the reference E-NOPE"),
        ({"suspect_ref": "V100"}, "suspect_ref", "The perpetrator cannot be the victim"),
        ({"judgement_reason": "x" * 5001}, "judgement_reason", "5000 characters or fewer"),
    ],
)
def test_bad_dash_input_is_a_400_with_a_message_and_nothing_written(client, login, world, change, field, message):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/dash/new", data=dash_form(3, **change))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(DashAssessment) == 0 and count(DashAnswer) == 0


def test_an_event_against_someone_else_is_refused(client, login, world):
    other = make_person("V900")
    make_event(world.perp, other, TODAY - timedelta(days=3), ref="E-OTHER")
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/dash/new", data=dash_form(3, event_ref="E-OTHER"))
    assert response.status_code == 400 and "is not an event against Freya BELLAMY" in response.get_data(as_text=True)


# ---- the MARAC rules from DASH answers ----------------------------------------------------------


def fact(days_ago, yes=0, grade=None, judgement=False, escalation=(), ref="D1"):
    return DashFact(ref, T - timedelta(days=days_ago), yes, grade or band_for(yes), judgement, escalation)


def criteria(facts, last=None, events=()):
    return [m.criterion for m in marac_rules(events, T, last, facts)]


def test_fourteen_yes_answers_are_visible_high_risk_and_thirteen_are_not():
    assert criteria([fact(10, yes=13)]) == []
    assert criteria([fact(10, yes=14)]) == ["visible_high_risk"]
    [match] = marac_rules([], T, None, [fact(10, yes=14)])
    assert match.assessment_refs == ("D1",) and "14 of 27" in match.reason


def test_a_high_grade_by_professional_judgement_suggests_professional_judgement():
    assert criteria([fact(10, yes=6, grade="high", judgement=True)]) == ["professional_judgement"]
    assert criteria([fact(10, yes=12, grade="medium", judgement=False)]) == []
    # Medium by judgement is not a MARAC threshold.
    assert criteria([fact(10, yes=5, grade="medium", judgement=True)]) == []


def test_escalation_answers_suggest_potential_escalation():
    found = marac_rules([], T, None, [fact(10, yes=2, escalation=("the abuse is getting worse",))])
    assert [m.criterion for m in found] == ["potential_escalation"]
    assert "getting worse" in found[0].reason


def test_dash_rules_count_only_the_last_12_months_and_only_after_the_last_referral():
    assert criteria([fact(365, yes=20)]) == ["visible_high_risk"]  # 365 days: still within 12 months
    assert criteria([fact(366, yes=20)]) == []
    assert criteria([fact(10, yes=20)], last=T - timedelta(days=5)) == []  # assessed before the referral
    assert criteria([fact(10, yes=20)], last=T - timedelta(days=11)) == ["visible_high_risk"]
    assert criteria([fact(-1, yes=20)]) == []  # assessed after the as-of day: not yet


def test_event_and_dash_reasons_for_one_criterion_are_one_match():
    events = [VictimEvent(1, "E1", T - timedelta(days=3), "high")]
    [match] = marac_rules(events, T, None, [fact(3, yes=16, ref="D9")])
    assert match.criterion == "visible_high_risk" and match.event_refs == ("E1",) and match.assessment_refs == ("D9",)
    assert "E1" in match.reason and "D9" in match.reason


def test_marac_suggestions_and_referrals_read_the_dash_assessments(client, login, world):
    login(world.pc)
    client.post(f"/victims/{world.victim.ref}/dash/new", data=dash_form(14, event_ref="E-OLD"))
    a = db.session.scalars(sa.select(DashAssessment)).one()
    page = client.get("/referrals/forums/marac-suggestions").get_data(as_text=True)
    assert "Freya BELLAMY" in page and f"DASH {a.ref}" in page and "14 of 27" in page
    suggestion = forums.suggest_for(world.victim)
    assert suggestion.criteria == ["visible_high_risk"]
    referral = make_forum_referral("marac", at_risk=world.victim, criterion="visible_high_risk")
    assert referral.matched_rules[0]["assessments"] == [a.ref]
    # A referral made, the same assessment suggests nothing more.
    assert forums.suggest_for(world.victim).criteria == []
    assert count(ForumReferral) == 1


def test_a_dash_assessment_alone_brings_a_person_onto_the_suggestions(client, login, world):
    quiet = make_person("V300", surname="Quietly", forenames="Nell")
    make_event(world.perp, quiet, TODAY - timedelta(days=700))  # an old event only
    dash.record_assessment(
        quiet, dash.DashInput(assessed_on=TODAY, answers=answers(2, escalation=True)), actor=Actor("test")
    )
    login(world.sup)
    page = client.get("/referrals/forums/marac-suggestions").get_data(as_text=True)
    assert "Nell QUIETLY" in page and "happening more often" in page
