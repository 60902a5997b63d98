"""Duplicate persons (issue 15, item 14): candidates found, two records merged into one keeping every
event, order, task, referral and both references, the merge audited, undone, and the ranking kept true."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.extensions import db
from app.offenders.merge import services as merging
from app.offenders.merge.models import PersonMerge
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.ranking import services as ranking
from app.ranking.targets import services as targets
from app.referrals.forums.models import ForumReferral
from app.referrals.programmes.models import ProgrammeReferral
from app.tasking.models import Task
from tests.factories import (
    make_event,
    make_forum_referral,
    make_lever,
    make_order,
    make_person,
    make_referral,
    make_task,
)

ACTOR = Actor("ana")
TODAY = today()


def pairs():
    return {(c.a.ref, c.b.ref): c.reasons for c in merging.duplicate_candidates()}


def test_candidates_by_name_and_date_of_birth_with_variants_pnc_and_alias(app):
    born = date(1981, 4, 2)
    make_person("A1", surname="Okafor", forenames="Robert James", date_of_birth=born)
    make_person("A2", surname="OKAFOR", forenames="Bob", date_of_birth=born)
    make_person("B1", surname="O'Neil", forenames="Jon", date_of_birth=born)
    make_person("B2", surname="Oneil", forenames="John", date_of_birth=born)
    make_person("C1", surname="Pryce", forenames="Dai", pnc_id="19/1234A")
    make_person("C2", surname="Price", forenames="David", pnc_id="2019/0001234A")
    d1 = make_person("D1", surname="Vance", forenames="Terry", date_of_birth=date(1990, 1, 1))
    make_person("D2", surname="Blake", forenames="Terence", date_of_birth=date(1990, 1, 1))
    from app.offenders.models import PersonAlias

    db.session.add(PersonAlias(person_id=d1.id, surname="Blake", forenames="Terry"))
    db.session.commit()
    make_person("E1", surname="Hollis", forenames="Sam")
    make_person("E2", surname="Hollis", forenames="Samuel", date_of_birth=born)
    # Not duplicates: the same name but different dates of birth; different first names.
    make_person("F1", surname="Okafor", forenames="Robert", date_of_birth=date(1999, 1, 1))
    make_person("G1", surname="Okafor", forenames="Grace", date_of_birth=born)
    found = pairs()
    assert found[("A1", "A2")] == {"name_dob"}
    assert found[("B1", "B2")] == {"name_dob"}
    assert found[("C1", "C2")] == {"pnc"}
    assert found[("D1", "D2")] == {"alias"}
    assert found[("E1", "E2")] == {"name_no_dob"}
    assert not {key for key in found if "F1" in key or "G1" in key}


def test_a_pair_found_to_be_two_people_is_not_offered_again(client, make_user, login):
    make_person("A1", surname="Okafor", forenames="Bob", date_of_birth=date(1981, 4, 2))
    make_person("A2", surname="Okafor", forenames="Robert", date_of_birth=date(1981, 4, 2))
    login(make_user("ana", "analyst"))
    assert "/persons/merge?a=A1&amp;b=A2" in client.get("/persons/duplicates").get_data(as_text=True)
    assert client.post("/persons/duplicates/not-the-same", data={"a": "A1", "b": "A2"}).status_code == 302
    assert "/persons/merge?a=A1" not in client.get("/persons/duplicates").get_data(as_text=True)


@pytest.fixture
def twins(app, make_user):
    """One man recorded twice: OLD (with a PNC ID) and NEW, each with their own history."""
    officer = make_user("pc.ash", "officer")
    old = make_person("OLD", surname="Okafor", forenames="Bob", date_of_birth=date(1981, 4, 2), pnc_id="19/1234A")
    new = make_person("NEW", surname="Okafor", forenames="Robert", date_of_birth=date(1981, 4, 2))
    victim, other_victim, child = make_person("V1"), make_person("V2"), make_person("C1")
    facts = {
        "old_event": make_event(old, victim, TODAY - timedelta(days=40), "abh"),
        "old_victimised": make_event(child, old, TODAY - timedelta(days=400), "common_assault"),
        "new_event": make_event(new, other_victim, TODAY - timedelta(days=10), "common_assault"),
        "old_order": make_order(old, victim, starts_on=TODAY - timedelta(days=30)),
        "protecting_old": make_order(child, old, starts_on=TODAY - timedelta(days=30)),
        "old_task": make_task(old, owner=officer),
        "old_lever": make_lever(old, "firearms_certificate", TODAY - timedelta(days=50)),
        "old_referral": make_referral(old),
        "old_forum": make_forum_referral(at_risk=victim, perpetrator=old),
    }
    ranking.run_ranking(TODAY, "manual", actor=ACTOR)
    return old, new, facts


def owners(model, ids, column="person_id"):
    db.session.expire_all()
    return {getattr(db.session.get(model, i), column) for i in ids}


def test_a_merge_keeps_everything_and_the_old_reference_resolves(client, make_user, login, twins):
    _old, new, facts = twins
    login(make_user("ana", "analyst"))
    page = client.get("/persons/merge?a=OLD&b=NEW")
    assert page.status_code == 200 and "Robert" in page.get_data(as_text=True)
    response = client.post(
        "/persons/merge?a=OLD&b=NEW", data={"keep": "b", "reason": "Same man: custody record shows both names"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert owners(DAEvent, [facts["old_event"].id, facts["new_event"].id], "suspect_id") == {new.id}
    assert owners(DAEvent, [facts["old_victimised"].id], "victim_id") == {new.id}
    assert owners(Order, [facts["old_order"].id], "subject_id") == {new.id}
    assert new.id in {p.id for p in db.session.get(Order, facts["protecting_old"].id).protected_persons}
    assert owners(Task, [facts["old_task"].id]) == {new.id}
    assert owners(Lever, [facts["old_lever"].id]) == {new.id}
    assert owners(ProgrammeReferral, [facts["old_referral"].id]) == {new.id}
    assert owners(ForumReferral, [facts["old_forum"].id], "perpetrator_id") == {new.id}
    kept = db.session.get(Person, new.id)
    assert kept.pnc_id == "19/1234A"  # filled from the record merged away
    assert ("Bob", "Okafor") in {(a.forenames, a.surname) for a in kept.aliases}
    # The old reference still opens the person, and lookups by it find them.
    assert client.get("/persons/OLD").headers["Location"] == "/persons/NEW"
    assert merging.redirects() == {"OLD": new.id}
    listed = client.get("/persons/?q=okafor").get_data(as_text=True)
    assert 'href="/persons/NEW"' in listed and 'href="/persons/OLD"' not in listed
    # Audited under both references.
    merges = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "merge")).all()
    assert {e.object_ref for e in merges} == {"OLD", "NEW"}
    assert all(e.reason == "Same man: custody record shows both names" for e in merges)


def test_the_ranking_is_updated_at_once(twins):
    old, new, _facts = twins
    # Priorities read as numbers now: the rows are the current scores, which the merge updates.
    before = {e.person_ref: e.row.priority for e in targets.target_list(targets.TargetFilters(), actor=ACTOR).entries}
    assert {"OLD", "NEW"} <= set(before)
    merging.merge_persons(old, new, "Same man", actor=ACTOR)
    after = {e.person_ref: e.row.priority for e in targets.target_list(targets.TargetFilters(), actor=ACTOR).entries}
    assert "OLD" not in after
    assert after["NEW"] > before["NEW"]  # his events and levers now count together


def test_an_import_naming_the_old_reference_reaches_the_merged_person(twins, tmp_path):
    from app.imports.services import import_directory

    old, new, _ = twins
    merging.merge_persons(old, new, "Same man", actor=ACTOR)
    (tmp_path / "events.csv").write_text(
        "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome\n"
        f"E-NEW-1,{(TODAY - timedelta(days=2)).isoformat()},harassment,OLD,V1,partner,,,\n"
    )
    result = import_directory(str(tmp_path), actor=ACTOR)
    assert result.ok, [str(e) for e in result.errors]
    assert db.session.scalar(sa.select(DAEvent.suspect_id).where(DAEvent.ref == "E-NEW-1")) == new.id


def test_a_merge_is_undone_exactly(client, make_user, login, twins):
    old, new, facts = twins
    merge = merging.merge_persons(old, new, "Same man", actor=ACTOR)
    added_since = make_task(db.session.get(Person, new.id), title="Raised after the merge")
    login(make_user("ana", "analyst"))
    assert client.post(f"/persons/merges/{merge.id}/undo").status_code == 302
    assert owners(DAEvent, [facts["old_event"].id], "suspect_id") == {old.id}
    assert owners(DAEvent, [facts["new_event"].id], "suspect_id") == {new.id}
    assert owners(DAEvent, [facts["old_victimised"].id], "victim_id") == {old.id}
    assert owners(Task, [facts["old_task"].id]) == {old.id}
    assert owners(Task, [added_since.id]) == {new.id}
    assert owners(Order, [facts["old_order"].id], "subject_id") == {old.id}
    assert old.id in {p.id for p in db.session.get(Order, facts["protecting_old"].id).protected_persons}
    assert owners(ProgrammeReferral, [facts["old_referral"].id]) == {old.id}
    db.session.expire_all()
    assert db.session.get(Person, old.id).pnc_id == "19/1234A" and db.session.get(Person, new.id).pnc_id is None
    assert ("Bob", "Okafor") not in {(a.forenames, a.surname) for a in db.session.get(Person, new.id).aliases}
    assert client.get("/persons/OLD").status_code == 200
    rows = {e.person_ref for e in targets.target_list(targets.TargetFilters(), actor=ACTOR).entries}
    assert {"OLD", "NEW"} <= rows
    undo = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.summary.contains("undone"))).all()
    assert {e.object_ref for e in undo} == {"OLD", "NEW"}
    assert client.post(f"/persons/merges/{merge.id}/undo").status_code == 302  # twice: refused, nothing moves
    assert owners(DAEvent, [facts["old_event"].id], "suspect_id") == {old.id}


def test_merges_that_would_break_a_rule_are_refused_whole(app):
    a = make_person("A", pnc_id="2001/1A")
    b = make_person("B", pnc_id="2002/2B")
    with pytest.raises(ValidationFailed, match="different PNC IDs"):
        merging.merge_persons(a, b, "x", actor=ACTOR)
    c, d = make_person("C"), make_person("D")
    make_event(c, d, TODAY - timedelta(days=3))
    with pytest.raises(ValidationFailed, match="suspect and the other the victim"):
        merging.merge_persons(c, d, "x", actor=ACTOR)
    e, f = make_person("E"), make_person("F")
    for person in (e, f):
        make_event(person, make_person(), TODAY - timedelta(days=3))
        make_referral(person)
    with pytest.raises(ValidationFailed, match="open programme referral"):
        merging.merge_persons(e, f, "x", actor=ACTOR)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 0
    merging.merge_persons(c, make_person("G"), "x", actor=ACTOR)
    with pytest.raises(ValidationFailed, match="already been merged"):
        merging.merge_persons(c, make_person("H"), "x", actor=ACTOR)


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin", "referral"])
def test_only_analysts_merge(client, make_user, login, role):
    make_person("A1")
    make_person("A2")
    login(make_user(f"only-{role}", role))
    assert client.get("/persons/duplicates").status_code == 403
    assert client.post("/persons/merge?a=A1&b=A2", data={"keep": "a", "reason": "x"}).status_code == 403


def test_custody_and_cohort_membership_follow_a_merge_and_its_undo(app, make_user):
    from app.offenders.custody import services as custody
    from app.offenders.custody.models import CustodyPeriod
    from app.tasking.cohort import services as cohort
    from app.tasking.models import CohortMember

    old, new = make_person("C-OLD", surname="Varga"), make_person("C-NEW", surname="Varga")
    make_event(old, make_person(), TODAY - timedelta(days=400))
    period = custody.record_period(
        old, {"custody_from": TODAY - timedelta(days=300), "kind": "sentence", "custody_to": None}, actor=ACTOR
    )
    member = cohort.adopt("C-OLD", "Serial harm to three partners", user=make_user("sgt.cohort", "supervisor"))
    db.session.commit()
    merge = merging.merge_persons(old, new, "Same man", actor=ACTOR)
    assert owners(CustodyPeriod, [period.id]) == {new.id}
    assert owners(CohortMember, [member.id]) == {new.id}
    merging.undo_merge(db.session.get(PersonMerge, merge.id), actor=ACTOR)
    assert owners(CustodyPeriod, [period.id]) == {old.id}
    assert owners(CohortMember, [member.id]) == {old.id}


def test_a_merge_that_would_give_one_person_two_custody_periods_from_one_day_is_refused(app, make_user):
    from app.offenders.custody import services as custody
    from app.tasking.cohort import services as cohort

    a, b = make_person("K-A"), make_person("K-B")
    for person in (a, b):
        make_event(person, make_person(), TODAY - timedelta(days=400))
        custody.record_period(
            person, {"custody_from": TODAY - timedelta(days=100), "kind": "remand", "custody_to": None}, actor=ACTOR
        )
    db.session.commit()
    with pytest.raises(ValidationFailed, match="Both records hold a custody period from"):
        merging.merge_persons(a, b, "x", actor=ACTOR)
    db.session.rollback()
    c, d = make_person("K-C"), make_person("K-D")
    sergeant = make_user("sgt.two", "supervisor")
    for person in (c, d):
        make_event(person, make_person(), TODAY - timedelta(days=30))
        cohort.adopt(person.ref, "High harm", user=sergeant)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="members of the managed cohort"):
        merging.merge_persons(c, d, "x", actor=ACTOR)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 0
