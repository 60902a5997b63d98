"""The offender register through its pages: search, profile, person/event/lever forms, findings."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import today, utcnow
from app.extensions import db
from app.offenders.models import DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker
from app.orders.models import Breach
from app.ranking import services as ranking
from app.ranking.scoring import Score
from app.tasking.models import Task
from tests.factories import compute_network_findings, count, make_event, make_lever, make_order, make_person

# ---- helpers ------------------------------------------------------------------------------------


def make_run(scores: dict, *, as_of=None, partial=False, victims: dict | None = None):
    """A stored ranking run: {person: priority}; `victims` gives some persons' victims in the window.
    Stored through the ranking's own path, so it keeps the current scores as a real run would."""
    as_of = as_of or today()
    ranked = [
        Score(
            person_ref=person.ref,
            priority=priority,
            harm=priority - 15,
            opportunity=15,
            r=30,
            f=5,
            g=priority - 50,
            v=0,
            levers={"firearms_certificate": 15},
            flags=("high_risk",),
            harm_days=365,
            events_in_window=1,
            victims_in_window=(victims or {}).get(person, 1),
            latest_event_on=as_of - timedelta(days=3),
            person_id=person.id,
        )
        for person, priority in sorted(scores.items(), key=lambda kv: -kv[1])
    ]
    return ranking.record_run(
        ranked,
        as_of=as_of,
        model=ranking.current_model(),
        trigger="breach" if partial else "manual",
        actor=Actor("test-setup"),
        partial=partial,
    )


def audit_entries(action=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def found_refs(response) -> list[str]:
    html = response.get_data(as_text=True)
    if 'id="person-results"' not in html:
        return []
    body = html.split('id="person-results"', 1)[1].split("</table>", 1)[0]
    return [chunk.split('"', 1)[0] for chunk in body.split('href="/persons/')[1:]]


@pytest.fixture
def officer(make_user, login):
    user = make_user("olive", "officer")
    login(user)
    return user


@pytest.fixture
def supervisor(make_user, login):
    user = make_user("sid", "supervisor")
    login(user)
    return user


# ---- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["referral", "admin"])
def test_referral_staff_and_admins_have_no_register_page(app, client, make_user, login, role):
    make_person("P1")
    login(make_user(f"only-{role}", role))
    for path in ("/persons/", "/persons/P1", "/persons/new", "/persons/P1/edit", "/persons/P1/events/new"):
        assert client.get(path).status_code == 403, path
    assert client.post("/persons/new", data={"surname": "X", "forenames": "Y"}).status_code == 403
    assert count(Person) == 1


def test_right_to_know_is_for_supervisors_only(app, client, make_user, login):
    for role in ("officer", "analyst", "referral", "admin"):
        with app.test_client() as c:
            login(make_user(f"rtk-{role}", role), c)
            assert c.get("/persons/network/right-to-know").status_code == 403, role


# ---- search -----------------------------------------------------------------------------------


def test_search_by_name_alias_reference_and_pnc_in_any_case(client, officer):
    kit = make_person("FR-1001", surname="Ashdown", forenames="Kit", pnc_id="2019/1234567A")
    db.session.add(PersonAlias(person_id=kit.id, forenames="Jo", surname="Marlowe"))
    db.session.commit()
    make_person("FR-1002", surname="Brill", forenames="Lou")
    for text in ("ASHDOWN", "ashdown", "kit ash", "MARLOWE", "jo marl", "fr-1001", "2019/1234567a", "234567"):
        assert found_refs(client.get("/persons/", query_string={"q": text})) == ["FR-1001"], text
    assert found_refs(client.get("/persons/", query_string={"q": "kit brill"})) == []
    assert found_refs(client.get("/persons/", query_string={"q": "fr-100"})) == ["FR-1001", "FR-1002"]


def test_search_treats_like_wildcards_as_plain_characters(client, officer):
    make_person("W1", surname="Percent")
    make_person("W2", surname="Under_score")
    assert found_refs(client.get("/persons/", query_string={"q": "%"})) == []
    assert found_refs(client.get("/persons/", query_string={"q": "r_s"})) == ["W2"]


def test_search_folds_letters_beyond_ascii(client, officer):
    folds = db.session.scalar(sa.select(sa.func.lower("Ë"))) == "ë"
    if db.engine.dialect.name == "postgresql" and not folds:
        pytest.skip("this PostgreSQL database's locale (C) folds ASCII letters only")
    make_person("U1", surname="Ölander", forenames="Zoë")
    assert found_refs(client.get("/persons/", query_string={"q": "ÖLANDER"})) == ["U1"]
    assert found_refs(client.get("/persons/", query_string={"q": "zoË ölan"})) == ["U1"]


def test_filters_district_serial_active_order_and_levers(client, officer):
    d = today()
    serial = make_person("S1", surname="Serial", district="North")
    ordered = make_person("S2", surname="Ordered", district="South")
    levered = make_person("S3", surname="Levered", district="North")
    lapsed = make_person("S4", surname="Lapsed", district="North")
    breacher = make_person("S5", surname="Breacher")
    v1, v2 = make_person("V1", surname="Victimone"), make_person("V2", surname="Victimtwo")
    make_event(serial, v1, d - timedelta(days=40))
    make_event(serial, v2, d - timedelta(days=400))
    make_event(ordered, v1, d - timedelta(days=40))
    make_order(ordered, v1, starts_on=d - timedelta(days=30))
    make_order(lapsed, v1, starts_on=d - timedelta(days=300), ends_on=d - timedelta(days=1))
    make_lever(levered, "firearms_certificate", d - timedelta(days=20))
    make_lever(lapsed, "firearms_certificate", d - timedelta(days=200))
    make_lever(lapsed, "firearms_certificate", d - timedelta(days=100), active=False)
    make_event(breacher, v2, d - timedelta(days=10), offence="breach_criminal_order", outcome="nfa")

    def refs(**args):
        return found_refs(client.get("/persons/", query_string=args))

    assert refs(district="North") == ["S4", "S3", "S1"]  # by name: Lapsed, Levered, Serial
    assert refs(serial="y") == ["S1"]
    assert refs(active_order="y") == ["S2"]
    assert refs(active_levers="y") == ["S5", "S3"]  # an unactioned breach is a lever too
    assert refs(active_levers="y", district="North") == ["S3"]


def test_once_ranked_the_serial_filter_counts_victims_from_the_ranking(client, officer):
    d = today()
    adult1, adult2 = make_person("V1"), make_person("V2")
    child = make_person("V3", date_of_birth=d - timedelta(days=365 * 12))
    serial, with_child, since_ranked = make_person("S1"), make_person("S2"), make_person("S3")
    for suspect, victims in (
        (serial, (adult1, adult2)),
        (with_child, (adult1, child)),
        (since_ranked, (adult1, adult2)),
    ):
        for victim in victims:
            make_event(suspect, victim, d - timedelta(days=30))
    make_run({serial: 90, with_child: 80, since_ranked: 70}, victims={serial: 2, with_child: 2, since_ranked: 1})
    # S2's second victim is a child: checked against the events. S3's second event came after
    # the ranking, which still counts one victim: S3 shows up after the next ranking run.
    assert found_refs(client.get("/persons/", query_string={"serial": "y"})) == ["S1"]
    make_run({serial: 90, with_child: 80, since_ranked: 70}, victims={serial: 2, with_child: 2, since_ranked: 2})
    assert found_refs(client.get("/persons/", query_string={"serial": "y"})) == ["S1", "S3"]


def test_bad_search_input_is_refused_with_a_message(client, officer):
    make_person("B1", district="North")
    response = client.get("/persons/", query_string={"district": "Atlantis"})
    assert response.status_code == 400
    assert "Choose a district from the list." in response.get_data(as_text=True)
    response = client.get("/persons/", query_string={"q": "x" * 101})
    assert response.status_code == 400
    assert "Search for at most 100 characters." in response.get_data(as_text=True)
    response = client.get("/persons/", query_string={"page": "two"})
    assert response.status_code == 400
    assert "The page number must be a whole number from 1." in response.get_data(as_text=True)
    assert audit_entries("search") == []  # nothing was searched


def test_results_are_paginated(app, client, officer):
    app.config["PAGE_SIZE"] = 2
    try:
        for i in range(5):
            make_person(f"PG{i}", surname=f"Pager{i}")
        first = client.get("/persons/", query_string={"q": "pager"})
        assert found_refs(first) == ["PG0", "PG1"]
        assert "Showing 1–2 of 5 persons" in first.get_data(as_text=True)
        assert "page=3" in first.get_data(as_text=True)
        assert found_refs(client.get("/persons/", query_string={"q": "pager", "page": 3})) == ["PG4"]
        past_the_end = client.get("/persons/", query_string={"q": "pager", "page": 9})
        assert found_refs(past_the_end) == [] and "There is no page 9." in past_the_end.get_data(as_text=True)
        unfiltered = client.get("/persons/", query_string={"page": 2})
        assert "Showing 3–4 of 5 persons" in unfiltered.get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 50


def test_sorted_by_priority_once_scores_exist_then_by_name(client, officer):
    a, b, c, d = (make_person(f"R{i}", surname=s) for i, s in enumerate(["Avery", "Brook", "Cole", "Dale"]))
    assert found_refs(client.get("/persons/")) == ["R0", "R1", "R2", "R3"]
    make_run({c: 80, d: 95, a: 60}, as_of=today() - timedelta(days=1))
    response = client.get("/persons/")
    assert found_refs(response) == ["R3", "R2", "R0", "R1"]  # Brook is not ranked: last
    assert "highest priority first" in response.get_data(as_text=True)
    # A breach re-scores one person in a partial run: the list follows at once.
    make_run({a: 99}, partial=True)
    assert found_refs(client.get("/persons/")) == ["R0", "R3", "R2", "R1"]
    # A new full run replaces the ranking: persons missing from it are no longer ranked.
    make_run({b: 70})
    assert found_refs(client.get("/persons/")) == ["R1", "R0", "R2", "R3"]


def test_a_ranking_run_for_a_past_date_does_not_replace_todays(client, officer):
    a, b = make_person("T1", surname="Alpha"), make_person("T2", surname="Beta")
    make_run({a: 50, b: 90})
    make_run({a: 99}, as_of=today() - timedelta(days=400))  # stored later, but as of an older date
    assert found_refs(client.get("/persons/")) == ["T2", "T1"]


def test_each_search_is_audited(client, officer):
    make_person("A1", surname="Audited")
    client.get("/persons/", query_string={"q": "audit", "serial": "y"})
    (entry,) = audit_entries("search")
    assert entry.username == "olive"
    assert entry.data["criteria"]["text"] == "audit" and entry.data["criteria"]["serial"] is True


# ---- profile ----------------------------------------------------------------------------------


def test_profile_tells_the_whole_story_newest_first(client, officer, make_user):
    d = today()
    kit = make_person("K1", surname="Ashdown", forenames="Kit", date_of_birth=date(1990, 1, 1))
    lou = make_person("K2", surname="Brill", forenames="Lou")
    sam = make_person("K3", surname="Corran", forenames="Sam")
    db.session.add_all(
        [
            PersonAlias(person_id=kit.id, forenames="Kit", surname="Marlowe"),
            WarningMarker(person_id=kit.id, marker="weapons", noted_on=d),
        ]
    )
    make_event(kit, lou, d - timedelta(days=300), offence="abh", dash_risk="high")
    make_event(sam, kit, d - timedelta(days=200))
    order = make_order(kit, lou, starts_on=d - timedelta(days=250))
    breach_event = make_event(kit, lou, d - timedelta(days=20), offence="breach_criminal_order", source="breach")
    db.session.add(
        Breach(
            ref="BR1",
            order_id=order.id,
            event_id=breach_event.id,
            occurred_at=utcnow() - timedelta(days=20),
            narrative="Came to the door",
            version_id=1,
        )
    )
    make_lever(kit, "firearms_certificate", d - timedelta(days=100), detail="Shotgun certificate held")
    db.session.add(
        Task(
            task_type="arrest",
            title="Arrest for breach",
            person_id=kit.id,
            due_at=utcnow() + timedelta(days=2),
            version_id=1,
        )
    )
    db.session.commit()
    html = client.get("/persons/K1").get_data(as_text=True)
    assert "Kit ASHDOWN" in html and "Kit MARLOWE" in html and "Weapons" in html
    assert f"age {kit.age_on(d)}" in html
    timeline = html.split('id="timeline"', 1)[1]
    items = timeline.split('<li class="timeline-item timeline-item--')[1:]
    assert [item.split('"', 1)[0] for item in items] == ["task", "breach", "lever", "event", "order", "event"]
    assert "Arrest for breach" in items[0] and "Came to the door" in items[1]
    assert "Holds a firearms or shotgun certificate" in items[2] and "Shotgun certificate held" in items[2]
    assert "Common assault" in items[3] and "harmed this person" in items[3]
    assert order.ref in items[4] and "against this person, protecting" in items[4] and "In force" in items[4]
    assert "Assault occasioning actual bodily harm" in items[5] and "DASH high" in items[5]
    assert timeline.count("DA event</span>") == 2  # the breach's own event is shown once, as the breach
    assert "Not ranked" in html


def test_profile_timeline_shows_programme_and_forum_referrals(client, officer):
    from tests.factories import make_forum_referral, make_referral

    kit, lou = make_person("K1", surname="Ashdown"), make_person("K2")
    make_event(kit, lou, today() - timedelta(days=40))
    referral = make_referral(kit, "referred", on=today() - timedelta(days=5))
    forum = make_forum_referral("marac", at_risk=lou, perpetrator=kit, referred_on=today() - timedelta(days=2))
    timeline = client.get("/persons/K1").get_data(as_text=True).split('id="timeline"', 1)[1]
    items = timeline.split('<li class="timeline-item timeline-item--')[1:]
    assert [item.split('"', 1)[0] for item in items] == ["referral", "referral", "event"]
    assert forum.ref in items[0] and "as the perpetrator" in items[0]
    assert referral.ref in items[1] and "Programme referral" in items[1]


def test_profile_shows_the_current_score_with_its_breakdown(client, officer):
    kit = make_person("K1", surname="Ashdown")
    make_run({kit: 120})
    html = client.get("/persons/K1").get_data(as_text=True)
    score = html.split('id="score"', 1)[1].split("</section>", 1)[0]
    assert '<span class="fs-4 fw-bold" id="priority">120</span>' in score
    assert "105 harm + 15 opportunity" in score
    assert "Holds a firearms or shotgun certificate (15)" in score
    assert "High risk" in score


def test_each_profile_view_is_audited(client, officer):
    make_person("K1")
    client.get("/persons/K1?reason=tasking+meeting")
    (entry,) = audit_entries("view")
    assert (entry.object_type, entry.object_ref, entry.reason, entry.username) == (
        "person",
        "K1",
        "tasking meeting",
        "olive",
    )


def test_profile_of_an_unknown_person_is_404(client, officer):
    assert client.get("/persons/NOPE").status_code == 404
    assert audit_entries("view") == []


def test_profile_draws_the_network_with_links_to_each_person(client, officer):
    kit, lou, sam = (make_person(f"K{i}", surname=s) for i, s in enumerate(["Ashdown", "Brill", "Corran"], 1))
    far = make_person("K4", surname="Farfield")
    make_event(kit, lou, today() - timedelta(days=10))
    make_event(sam, lou, today() - timedelta(days=5))
    make_event(far, sam, today() - timedelta(days=5))  # three steps from Kit: not drawn
    html = client.get("/persons/K1").get_data(as_text=True)
    svg = html.split('<svg class="net-picture"', 1)[1].split("</svg>", 1)[0]
    assert 'href="/persons/K2"' in svg and 'href="/persons/K3"' in svg
    assert 'href="/persons/K1"' not in svg  # this person is the centre, not a link
    assert "Farfield" not in svg
    assert "style=" not in svg  # no inline styles (CSP)
    assert "<title>" in svg and 'marker-end="url(#net-arrow)"' in svg
    assert "2 linked persons within two steps." in html
    table = html.split('id="network-table"', 1)[1].split("</table>", 1)[0]
    assert "Alex BRILL" in table and "Alex CORRAN" in table


def test_a_network_beyond_the_cap_is_summarised(client, officer):
    hub = make_person("H0", surname="Hub")
    for i in range(55):
        make_event(hub, make_person(f"H{i + 1}"), today() - timedelta(days=1 + i))
    html = client.get("/persons/H0").get_data(as_text=True)
    svg = html.split('<svg class="net-picture"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="net-link"') == 49
    # Six more victims directly; persons beyond them were never looked at, hence "at least".
    assert "49 linked persons within two steps, and at least 6 more not drawn." in html


def test_victims_names_are_hidden_from_viewers_without_register_access(app):
    from app.network import services

    kit, lou, sam = make_person("K1", surname="Ashdown"), make_person("K2", surname="Secretvictim"), make_person("K3")
    make_event(kit, lou, today() - timedelta(days=3))
    make_event(sam, kit, today() - timedelta(days=3))
    masked = services.network_picture(kit, {"referral"})
    assert all("SECRETVICTIM" not in n.name + n.title for n in masked.nodes)
    assert {n.ref for n in masked.nodes if not n.centre} == {None, "K3"}
    open_view = services.network_picture(kit, {"officer"})
    assert any(n.name == "Alex SECRETVICTIM" for n in open_view.nodes)


def test_profile_shows_serial_and_repeat_victim_findings(client, officer):
    kit, lou, sam, vic = (make_person(f"K{i}") for i in range(1, 5))
    make_event(kit, lou, today() - timedelta(days=30))
    make_event(kit, sam, today() - timedelta(days=60))
    make_event(vic, lou, today() - timedelta(days=90))
    html = client.get("/persons/K1").get_data(as_text=True)
    assert "Serial perpetrator</span> 2 victims aged 16 or over" in html
    html = client.get("/persons/K2").get_data(as_text=True)
    assert "Repeat victim</span> Harmed by 2 different suspects in 36 months" in html


# ---- persons ----------------------------------------------------------------------------------

PERSON = {
    "surname": "Newman",
    "forenames": "Jo",
    "date_of_birth": "1988-02-29",
    "gender": "female",
    "pnc_id": "2019/1234567a",
    "district": "North",
    "aliases": "Jo Oldname\nSmith, Jolene",
    "markers": ["weapons", "drugs"],
    "categories": ["convicted"],
}


def test_add_a_person(client, officer):
    response = client.post("/persons/new", data=PERSON)
    assert response.status_code == 302
    person = db.session.scalar(sa.select(Person).where(Person.surname == "Newman"))
    assert response.headers["Location"] == f"/persons/{person.ref}"
    assert person.ref == f"ACH-P-{person.id:06d}" and person.pnc_id == "2019/1234567A" and person.version_id == 1
    assert [(a.forenames, a.surname) for a in person.aliases] == [("Jo", "Oldname"), ("Jolene", "Smith")]
    assert sorted(m.marker for m in person.markers) == ["drugs", "weapons"]
    assert person.category_codes == {"convicted"}
    (entry,) = [e for e in audit_entries("create") if e.object_type == "person"]
    assert entry.object_ref == person.ref and entry.data["surname"] == {"before": None, "after": "Newman"}
    assert entry.data["aliases"]["after"] == ["Jo OLDNAME", "Jolene SMITH"]
    again = client.post("/persons/new", data=PERSON | {"pnc_id": ""})
    assert again.headers["Location"] == f"/persons/ACH-P-{person.id + 1:06d}"


def test_add_a_person_with_the_forces_reference(client, officer):
    assert client.post("/persons/new", data=PERSON | {"ref": "FR/77"}).status_code == 302
    assert db.session.scalar(sa.select(Person.ref)) == "FR/77"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"surname": ""}, "surname", "Enter a surname."),
        ({"forenames": "  "}, "forenames", "Enter the forenames."),
        ({"surname": "x" * 101}, "surname", "Field cannot be longer than 100 characters."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "The date of birth cannot be in the future."),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "The date of birth must be after 1900."),
        (
            {"date_of_birth": "31/12/1990"},
            "date_of_birth",
            "Not a valid date value. Enter the date as year-month-day, for example 2024-03-27.",
        ),
        (
            {"date_of_birth": "1990-02-30"},
            "date_of_birth",
            "Not a valid date value. Enter the date as year-month-day, for example 2024-03-27.",
        ),
        ({"gender": "robot"}, "gender", "Choose a gender from the list."),
        ({"pnc_id": "12345"}, "pnc_id", "Enter a PNC ID such as 2019/1234567A."),
        ({"markers": ["weapons", "ninja"]}, "markers", "Choose warning markers from the list."),
        ({"categories": ["suspect"]}, "categories", "Choose Witness or Convicted person."),
        ({"ref": "bad ref!"}, "ref", "Use letters, digits and / _ . - only, at most 64 characters."),
        ({"ref": "new"}, "ref", "This reference is kept for Achilles&#39;s own pages; choose another."),
        ({"ref": "TAKEN"}, "ref", "Person TAKEN already exists."),
        ({"ref": "ACH-P-000009"}, "ref", "References starting ACH- are given by Achilles"),
        ({"pnc_id": "2019/7654321B"}, "pnc_id", "PNC ID 2019/7654321B is already held for person TAKEN."),
        ({"aliases": "Jo " + "x" * 120}, "aliases", "Write each alias on its own line"),
    ],
)
def test_person_form_refuses_bad_input_with_a_clear_message(client, officer, change, field, message):
    make_person("TAKEN", pnc_id="2019/7654321B")
    response = client.post("/persons/new", data=PERSON | change)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'href="#{field}"' in html or field == "markers" or field == "categories"
    assert count(Person) == 1 and [e for e in audit_entries("create") if e.object_type == "person"] == []


def test_edit_a_person_records_before_and_after(client, officer):
    person = make_person("E1", surname="Before", forenames="Kit")
    db.session.add(WarningMarker(person_id=person.id, marker="drugs", noted_on=date(2020, 1, 1)))
    db.session.commit()
    form = client.get("/persons/E1/edit").get_data(as_text=True)
    assert 'name="version_id" type="hidden" value="1"' in form
    data = PERSON | {"surname": "After", "version_id": "1", "pnc_id": "", "aliases": "Kit Other"}
    response = client.post("/persons/E1/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.surname == "After" and person.version_id == 2
    drugs = next(m for m in person.markers if m.marker == "drugs")
    assert drugs.noted_on == date(2020, 1, 1)  # a kept marker keeps its date
    (entry,) = audit_entries("update")
    assert entry.data["surname"] == {"before": "Before", "after": "After"}
    assert entry.data["aliases"] == {"before": [], "after": ["Kit OTHER"]}
    assert entry.data["markers"] == {"before": ["drugs"], "after": ["drugs", "weapons"]}


def test_changing_only_an_alias_still_moves_the_version(client, officer):
    make_person("E1", surname="Same", forenames="Kit")
    data = {"surname": "Same", "forenames": "Kit", "aliases": "Kit Alias", "version_id": "1"}
    assert client.post("/persons/E1/edit", data=data).status_code == 302
    assert db.session.scalar(sa.select(Person.version_id).where(Person.ref == "E1")) == 2
    # A second edit made against version 1 is now a conflict, though it only touches aliases.
    response = client.post("/persons/E1/edit", data=data | {"aliases": "Kit Third"})
    assert response.status_code == 409


def test_edit_conflict_keeps_the_users_input(client, officer):
    person = make_person("E1", surname="Original")
    person.surname = "Someone else's"
    db.session.commit()  # version 2 now
    response = client.post("/persons/E1/edit", data={"surname": "Mine", "forenames": "Alex", "version_id": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this person" in html
    assert 'value="Mine"' in html and "Someone else&#39;s" in html
    assert 'name="version_id" type="hidden" value="2"' in html
    assert db.session.scalar(sa.select(Person.surname).where(Person.ref == "E1")) == "Someone else's"
    assert audit_entries("update") == []


def test_edit_with_no_change_writes_nothing(client, officer):
    make_person("E1", surname="Same", forenames="Kit")
    response = client.post("/persons/E1/edit", data={"surname": "Same", "forenames": "Kit", "version_id": "1"})
    assert response.status_code == 302
    assert audit_entries("update") == []
    assert db.session.scalar(sa.select(Person.version_id).where(Person.ref == "E1")) == 1


def test_manual_categories_leave_suspect_and_victim_alone(client, officer):
    kit, lou = make_person("E1", surname="Kit"), make_person("E2")
    make_event(kit, lou, today() - timedelta(days=3))
    data = {"surname": "Kit", "forenames": "Alex", "version_id": "1", "categories": ["witness"]}
    assert client.post("/persons/E1/edit", data=data).status_code == 302
    codes = set(db.session.scalars(sa.select(PersonCategory.category).where(PersonCategory.person_id == kit.id)))
    assert codes == {"suspect", "witness"}


# ---- DA events --------------------------------------------------------------------------------


def event_data(**change):
    return {
        "occurred_on": (today() - timedelta(days=2)).isoformat(),
        "offence": "abh",
        "suspect_ref": "K1",
        "victim_ref": "K2",
        "relationship_type": "partner",
        "dash_risk": "high",
        "outcome": "arrest",
        "district": "North",
        "narrative": "Pushed down the stairs",
    } | change


def test_record_a_da_event(client, officer):
    make_person("K1")
    make_person("K2")
    form = client.get("/persons/K1/events/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="suspect_ref"[^>]*value="K1"', form)
    assert "breach_criminal_order" not in form  # breaches are logged against their order
    response = client.post("/persons/K1/events/new", data=event_data())
    assert response.status_code == 302
    event = db.session.scalar(sa.select(DAEvent))
    assert (event.ref, event.source, event.offence, event.dash_risk, event.version_id) == (
        f"ACH-E-{event.id:06d}",
        "manual",
        "abh",
        "high",
        1,
    )
    categories = set(db.session.execute(sa.select(PersonCategory.person_id, PersonCategory.category)))
    assert categories == {(event.suspect_id, "suspect"), (event.victim_id, "victim")}
    (entry,) = [e for e in audit_entries("create") if e.object_type == "da_event"]
    assert entry.object_type == "da_event" and entry.data["victim_ref"] == {"before": None, "after": "K2"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occurred_on": ""}, "occurred_on", "Enter the date of the event."),
        (
            {"occurred_on": "yesterday"},
            "occurred_on",
            "Not a valid date value. Enter the date as year-month-day, for example 2024-03-27.",
        ),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "The date of the event cannot be in the future."),
        ({"offence": "jaywalking"}, "offence", "Choose an offence from the list."),
        ({"offence": "breach_civil_order"}, "offence", "Choose an offence from the list."),
        ({"offence": ""}, "offence", "Choose the offence."),
        ({"victim_ref": "K1"}, "victim_ref", "The suspect and the victim must be different persons."),
        ({"victim_ref": "NOBODY"}, "victim_ref", "No person has the reference NOBODY."),
        ({"suspect_ref": ""}, "suspect_ref", "Enter the suspect&#39;s person reference."),
        ({"relationship_type": "neighbour"}, "relationship_type", "Choose a relationship from the list."),
        ({"relationship_type": ""}, "relationship_type", "Choose the relationship between suspect and victim."),
        ({"dash_risk": "extreme"}, "dash_risk", "Choose a DASH risk grade from the list."),
        ({"outcome": "shrug"}, "outcome", "Choose an outcome from the list."),
        ({"narrative": "x" * 5001}, "narrative", "Use at most 5,000 characters."),
        ({"ref": "no spaces please"}, "ref", "Use letters, digits and / _ . - only"),
    ],
)
def test_event_form_refuses_bad_input_with_a_clear_message(client, officer, change, field, message):
    make_person("K1")
    make_person("K2")
    response = client.post("/persons/K1/events/new", data=event_data(**change))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'href="#{field}"' in html
    assert count(DAEvent) == 0 and count(PersonCategory) == 0


def test_the_service_refuses_a_breach_offence_too(app, make_user):
    from app.audit.services import Actor
    from app.base import ValidationFailed
    from app.offenders.events import services

    make_person("K1")
    make_person("K2")
    values = event_data(offence="breach_civil_order", occurred_on=today() - timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        services.create_event(values, actor=Actor("test"))
    assert exc.value.errors == {"offence": "Record a breach through Log a breach, against its order."}


def test_edit_a_da_event_with_optimistic_locking(client, officer):
    kit, lou, sam = make_person("K1"), make_person("K2"), make_person("K3")
    event = make_event(kit, lou, today() - timedelta(days=5), source="manual", ref="EV1")
    form = client.get("/persons/K1/events/EV1/edit").get_data(as_text=True)
    assert 'value="K2"' in form and 'name="version_id" type="hidden" value="1"' in form
    response = client.post("/persons/K1/events/EV1/edit", data=event_data(victim_ref="K3", version_id="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(DAEvent, event.id).victim_id == sam.id
    (entry,) = audit_entries("update")
    assert entry.data["victim_ref"] == {"before": "K2", "after": "K3"}
    stale = client.post("/persons/K1/events/EV1/edit", data=event_data(outcome="nfa", version_id="1"))
    assert stale.status_code == 409
    assert "Someone else changed this event" in stale.get_data(as_text=True)
    assert '<option selected value="nfa">' in stale.get_data(as_text=True)
    assert db.session.get(DAEvent, event.id).outcome == "arrest"


def test_imported_and_breach_events_are_not_edited_here(client, officer):
    kit, lou = make_person("K1"), make_person("K2")
    make_event(kit, lou, today() - timedelta(days=5), source="import", ref="IMP1")
    response = client.get("/persons/K1/events/IMP1/edit")
    assert response.status_code == 409
    assert "Correct it there" in response.get_data(as_text=True)
    assert client.post("/persons/K1/events/IMP1/edit", data=event_data(version_id="1")).status_code == 409
    assert db.session.scalar(sa.select(DAEvent.offence)) == "common_assault"


def test_an_event_of_another_person_is_not_found_under_this_one(client, officer):
    make_person("K1")
    lou, sam = make_person("K2"), make_person("K3")
    make_event(lou, sam, today() - timedelta(days=5), source="manual", ref="EV9")
    assert client.get("/persons/K1/events/EV9/edit").status_code == 404


# ---- levers -----------------------------------------------------------------------------------


def test_add_a_lever(client, officer):
    make_person("K1")
    day = (today() - timedelta(days=3)).isoformat()
    response = client.post(
        "/persons/K1/levers/new", data={"lever": "outstanding_warrant", "noted_on": day, "detail": "Warrant 123"}
    )
    assert response.status_code == 302
    lever = db.session.scalar(sa.select(Lever))
    assert (lever.lever, lever.active, lever.detail) == ("outstanding_warrant", True, "Warrant 123")
    (entry,) = [e for e in audit_entries("create") if e.object_type == "lever"]
    assert entry.object_type == "lever" and entry.data["active"] == {"before": None, "after": True}
    html = client.get("/persons/K1").get_data(as_text=True)
    assert "Mark as ended" in html and "Warrant 123" in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lever": ""}, "lever", "Choose a lever."),
        ({"lever": "magic"}, "lever", "Choose a lever from the list."),
        ({"lever": "breach_unactioned"}, "lever", "Choose a lever from the list."),
        ({"noted_on": ""}, "noted_on", "Enter the date the lever was noted."),
        ({"noted_on": "2999-01-01"}, "noted_on", "The date noted cannot be in the future."),
        ({"detail": "x" * 2001}, "detail", "Use at most 2,000 characters."),
        ({"noted_on": "2024-01-10"}, "noted_on", "already has a record dated 10 Jan 2024"),
    ],
)
def test_lever_form_refuses_bad_input(client, officer, change, field, message):
    person = make_person("K1")
    make_lever(person, "firearms_certificate", date(2024, 1, 10))
    data = {"lever": "firearms_certificate", "noted_on": "2024-02-01", "detail": ""} | change
    response = client.post("/persons/K1/levers/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'href="#{field}"' in html
    assert count(Lever) == 1


def test_the_derived_lever_is_refused_by_the_service(app):
    from app.audit.services import Actor
    from app.base import ValidationFailed
    from app.offenders.levers import services

    person = make_person("K1")
    with pytest.raises(ValidationFailed) as exc:
        services.add_lever(person, "breach_unactioned", today(), None, actor=Actor("test"))
    assert "worked out from breach events" in exc.value.errors["lever"]


def test_end_a_lever_with_a_note(client, officer):
    person = make_person("K1")
    first = make_lever(person, "firearms_certificate", today() - timedelta(days=30))
    page = client.get("/persons/K1/levers/firearms_certificate/end").get_data(as_text=True)
    assert f'name="record_id" type="hidden" value="{first.id}"' in page
    data = {
        "ended_on": (today() - timedelta(days=2)).isoformat(),
        "note": "Certificate revoked",
        "record_id": first.id,
        "version_id": 1,
    }
    response = client.post("/persons/K1/levers/firearms_certificate/end", data=data)
    assert response.status_code == 302
    records = list(db.session.scalars(sa.select(Lever).order_by(Lever.noted_on)))
    assert [(r.active, r.detail) for r in records] == [(True, None), (False, "Certificate revoked")]
    assert records[1].noted_on == today() - timedelta(days=2)
    (entry,) = audit_entries("update")
    assert entry.data["active"] == {"before": True, "after": False}
    html = client.get("/persons/K1").get_data(as_text=True)
    assert "No lever is active." in html and "no longer active: Certificate revoked" in html
    # Ending it again: it is not active any more.
    assert client.get("/persons/K1/levers/firearms_certificate/end").status_code == 404
    again = client.post("/persons/K1/levers/firearms_certificate/end", data=data | {"ended_on": today().isoformat()})
    assert again.status_code == 400 and "This lever is not active for this person." in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"note": ""}, "note", "Say why the lever no longer applies."),
        ({"note": "x" * 2001}, "note", "Use at most 2,000 characters."),
        ({"ended_on": ""}, "ended_on", "Enter the date the lever stopped applying."),
        ({"ended_on": "2999-01-01"}, "ended_on", "The date cannot be in the future."),
        ({"ended_on": "2024-01-10"}, "ended_on", "the date it ended must be after that"),
        ({"ended_on": "2023-05-01"}, "ended_on", "the date it ended must be after that"),
    ],
)
def test_ending_a_lever_refuses_bad_input(client, officer, change, field, message):
    person = make_person("K1")
    record = make_lever(person, "firearms_certificate", date(2024, 1, 10))
    data = {"ended_on": "2024-03-01", "note": "Revoked", "record_id": record.id, "version_id": 1} | change
    response = client.post("/persons/K1/levers/firearms_certificate/end", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Lever) == 1


def test_ending_a_lever_someone_else_changed_is_a_conflict(client, officer):
    person = make_person("K1")
    old = make_lever(person, "firearms_certificate", today() - timedelta(days=30))
    make_lever(person, "firearms_certificate", today() - timedelta(days=5), detail="Renewed")  # by someone else
    data = {"ended_on": today().isoformat(), "note": "Revoked", "record_id": old.id, "version_id": 1}
    response = client.post("/persons/K1/levers/firearms_certificate/end", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this lever" in html and "(Renewed)" in html and "Revoked" in html
    assert count(Lever) == 2


def test_unknown_or_derived_levers_cannot_be_ended(client, officer):
    make_person("K1")
    assert client.get("/persons/K1/levers/magic/end").status_code == 404
    assert client.get("/persons/K1/levers/breach_unactioned/end").status_code == 404
    assert client.get("/persons/K1/levers/firearms_certificate/end").status_code == 404


def test_an_unactioned_breach_shows_as_a_derived_lever(client, officer):
    kit, lou = make_person("K1"), make_person("K2")
    make_event(kit, lou, today() - timedelta(days=10), offence="breach_civil_order", outcome="nfa")
    make_event(kit, lou, today() - timedelta(days=100), offence="breach_civil_order")
    html = client.get("/persons/K1").get_data(as_text=True)
    levers = html.split('id="levers"', 1)[1].split("</section>", 1)[0]
    assert "1 breach in the last 90 days without arrest or charge" in levers
    assert "worked out from breach events" in levers and "Mark as ended" not in levers


# ---- whole-register findings ------------------------------------------------------------------


def test_right_to_know_lists_the_new_partner_of_a_known_perpetrator(client, supervisor):
    kit, old, new = make_person("K1", surname="Ashdown"), make_person("K2", surname="Earlier"), make_person("K3")
    loyal, partner = make_person("K4"), make_person("K5")
    make_event(kit, old, today() - timedelta(days=500), offence="abh")
    make_event(kit, new, today() - timedelta(days=30))
    make_event(loyal, partner, today() - timedelta(days=300))
    make_event(loyal, partner, today() - timedelta(days=3))
    db.session.add(Task(task_type="right_to_know", title="Disclose", person_id=kit.id, due_at=utcnow(), version_id=1))
    db.session.commit()
    compute_network_findings()
    response = client.get("/persons/network/right-to-know")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html.split('id="candidates"', 1)[1]
    assert 'href="/persons/K1"' in table and 'href="/persons/K3"' in table and "Alex EARLIER" in table
    assert 'href="/persons/K4"' not in table
    assert "1 earlier event, 365 harm days" in table and "Open" in table
    assert client.get("/persons/network/right-to-know?within=3").get_data(as_text=True).count("1 candidate") == 1
    old_news = client.get("/persons/network/right-to-know?within=3")
    assert "Alex ASHDOWN" in old_news.get_data(as_text=True)
    entry = next(e for e in audit_entries("view") if e.object_type == "right_to_know_candidates")
    assert entry.username == "sid" and entry.data["since"] == (today() - timedelta(days=365)).isoformat()


def test_right_to_know_refuses_an_unknown_window(client, supervisor):
    response = client.get("/persons/network/right-to-know?within=forever")
    assert response.status_code == 400
    assert "Choose how recent the partnership must be from the list." in response.get_data(as_text=True)


def test_linked_networks_page_counts_networks_and_sizes(client, make_user, login):
    login(make_user("ana", "analyst"))
    a, b, c, d, e = (make_person(f"L{i}", surname=f"Linked{i}") for i in range(5))
    make_event(a, b, today() - timedelta(days=5))
    make_event(c, b, today() - timedelta(days=5))
    db.session.add(PersonLink(person_a_id=d.id, person_b_id=e.id, relationship_type="family"))
    db.session.commit()
    compute_network_findings()
    html = client.get("/persons/network/linked").get_data(as_text=True)
    counts = html.split('id="network-counts"', 1)[1].split("</dl>", 1)[0]
    assert '<dd class="col-sm-8">5</dd>' in counts and '<dd class="col-sm-8">2</dd>' in counts
    largest = html.split('id="largest-networks"', 1)[1]
    assert largest.index(">3<") < largest.index(">2<")
    assert [e.object_type for e in audit_entries("view")] == ["network"]
