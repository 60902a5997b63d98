"""Victim feedback: recorded only with consent after the case closed, and shown only in aggregate per
quarter and district: no names, and a group of fewer than five answers shows only its size."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.extensions import db
from app.victims.feedback import services as feedback
from app.victims.feedback.models import VictimFeedback
from tests.factories import count, make_person
from tests.victims.conftest import TODAY


def form(**overrides):
    data = {
        "consent": "y",
        "case_closed_on": (TODAY - timedelta(days=10)).isoformat(),
        "recorded_on": TODAY.isoformat(),
        "listened": "yes",
        "safer": "partly",
        "report_again": "yes",
        "comment": "The officer rang when she said she would.",
    }
    return data | overrides


def test_feedback_is_recorded_with_consent_and_the_audit_entry_holds_no_answers(client, login, world):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/feedback/new", data=form())
    assert response.status_code == 302
    answer = db.session.scalars(sa.select(VictimFeedback)).one()
    assert (answer.listened, answer.safer, answer.district) == ("yes", "partly", "Northgate")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "victim_feedback"))
    assert "partly" not in str(entry.data) and "rang" not in str(entry.data)
    # The victim page says feedback was given, not what it said.
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)
    assert "Feedback recorded on" in page and "rang when she said" not in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": ""}, "only with the victim&#39;s consent"),
        ({"case_closed_on": ""}, "Enter the date the case closed"),
        ({"case_closed_on": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"recorded_on": (TODAY - timedelta(days=20)).isoformat()}, "after the case has closed"),
        ({"listened": "maybe"}, "Choose whether they felt listened to"),
        ({"report_again": ""}, "Choose whether they would report again"),
        ({"comment": "x" * 5001}, "5000 characters or fewer"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_written(client, login, world, change, message):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/feedback/new", data=form(**change))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(VictimFeedback) == 0


def test_one_answer_per_case(client, login, world):
    login(world.pc)
    client.post(f"/victims/{world.victim.ref}/feedback/new", data=form())
    again = client.post(f"/victims/{world.victim.ref}/feedback/new", data=form(listened="no"))
    assert again.status_code == 400 and "already recorded" in again.get_data(as_text=True)
    assert count(VictimFeedback) == 1


def give(person, recorded_on: date, **answers):
    values = {"listened": "yes", "safer": "yes", "report_again": "yes"} | answers
    return feedback.record_feedback(
        person,
        feedback.FeedbackInput(
            consent=True, case_closed_on=recorded_on - timedelta(days=3), recorded_on=recorded_on, **values
        ),
        actor=Actor("test"),
    )


def test_figures_per_quarter_and_district_hide_small_groups(app, client, login, world):
    as_of = date(2026, 11, 30)
    q4 = date(2026, 10, 15)
    north = [make_person(f"N{n}", surname=f"Northwoman{n}", district="Northgate") for n in range(5)]
    for n, person in enumerate(north):
        give(
            person,
            q4 + timedelta(days=n),
            listened="yes" if n < 4 else "no",
            safer="yes" if n < 2 else "partly",
            report_again="no" if n == 0 else "yes",
            comment=f"Comment number {n}",
        )
    south = [make_person(f"S{n}", surname=f"Southwoman{n}", district="Southvale") for n in range(4)]
    for person in south:
        give(person, q4, comment="A southern comment")
    give(north[0], date(2026, 8, 1))  # Q3, Northgate: a group of one
    groups = feedback.figures(as_of=as_of, actor=Actor("test"))
    found = {(g.label, g.district): g for g in groups}
    n4 = found[("2026 Q4", "Northgate")]
    assert (n4.answers, n4.share("listened"), n4.share("safer"), n4.share("report_again")) == (5, 0.8, 0.4, 0.8)
    assert n4.comments == [f"Comment number {n}" for n in range(5)]
    s4 = found[("2026 Q4", "Southvale")]
    assert s4.answers == 4 and not s4.shown and s4.share("listened") is None and s4.comments == []
    assert found[("2026 Q3", "Northgate")].answers == 1
    assert [g.label for g in groups][:2] == ["2026 Q4", "2026 Q4"]
    # The page: no names, small groups only as "fewer than 5".
    login(world.analyst)
    page = client.get("/victims/feedback").get_data(as_text=True)
    assert "Northwoman" not in page and "Southwoman" not in page and "A southern comment" not in page
    if date(2026, 10, 1) <= TODAY and date(2027, 1, 1) > TODAY:
        assert "fewer than 5" in page and "80%" in page


def test_officers_record_feedback_but_read_no_figures(client, login, world):
    login(world.pc)
    assert client.get("/victims/feedback").status_code == 403
