"""Programme referrals: the state machine, screening, attendance, the list and suggested candidates."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import today
from app.extensions import db
from app.ranking.services import run_ranking
from app.referrals.programmes import services
from app.referrals.programmes.models import (
    FINAL_STATES,
    REFERRAL_MOVES,
    REFERRAL_STATES,
    SCREENING_ITEMS,
    AttendanceNote,
    ProgrammeReferral,
    ReferralMove,
)
from tests.factories import count, make_event, make_person, make_referral

ALL_YES = {f"item_{code}": "yes" for code in SCREENING_ITEMS}


def perpetrator(ref="PR001", **values):
    person = make_person(ref, **values)
    victim = make_person(f"{ref}V", surname="Victimsurname")
    make_event(person, victim, today() - timedelta(days=30))
    return person


def audit_count() -> int:
    return count(AuditEntry)


def moves_of(referral) -> list[tuple]:
    return db.session.execute(
        sa.select(ReferralMove.from_state, ReferralMove.to_state, ReferralMove.reason)
        .where(ReferralMove.referral_id == referral.id)
        .order_by(ReferralMove.id)
    ).all()


@pytest.fixture
def worker(app, make_user, login, client):
    user = make_user("rita", "referral")
    login(user)
    return user


# ---- the whole journey --------------------------------------------------------------------------


def test_a_referral_moves_from_identified_to_completed_with_every_move_stored_and_audited(client, worker):
    person = perpetrator()
    client.post(f"/referrals/persons/{person.ref}/identify", data={"programme": "", "note": "Serial pattern"})
    referral = db.session.scalar(sa.select(ProgrammeReferral))
    assert referral.state == "identified" and referral.programme_code is None

    def post(path, data):
        db.session.expire_all()
        r = db.session.get(ProgrammeReferral, referral.id)
        response = client.post(path, data={"version_id": r.version_id, "moved_on": today().isoformat(), **data})
        assert response.status_code == 302, response.get_data(as_text=True)

    base = f"/referrals/programme/{referral.ref}"
    post(f"{base}/move", {"to_state": "referred", "programme": "respect_dvpp"})
    post(f"{base}/screen", {**ALL_YES, "screened_on": today().isoformat(), "screening_notes": "Suitable"})
    post(f"{base}/move", {"to_state": "accepted"})
    post(f"{base}/move", {"to_state": "started"})
    attended = client.post(
        f"{base}/attendance", data={"session_on": today().isoformat(), "attendance": "attended", "note": "Week 1"}
    )
    assert attended.status_code == 302
    post(f"{base}/move", {"to_state": "completed"})

    db.session.expire_all()
    referral = db.session.get(ProgrammeReferral, referral.id)
    assert referral.state == "completed" and referral.programme_code == "respect_dvpp"
    assert referral.screening == {code: "yes" for code in SCREENING_ITEMS}
    assert [(f, t) for f, t, _ in moves_of(referral)] == [
        (None, "identified"),
        ("identified", "referred"),
        ("referred", "screened"),
        ("screened", "accepted"),
        ("accepted", "started"),
        ("started", "completed"),
    ]
    assert all(m.by_name == "rita" and m.moved_on == today() for m in referral.moves)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_ref == referral.ref, AuditEntry.action.in_(("create", "update")))
    ).all()
    assert len(entries) == 7  # identified, five moves and the attendance note
    assert entries[-1].summary == f"referral {referral.ref} moved from started to completed"
    page = client.get(base).get_data(as_text=True)
    assert "which is final" in page and 'id="move-form"' not in page


# ---- illegal moves ------------------------------------------------------------------------------

ILLEGAL = [(s, t) for s in REFERRAL_STATES for t in REFERRAL_STATES if t not in REFERRAL_MOVES[s]]


@pytest.mark.parametrize(("state", "to_state"), ILLEGAL, ids=[f"{s}->{t}" for s, t in ILLEGAL])
def test_an_illegal_move_is_refused_naming_the_state_and_the_moves_allowed_and_writes_nothing(
    client, worker, state, to_state
):
    referral = make_referral(perpetrator(), state)
    version, moves, entries = referral.version_id, len(moves_of(referral)), audit_count()
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={
            "to_state": to_state,
            "moved_on": today().isoformat(),
            "reason": "because",
            "programme": "drive",
            "version_id": version,
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    current = REFERRAL_STATES[state].lower()
    if REFERRAL_MOVES[state]:
        allowed = " or ".join(REFERRAL_STATES[s].lower() for s in REFERRAL_MOVES[state])
        assert (
            f"is {current}: it cannot move to {REFERRAL_STATES[to_state].lower()}. It can move only to {allowed}."
            in text
        )
    else:
        assert f"is {current}, which is final: it cannot move to {REFERRAL_STATES[to_state].lower()}" in text
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == state
    assert db.session.get(ProgrammeReferral, referral.id).version_id == version
    assert len(moves_of(referral)) == moves
    assert audit_count() == entries


def test_an_unknown_state_is_refused_as_an_illegal_move(client, worker):
    referral = make_referral(perpetrator(), "referred")
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "teleported", "moved_on": today().isoformat(), "version_id": referral.version_id},
    )
    assert response.status_code == 409
    assert "It can move only to screened or withdrawn." in response.get_data(as_text=True)


def test_final_states_and_withdrawal_are_as_documented():
    assert set(FINAL_STATES) == {"declined", "completed", "dropped_out", "withdrawn"}
    open_states = [s for s in REFERRAL_STATES if s not in FINAL_STATES]
    assert all("withdrawn" in REFERRAL_MOVES[s] for s in open_states)


@pytest.mark.parametrize("state", ["identified", "referred", "screened", "accepted", "started"])
def test_a_referral_can_be_withdrawn_from_every_state_that_is_not_final(client, worker, state):
    referral = make_referral(perpetrator(), state)
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={
            "to_state": "withdrawn",
            "moved_on": today().isoformat(),
            "reason": "Remanded in custody",
            "version_id": referral.version_id,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert moves_of(referral)[-1] == (state, "withdrawn", "Remanded in custody")


# ---- what each move needs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "to_state"), [("screened", "declined"), ("started", "dropped_out"), ("accepted", "withdrawn")]
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_declined_dropped_out_and_withdrawn_need_a_reason(client, worker, state, to_state, reason):
    referral = make_referral(perpetrator(), state)
    moves = len(moves_of(referral))
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={
            "to_state": to_state,
            "moved_on": today().isoformat(),
            "reason": reason,
            "version_id": referral.version_id,
        },
    )
    assert response.status_code == 400
    assert f"Give the reason the referral is {REFERRAL_STATES[to_state].lower()}." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == state and len(moves_of(referral)) == moves


def test_the_database_refuses_a_move_to_declined_without_a_reason(app):
    referral = make_referral(perpetrator(), "screened")
    db.session.add(
        ReferralMove(referral_id=referral.id, from_state="screened", to_state="declined", moved_on=today(), by_name="x")
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_an_unknown_state(app):
    referral = make_referral(perpetrator())
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(ProgrammeReferral).where(ProgrammeReferral.id == referral.id).values(state="lost", version_id=9)
        )
    db.session.rollback()


def test_referred_needs_a_programme_from_the_catalogue(client, worker):
    referral = make_referral(perpetrator(), "identified")
    for programme, message in (
        ("", "Choose the programme the person is referred to."),
        ("astrology", "Not a valid choice"),
    ):
        response = client.post(
            f"/referrals/programme/{referral.ref}/move",
            data={"to_state": "referred", "moved_on": today().isoformat(), "programme": programme, "version_id": 1},
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == "identified"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Answer: "),
        ({**ALL_YES, "item_risk_assessed": ""}, "Answer: Current risk assessed"),
        ({**ALL_YES, "item_risk_assessed": "maybe"}, "Not a valid choice"),
    ],
)
def test_screening_needs_every_checklist_item_answered(client, worker, answers, message):
    referral = make_referral(perpetrator(), "referred")
    response = client.post(
        f"/referrals/programme/{referral.ref}/screen",
        data={**answers, "screened_on": today().isoformat(), "version_id": referral.version_id},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == "referred"
    assert db.session.get(ProgrammeReferral, referral.id).screening is None


def test_the_service_refuses_an_incomplete_checklist_too(app):
    referral = make_referral(perpetrator(), "referred")
    with pytest.raises(services.ValidationFailed) as exc:
        services.move(
            referral,
            "screened",
            moved_on=today(),
            screening={"meets_eligibility": "yes"},
            expected_version=referral.version_id,
            actor=Actor("t"),
        )
    assert "6 not answered" in exc.value.errors["screening"]


@pytest.mark.parametrize(
    ("moved_on", "message"),
    [
        ("", "Enter the date of the move."),
        ("2026-02-30", "Not a valid date value."),
        ("yesterday", "Not a valid date value."),
        ((today() + timedelta(days=1)).isoformat(), "The date of the move cannot be in the future."),
        ((today() - timedelta(days=40)).isoformat(), "cannot be before"),
    ],
)
def test_the_date_of_a_move_is_checked(client, worker, moved_on, message):
    referral = make_referral(perpetrator(), "accepted", on=today() - timedelta(days=10))
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "started", "moved_on": moved_on, "version_id": referral.version_id},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == "accepted"


def test_a_move_made_on_a_page_that_is_out_of_date_is_refused_with_409(client, worker):
    referral = make_referral(perpetrator(), "accepted")
    stale = referral.version_id
    services.move(referral, "started", moved_on=today(), expected_version=stale, actor=Actor("other"))
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "withdrawn", "moved_on": today().isoformat(), "reason": "x", "version_id": stale},
    )
    assert response.status_code == 409
    assert "Someone else changed this referral" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgrammeReferral, referral.id).state == "started"


def test_a_reason_that_is_too_long_is_refused(client, worker):
    referral = make_referral(perpetrator(), "screened")
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "declined", "moved_on": today().isoformat(), "reason": "x" * 2001, "version_id": 4},
    )
    assert response.status_code == 400
    assert "2000 characters" in response.get_data(as_text=True)


# ---- attendance ---------------------------------------------------------------------------------


def test_attendance_notes_are_added_once_accepted_or_started(client, worker):
    referral = make_referral(perpetrator(), "started")
    response = client.post(
        f"/referrals/programme/{referral.ref}/attendance",
        data={"session_on": today().isoformat(), "attendance": "missed", "note": "Phoned to say ill"},
    )
    assert response.status_code == 302
    page = client.get(f"/referrals/programme/{referral.ref}").get_data(as_text=True)
    assert "Missed" in page and "Phoned to say ill" in page
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).all()[1]
    assert entry.summary.startswith(f"attendance noted for referral {referral.ref}: missed")


@pytest.mark.parametrize(
    ("state", "data", "message"),
    [
        ("referred", {"attendance": "attended"}, "Attendance is recorded once a referral is accepted or started"),
        ("started", {"attendance": "snoozed"}, "Not a valid choice"),
        ("started", {"attendance": ""}, "Choose whether the person attended."),
        ("started", {"attendance": "attended", "session_on": ""}, "Enter the date of the session."),
        (
            "started",
            {"attendance": "attended", "session_on": "1999-01-01"},
            "cannot be before the person was identified",
        ),
        (
            "started",
            {"attendance": "attended", "session_on": (today() + timedelta(days=3)).isoformat()},
            "cannot be in the future",
        ),
        ("started", {"attendance": "attended", "note": "n" * 5001}, "5000 characters"),
    ],
)
def test_attendance_notes_are_checked(client, worker, state, data, message):
    referral = make_referral(perpetrator(), state)
    response = client.post(
        f"/referrals/programme/{referral.ref}/attendance", data={"session_on": today().isoformat(), **data}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(AttendanceNote) == 0


# ---- identifying --------------------------------------------------------------------------------


def test_a_person_has_one_open_referral_at_a_time(client, worker):
    person = perpetrator()
    first = make_referral(person, "referred")
    response = client.post(f"/referrals/persons/{person.ref}/identify", data={"note": ""})
    assert response.status_code == 400
    assert f"already has an open referral, {first.ref} (referred)" in response.get_data(as_text=True)
    assert count(ProgrammeReferral) == 1


def test_a_closed_referral_does_not_stop_a_new_one(client, worker):
    person = perpetrator()
    make_referral(person, "dropped_out")
    response = client.post(f"/referrals/persons/{person.ref}/identify", data={"programme": "bbr"})
    assert response.status_code == 302
    assert count(ProgrammeReferral) == 2


def test_identify_refuses_an_unknown_programme_and_a_long_note(client, worker):
    person = perpetrator()
    response = client.post(f"/referrals/persons/{person.ref}/identify", data={"programme": "nope"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post(f"/referrals/persons/{person.ref}/identify", data={"note": "n" * 5001})
    assert response.status_code == 400 and "5000 characters" in response.get_data(as_text=True)
    assert count(ProgrammeReferral) == 0


def test_only_perpetrators_can_be_identified(client, worker):
    victim_only = make_person("VONLY")
    make_event(make_person("SX1"), victim_only, today())
    assert client.get(f"/referrals/persons/{victim_only.ref}/identify").status_code == 404
    assert client.post(f"/referrals/persons/{victim_only.ref}/identify", data={}).status_code == 404
    with pytest.raises(services.ValidationFailed, match="not the suspect of any DA event"):
        services.identify(victim_only, actor=Actor("t"))
    assert count(ProgrammeReferral) == 0


def test_officers_may_identify_but_not_move(app, client, make_user, login):
    login(make_user("olly", "officer"))
    person = perpetrator()
    assert client.post(f"/referrals/persons/{person.ref}/identify", data={}).status_code == 302
    referral = db.session.scalar(sa.select(ProgrammeReferral))
    page = client.get(f"/referrals/programme/{referral.ref}").get_data(as_text=True)
    assert 'id="move-form"' not in page and "It can move next to: referred, withdrawn." in page
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "referred", "programme": "drive", "moved_on": today().isoformat(), "version_id": 1},
    )
    assert response.status_code == 403


def test_unknown_referrals_and_persons_are_404(client, worker):
    assert client.get("/referrals/programme/ACH-PR-999999").status_code == 404
    assert client.post("/referrals/programme/ACH-PR-999999/move", data={}).status_code == 404
    assert client.get("/referrals/persons/NOBODY").status_code == 404


# ---- the list -----------------------------------------------------------------------------------


@pytest.fixture
def listed(app):
    a, b, c = (
        perpetrator("LA1", surname="Alder"),
        perpetrator("LB1", surname="Birch"),
        perpetrator("LC1", surname="Cedar"),
    )
    old = today() - timedelta(days=100)
    return {
        "a": make_referral(a, "started", programme="drive", on=old),
        "b": make_referral(b, "referred", programme="bbr"),
        "c": make_referral(c, "identified"),
    }


def test_the_list_filters_by_programme_state_and_date_and_counts_by_state(client, worker, listed):
    page = client.get("/referrals/").get_data(as_text=True)
    assert "3 referrals found." in page
    assert all(listed[k].ref in page for k in "abc")
    page = client.get("/referrals/?programme=bbr").get_data(as_text=True)
    assert "1 referral found." in page and listed["b"].ref in page and listed["a"].ref not in page
    page = client.get("/referrals/?programme=none").get_data(as_text=True)
    assert "1 referral found." in page and listed["c"].ref in page
    page = client.get("/referrals/?state=started").get_data(as_text=True)
    assert "1 referral found." in page and listed["a"].ref in page
    since = (today() - timedelta(days=10)).isoformat()
    page = client.get(f"/referrals/?identified_from={since}").get_data(as_text=True)
    assert "2 referrals found." in page and listed["a"].ref not in page
    page = client.get(f"/referrals/?identified_to={since}").get_data(as_text=True)
    assert "1 referral found." in page and listed["a"].ref in page
    counts = services.counts_by_state(services.ReferralFilters())
    assert counts["started"] == 1 and counts["referred"] == 1 and counts["identified"] == 1 and counts["completed"] == 0
    # Counts ignore the state filter (so every state can be chosen) but follow the others.
    assert services.counts_by_state(services.ReferralFilters(programme="bbr", state="started"))["referred"] == 1
    page = client.get("/referrals/?programme=bbr").get_data(as_text=True)
    assert 'data-state="referred">Referred <span class="badge text-bg-secondary">1</span>' in page
    assert 'data-state="started">Started <span class="badge text-bg-secondary">0</span>' in page


@pytest.mark.parametrize(
    "query",
    [
        "?state=lost",
        "?programme=astrology",
        "?identified_from=2026-13-01",
        "?identified_from=2026-05-02&identified_to=2026-05-01",
        "?page=0",
        "?page=abc",
    ],
)
def test_bad_list_filters_are_400_with_a_message(client, worker, query):
    response = client.get("/referrals/" + query)
    assert response.status_code == 400
    assert 'id="error-summary"' in response.get_data(as_text=True)


def test_the_list_is_paginated(app, client, worker):
    app.config["PAGE_SIZE"] = 2
    try:
        for i in range(5):
            make_referral(perpetrator(f"PG{i}"))
        first = client.get("/referrals/").get_data(as_text=True)
        assert "Page 1 of 3" in first and "5 referrals found." in first
        third = client.get("/referrals/?page=3").get_data(as_text=True)
        assert third.count("/referrals/programme/ACH-PR-") == 1
    finally:
        app.config["PAGE_SIZE"] = 50


# ---- suggested candidates -------------------------------------------------------------------------


@pytest.fixture
def ranked(app):
    """Serial (two victims), escalating (three events in 12 months), neither, and serial but referred."""
    t = today()
    serial, escalating, plain, referred = (
        make_person("SER1", surname="Serialperson"),
        make_person("ESC1", surname="Escalatingperson"),
        make_person("PLN1", surname="Plainperson"),
        make_person("REF1", surname="Referredperson"),
    )
    v = [make_person(f"V{i}", surname=f"Victim{i}") for i in range(6)]
    make_event(serial, v[0], t - timedelta(days=200))
    make_event(serial, v[1], t - timedelta(days=20))
    for days in (10, 60, 120):
        make_event(escalating, v[2], t - timedelta(days=days))
    make_event(plain, v[3], t - timedelta(days=15))
    make_event(referred, v[4], t - timedelta(days=50))
    make_event(referred, v[5], t - timedelta(days=40))
    make_referral(referred, "completed")
    run_ranking(t, "manual", actor=Actor("test"))
    return {"serial": serial, "escalating": escalating, "plain": plain, "referred": referred}


def test_suggested_candidates_are_ranked_serial_or_escalating_persons_with_no_referral(client, worker, ranked):
    page = client.get("/referrals/suggested").get_data(as_text=True)
    assert "2 candidates" in page
    assert "SERIALPERSON" in page and "ESCALATINGPERSON" in page
    assert "PLAINPERSON" not in page and "REFERREDPERSON" not in page
    assert ">Serial<" in page and ">Escalating<" in page


def test_one_click_identify_creates_the_referral_in_state_identified(client, worker, ranked):
    response = client.post("/referrals/suggested/identify", data={"person_ref": "SER1"})
    assert response.status_code == 303
    referral = db.session.scalar(sa.select(ProgrammeReferral).where(ProgrammeReferral.person_id == ranked["serial"].id))
    assert referral.state == "identified" and referral.source == "suggested"
    assert response.headers["Location"].endswith(f"/referrals/programme/{referral.ref}")
    assert "identified for a programme" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SERIALPERSON" not in client.get("/referrals/suggested").get_data(as_text=True)
    again = client.post("/referrals/suggested/identify", data={"person_ref": "SER1"})
    assert again.status_code == 303
    assert count(ProgrammeReferral) == 2  # the completed one, and this one: no second


def test_one_click_identify_refuses_a_person_who_is_not_suggested(client, worker, ranked):
    response = client.post("/referrals/suggested/identify", data={"person_ref": "PLN1"}, follow_redirects=True)
    assert "is not a suggested candidate in the latest ranking" in response.get_data(as_text=True)
    assert client.post("/referrals/suggested/identify", data={"person_ref": "NOBODY"}).status_code == 404
    assert client.post("/referrals/suggested/identify", data={}).status_code == 400
    assert count(ProgrammeReferral) == 1


def test_without_a_ranking_there_are_no_suggestions(client, worker):
    assert "No ranking has been run yet" in client.get("/referrals/suggested").get_data(as_text=True)


def test_analysts_read_referrals_but_cannot_identify(app, client, make_user, login, ranked):
    login(make_user("ana", "analyst"))
    page = client.get("/referrals/suggested").get_data(as_text=True)
    assert "SERIALPERSON" in page and "/referrals/suggested/identify" not in page
    assert client.post("/referrals/suggested/identify", data={"person_ref": "SER1"}).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/forums/",
        "/referrals/forums/new",
        "/referrals/forums/marac-suggestions",
        "/referrals/clares-law/",
        "/referrals/clares-law/new",
        "/referrals/clares-law/right-to-know",
    ],
)
def test_referral_staff_cannot_reach_forum_referrals_or_clares_law(client, worker, path):
    assert client.get(path).status_code == 403


def test_screening_a_referral_that_is_not_referred_is_refused_with_the_reason_shown(client, worker):
    referral = make_referral(perpetrator(), "accepted")
    response = client.post(
        f"/referrals/programme/{referral.ref}/screen",
        data={**ALL_YES, "screened_on": today().isoformat(), "version_id": referral.version_id},
    )
    assert response.status_code == 409
    assert "is accepted: it cannot move to screened. It can move only to started or withdrawn." in response.get_data(
        as_text=True
    )


def test_the_register_profile_timeline_shows_programme_and_forum_referrals_but_not_clares_law(
    app, client, make_user, login
):
    from tests.factories import make_clare_case, make_forum_referral

    person = perpetrator("TL1")
    referral = make_referral(person, "started", programme="bbr")
    forum = make_forum_referral("matac", perpetrator=person)
    case = make_clare_case(person, make_person("TL-NEW"), application_on=today())
    login(make_user("oscar", "officer"))
    page = client.get(f"/persons/{person.ref}").get_data(as_text=True)
    assert f"Programme referral {referral.ref} (Building Better Relationships (BBR)): started since" in page
    assert f"MATAC referral {forum.ref}, as the perpetrator: awaiting the meeting." in page
    assert case.ref not in page
