"""Clare's Law cases: opening (Right to Ask / Right to Know), the 28-day clock and its overdue alerts,
the decision before any disclosure, and each disclosure written to the audit log."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import today
from app.extensions import db
from app.referrals.clares_law import services as clares_law
from app.referrals.clares_law.models import ClareCase
from app.scheduler import services as scheduler
from tests.factories import compute_network_findings, count, make_clare_case, make_event, make_person


@pytest.fixture
def hub(app, make_user, login):
    user = make_user("harriet", "supervisor")
    login(user)
    return user


@pytest.fixture
def pair(app):
    return make_person("CL-S", surname="Subjectperson"), make_person("CL-V", surname="Atriskperson")


def form(**values):
    return {
        "route": "ask",
        "subject_ref": "CL-S",
        "person_at_risk_ref": "CL-V",
        "applicant_name": "Morwenna Testapplicant",
        "applicant_relationship": "parent",
        "application_on": today().isoformat(),
        **values,
    }


# ---- opening a case -------------------------------------------------------------------------------


def test_a_right_to_ask_case_records_the_applicant_and_starts_the_clock(client, hub, pair):
    response = client.post("/referrals/clares-law/new", data=form())
    assert response.status_code == 302
    case = db.session.scalar(sa.select(ClareCase))
    assert case.route == "ask" and case.applicant_name == "Morwenna Testapplicant"
    assert case.applicant_relationship == "parent" and case.application_on == today()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Day 0 of 28: due {(today() + timedelta(days=28)).strftime('%d %b %Y')} (28 days left)." in page
    assert "Morwenna Testapplicant (parent)" in page


def test_a_right_to_know_case_has_no_applicant(client, hub, pair):
    response = client.post("/referrals/clares-law/new", data=form(route="know"))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(ClareCase))
    assert case.route == "know" and case.applicant_name is None and case.applicant_relationship is None


def test_the_person_at_risk_may_be_named_when_not_on_the_register(client, hub, pair):
    response = client.post(
        "/referrals/clares-law/new", data=form(person_at_risk_ref="", person_at_risk_name="Senna Notonregister")
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ClareCase)).person_at_risk_name == "Senna Notonregister"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"route": ""}, "route", "Choose the route."),
        ({"route": "right_to_guess"}, "route", "Not a valid choice"),
        ({"subject_ref": ""}, "subject_ref", "Enter the person reference of the subject"),
        ({"subject_ref": "NOBODY"}, "subject_ref", "No person with reference NOBODY"),
        ({"person_at_risk_ref": ""}, "person_at_risk_ref", "Enter the person at risk"),
        ({"person_at_risk_ref": "NOBODY"}, "person_at_risk_ref", "No person with reference NOBODY"),
        ({"person_at_risk_ref": "CL-S"}, "person_at_risk_ref", "The person at risk cannot be the subject."),
        ({"applicant_name": " "}, "applicant_name", "Enter the name of the applicant (Right to Ask)."),
        ({"applicant_relationship": ""}, "applicant_relationship", "Choose the applicant&#39;s relationship"),
        ({"applicant_relationship": "cousin"}, "applicant_relationship", "Not a valid choice"),
        ({"application_on": ""}, "application_on", "Enter the application date."),
        ({"application_on": "2026-02-31"}, "application_on", "Not a valid date value."),
        ({"application_on": (today() + timedelta(days=1)).isoformat()}, "application_on", "cannot be in the future"),
        ({"applicant_name": "a" * 201}, "applicant_name", "Field cannot be longer than 200 characters."),
        ({"note": "n" * 5001}, "note", "5000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(client, hub, pair, values, field, message):
    response = client.post("/referrals/clares-law/new", data=form(**values))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    summary = text[text.index('id="error-summary"') : text.index("</ul>", text.index('id="error-summary"'))]
    assert message in summary and f'href="#{field}"' in summary, summary
    assert count(ClareCase) == 0


def test_a_second_open_case_about_the_same_pair_is_refused(client, hub, pair):
    first = make_clare_case(*pair, application_on=today())
    response = client.post("/referrals/clares-law/new", data=form(route="know"))
    assert response.status_code == 400
    assert f"Case {first.ref} about CL-S and this person at risk is still open" in response.get_data(as_text=True)
    assert count(ClareCase) == 1


# ---- the 28-day clock ---------------------------------------------------------------------------


def test_the_clock_is_due_28_days_after_the_application_and_overdue_from_the_day_after(app, pair):
    day = today()
    on_time = make_clare_case(*pair, application_on=day - timedelta(days=28))
    clock = clares_law.clock(on_time, day)
    assert clock.due_on == day and clock.days_elapsed == 28 and not clock.overdue
    assert clock.summary.startswith("Day 28 of 28") and "(0 days left)" in clock.summary
    late = clares_law.clock(on_time, day + timedelta(days=1))
    assert late.overdue and late.summary.startswith("Day 29: overdue by 1 day ")


def test_a_closed_case_stops_the_clock_and_says_whether_it_met_the_target(app, pair):
    case = make_clare_case(*pair, application_on=today() - timedelta(days=40))
    case.closed_on, case.closure, case.closure_reason = today() - timedelta(days=10), "withdrawn", "Applicant withdrew"
    db.session.commit()
    clock = clares_law.clock(case)
    assert not clock.overdue and clock.days_elapsed == 30 and clock.met_target is False
    assert clock.summary.startswith("Closed after 30 days, outside the 28-day target")


def test_the_clock_is_on_the_list_and_on_every_case(client, hub, pair):
    other = make_person("CL-V2")
    late = make_clare_case(pair[0], pair[1], application_on=today() - timedelta(days=30))
    fresh = make_clare_case(pair[0], other, application_on=today() - timedelta(days=3), route="ask")
    listing = client.get("/referrals/clares-law/").get_data(as_text=True)
    assert "Day 30: overdue by 2 days" in listing and "Day 3 of 28" in listing
    assert "Day 30: overdue by 2 days" in client.get(f"/referrals/clares-law/{late.ref}").get_data(as_text=True)
    assert "Day 3 of 28" in client.get(f"/referrals/clares-law/{fresh.ref}").get_data(as_text=True)
    overdue = client.get("/referrals/clares-law/?status=overdue").get_data(as_text=True)
    assert late.ref in overdue and fresh.ref not in overdue
    assert fresh.ref in client.get("/referrals/clares-law/?route=ask").get_data(as_text=True)
    assert client.get("/referrals/clares-law/?status=late").status_code == 400


def test_the_scheduler_alerts_supervisors_to_overdue_open_cases_once(app, pair):
    day = today()
    due_today = make_clare_case(pair[0], pair[1], application_on=day - timedelta(days=28))
    late = make_clare_case(pair[0], make_person("CL-V3"), application_on=day - timedelta(days=29))
    closed = make_clare_case(pair[0], make_person("CL-V4"), application_on=day - timedelta(days=60))
    closed.closed_on, closed.closure, closed.closure_reason = day - timedelta(days=1), "withdrawn", "Withdrew"
    db.session.commit()
    now = datetime.now(UTC)
    assert scheduler.run_job(app, "clare_overdue_alerts", now=now)
    alerts = db.session.scalars(sa.select(Alert).where(Alert.kind == "clare_overdue")).all()
    assert [(a.object_ref, a.role, a.due_on) for a in alerts] == [
        (late.ref, "supervisor", late.application_on + timedelta(days=28))
    ]
    assert "passed its 28-day target" in alerts[0].message and due_today.ref not in alerts[0].message
    assert not scheduler.run_job(app, "clare_overdue_alerts", now=now)  # once per day
    assert clares_law.raise_clare_overdue_alerts(day + timedelta(days=1), actor=Actor("t")) == 1  # due_today now late
    assert clares_law.raise_clare_overdue_alerts(day + timedelta(days=1), actor=Actor("t")) == 0  # idempotent


def test_the_overdue_alert_shows_in_a_supervisors_inbox(client, hub, pair):
    make_clare_case(*pair, application_on=today() - timedelta(days=35))
    clares_law.raise_clare_overdue_alerts(today(), actor=Actor("t"))
    assert "Clare&#39;s Law case past 28 days" in client.get("/alerts/").get_data(as_text=True)


# ---- steps, decision, disclosure ----------------------------------------------------------------


@pytest.fixture
def case(pair):
    return make_clare_case(*pair, application_on=today() - timedelta(days=10))


def post(client, case, action, **data):
    db.session.expire_all()
    version = db.session.get(ClareCase, case.id).version_id
    return client.post(f"/referrals/clares-law/{case.ref}/{action}", data={"version_id": version, **data})


def test_steps_are_dated_and_audited(client, hub, case):
    day = (today() - timedelta(days=5)).isoformat()
    response = post(client, case, "steps", initial_contact_on=day, checks_on=day, checks_detail="PNC, PND, local")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ClareCase, case.id)
    assert saved.initial_contact_on.isoformat() == day and saved.checks_detail == "PNC, PND, local"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.summary.like("%steps recorded"))).one()
    assert set(entry.data["changes"]) == {"initial_contact_on", "checks_on", "checks_detail"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"face_to_face_on": "2000-01-01"}, "The face-to-face meeting cannot be before the application"),
        ({"checks_on": (today() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
        ({"forum_decision_on": "not a date"}, "Not a valid date value."),
        ({"forum_name": "f" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_steps_are_refused(client, hub, case, data, message):
    response = post(client, case, "steps", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClareCase, case.id).version_id == 1


def test_a_disclosure_cannot_be_recorded_before_the_decision(client, hub, case):
    entries = count(AuditEntry)
    response = post(
        client, case, "disclosure", disclosure_on=today().isoformat(), disclosed_to="Her", disclosed_what="History"
    )
    assert response.status_code == 400
    assert "Record the decision to disclose, with its rationale, before recording a disclosure." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(ClareCase, case.id).disclosure_on is None
    assert count(AuditEntry) == entries
    with pytest.raises(sa.exc.IntegrityError):  # the database agrees
        db.session.execute(
            sa.update(ClareCase).where(ClareCase.id == case.id).values(disclosure_on=today(), version_id=5)
        )
    db.session.rollback()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "disclose", "rationale": ""}, "Give the rationale for the decision"),
        ({"decision": "", "rationale": "x"}, "Choose the decision."),
        ({"decision": "maybe", "rationale": "x"}, "Not a valid choice"),
        ({"decision": "disclose", "rationale": "x", "decided_on": ""}, "Enter the date of the decision."),
        ({"decision": "disclose", "rationale": "x", "decided_on": "2000-01-01"}, "cannot be before the application"),
    ],
)
def test_a_decision_needs_its_rationale_and_date(client, hub, case, data, message):
    response = post(client, case, "decision", **{"decided_on": today().isoformat(), **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClareCase, case.id).decision is None


def test_the_decision_then_the_disclosure_closes_the_case_and_is_logged_as_a_disclosure(client, hub, case):
    rationale = "Two previous victims; necessary and proportionate to protect the new partner"
    assert (
        post(
            client, case, "decision", decision="disclose", rationale=rationale, decided_on=today().isoformat()
        ).status_code
        == 302
    )
    for data, message in (
        ({"disclosed_to": "", "disclosed_what": "x"}, "Enter who received the disclosure"),
        ({"disclosed_to": "x", "disclosed_what": ""}, "Enter what was disclosed."),
        ({"disclosed_to": "x", "disclosed_what": "y", "disclosure_on": "2000-01-01"}, "cannot be before the decision"),
    ):
        response = post(client, case, "disclosure", **{"disclosure_on": today().isoformat(), **data})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "disclosure")).all()
    response = post(
        client,
        case,
        "disclosure",
        disclosure_on=today().isoformat(),
        disclosed_to="The person at risk, in person",
        disclosed_what="Convictions for assault against two former partners",
        disclosed_how="Face to face at the police station",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ClareCase, case.id)
    assert saved.closure == "disclosed" and saved.closed_on == today() and saved.disclosed_by.username == "harriet"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "disclosure")).one()
    assert entry.username == "harriet" and entry.object_ref == case.ref and entry.reason == rationale
    assert entry.data["disclosed_to"] == "The person at risk, in person"
    assert entry.data["disclosed_what"] == "Convictions for assault against two former partners"
    assert entry.data["disclosed_by"] == "harriet" and entry.data["disclosure_on"] == today().isoformat()
    assert entry.data["rationale"] == rationale
    page = client.get(f"/referrals/clares-law/{case.ref}").get_data(as_text=True)
    assert "Closed after 10 days, within the 28-day target" in page and 'id="steps-form"' not in page
    assert post(client, case, "steps", checks_detail="late note").status_code == 400  # closed


def test_a_decision_not_to_disclose_closes_the_case(client, hub, case):
    response = post(
        client,
        case,
        "decision",
        decision="not_disclose",
        rationale="No relevant history found",
        decided_on=today().isoformat(),
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ClareCase, case.id)
    assert saved.closure == "not_disclosed" and saved.closed_on == today()
    assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "disclosure")).all()
    response = post(client, case, "disclosure", disclosure_on=today().isoformat(), disclosed_to="x", disclosed_what="y")
    assert response.status_code == 400


def test_a_case_closed_without_a_decision_needs_a_reason(client, hub, case):
    assert post(client, case, "close", closed_on=today().isoformat(), reason="").status_code == 400
    response = post(client, case, "close", closed_on=today().isoformat(), reason="Applicant withdrew")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ClareCase, case.id).closure == "withdrawn"


def test_a_stale_case_form_is_refused_with_409(client, hub, case):
    response = client.post(f"/referrals/clares-law/{case.ref}/steps", data={"version_id": 1, "checks_detail": "first"})
    assert response.status_code == 302
    response = client.post(f"/referrals/clares-law/{case.ref}/steps", data={"version_id": 1, "checks_detail": "second"})
    assert response.status_code == 409
    assert "Someone else changed this case" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClareCase, case.id).checks_detail == "first"


# ---- Right to Know from the network's new-partner candidates -------------------------------------


def test_a_right_to_know_case_is_raised_from_the_new_partner_candidates(client, hub):
    t = today()
    subject, earlier, new = (
        make_person("RK-S", surname="Knownperp"),
        make_person("RK-V1"),
        make_person("RK-V2", surname="Newpartner"),
    )
    make_event(subject, earlier, t - timedelta(days=400))
    make_event(subject, new, t - timedelta(days=20))
    compute_network_findings()
    page = client.get("/referrals/clares-law/right-to-know").get_data(as_text=True)
    assert "1 candidate" in page and "KNOWNPERP" in page and "NEWPARTNER" in page
    response = client.post(
        "/referrals/clares-law/right-to-know", data={"subject_ref": "RK-S", "person_at_risk_ref": "RK-V2"}
    )
    assert response.status_code == 303
    case = db.session.scalar(sa.select(ClareCase))
    assert case.route == "know" and case.person_at_risk_id == new.id and case.application_on == t
    page = client.get("/referrals/clares-law/right-to-know").get_data(as_text=True)
    assert f'href="/referrals/clares-law/{case.ref}"' in page and 'type="submit">Open a Right to Know case' not in page
    again = client.post(
        "/referrals/clares-law/right-to-know",
        data={"subject_ref": "RK-S", "person_at_risk_ref": "RK-V2"},
        follow_redirects=True,
    )
    assert "is still open" in again.get_data(as_text=True) and count(ClareCase) == 1
    assert client.post("/referrals/clares-law/right-to-know", data={}).status_code == 400
    # The network's own candidates page links here.
    network_page = client.get("/persons/network/right-to-know").get_data(as_text=True)
    assert 'href="/referrals/clares-law/right-to-know"' in network_page
    assert client.get("/referrals/clares-law/right-to-know?within=7").status_code == 400


# ---- who may see and do what -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "referral", "admin"])
def test_only_the_da_hub_and_analysts_see_clares_law(app, client, make_user, login, role, pair):
    case = make_clare_case(*pair, application_on=today())
    login(make_user(f"u-{role}", role))
    for path in ("/referrals/clares-law/", f"/referrals/clares-law/{case.ref}", "/referrals/clares-law/new"):
        assert client.get(path).status_code == 403


def test_analysts_read_cases_but_do_not_work_them(app, client, make_user, login, pair):
    case = make_clare_case(*pair, application_on=today())
    login(make_user("anika", "analyst"))
    assert client.get(f"/referrals/clares-law/{case.ref}").status_code == 200
    assert 'id="steps-form"' not in client.get(f"/referrals/clares-law/{case.ref}").get_data(as_text=True)
    assert client.post(f"/referrals/clares-law/{case.ref}/decision", data={}).status_code == 403
    assert client.get("/referrals/clares-law/right-to-know").status_code == 403
