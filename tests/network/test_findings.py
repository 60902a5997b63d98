"""The stored network findings: the full computation, the incremental update after an event, a
relationship or a merge, the failure path of the job, and the pages that read them."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import today
from app.extensions import db
from app.network import findings, store
from app.network import graph as network
from app.network.models import (
    FindingsRun,
    LinkedNetwork,
    NetworkChange,
    NetworkMember,
    RepeatVictimFinding,
    RightToKnowFinding,
    SerialFinding,
)
from app.offenders.events.services import create_event, update_event
from app.offenders.merge.services import merge_persons, undo_merge
from app.offenders.models import DAEvent, Person, PersonLink
from app.offenders.relationships.services import RelationshipInput, record_relationship, update_relationship
from app.scheduler import jobs
from app.scheduler import services as scheduler
from app.scheduler.models import JobRun
from tests.factories import compute_network_findings, make_event, make_person

T = today()


def ago(days: int) -> date:
    return T - timedelta(days=days)


def relate(a: Person, b: Person, kind: str, since: date | None = None) -> PersonLink:
    """Record a relationship through the offenders' service (which commits)."""
    values = RelationshipInput(other_ref=b.ref, relationship_type=kind, since=since, source="records")
    return record_relationship(a, values, actor=Actor("test"))


def networks() -> dict[frozenset[str], tuple]:
    """{members' refs: (size, suspects, victims, events, harm days)} as stored."""
    refs = dict(db.session.execute(sa.select(Person.id, Person.ref)).all())
    members: dict[int, set[str]] = {}
    for person_id, key in db.session.execute(sa.select(NetworkMember.person_id, NetworkMember.network_id)):
        members.setdefault(key, set()).add(refs[person_id])
    return {
        frozenset(members[n.id]): (n.size, n.suspects, n.victims, n.events, n.harm_days)
        for n in db.session.scalars(sa.select(LinkedNetwork))
    }


def stored_ids(model, column="person_id") -> set[str]:
    refs = dict(db.session.execute(sa.select(Person.id, Person.ref)).all())
    return {refs[i] for i in db.session.scalars(sa.select(getattr(model, column)))}


@pytest.fixture
def register(app):
    """Two networks. A harmed B (abh, 400 days ago) then C (a new partner, 20 days ago): a serial
    perpetrator and a Right-to-Know candidate. D harmed E three times in 12 months: E is a repeat
    victim. F and G are family, linked by a relationship only."""
    people = {k: make_person(k, surname=f"Person{k}") for k in "ABCDEFGHX"}
    make_event(people["A"], people["B"], ago(400), "abh")
    make_event(people["A"], people["C"], ago(20))
    for days in (10, 100, 200):
        make_event(people["D"], people["E"], ago(days))
    db.session.add(PersonLink(person_a_id=people["F"].id, person_b_id=people["G"].id, relationship_type="family"))
    db.session.commit()
    return people


def test_the_full_computation_stores_what_the_rules_find(register):
    run = compute_network_findings()
    assert (run.status, run.persons, run.networks, run.serial, run.repeat_victims, run.candidates) == (
        "done",
        7,
        3,
        1,
        1,
        1,
    )
    assert networks() == {
        frozenset("ABC"): (3, 1, 2, 2, 375),
        frozenset("DE"): (2, 1, 1, 3, 30),
        frozenset("FG"): (2, 0, 0, 0, 0),
    }
    roles = dict(db.session.execute(sa.select(NetworkMember.person_id, NetworkMember.role)).all())
    assert roles[register["A"].id] == "suspect" and roles[register["B"].id] == "victim"
    assert roles[register["F"].id] == "linked" and register["X"].id not in roles
    assert stored_ids(SerialFinding) == {"A"} and stored_ids(RepeatVictimFinding) == {"E"}
    (candidate,) = db.session.scalars(sa.select(RightToKnowFinding))
    assert (candidate.suspect_id, candidate.new_partner_id) == (register["A"].id, register["C"].id)
    assert candidate.earlier_victim_ids == [register["B"].id] and candidate.earlier_harm_days == 365
    assert candidate.latest_on == ago(20) and "1 earlier victim" in candidate.why


def test_the_stored_findings_match_the_rules_on_the_whole_register(app):
    """A larger crafted register: the stored rows are what app.network.graph finds on every event."""
    people = [make_person(f"W{i:02d}") for i in range(30)]
    pattern = [(0, 1, 700), (0, 2, 300), (0, 3, 10), (3, 4, 50), (5, 6, 5), (5, 6, 40), (5, 6, 90), (7, 8, 1200)]
    pattern += [(9, 10, 30), (11, 10, 60), (12, 13, 500), (12, 14, 20), (14, 15, 3), (16, 17, 2)]
    for s, v, days in pattern:
        make_event(people[s], people[v], ago(days), "common_assault", relationship_type="partner")
    compute_network_findings()
    harm = {"common_assault": 10}
    records = [
        network.EventRecord(e.id, e.suspect_id, e.victim_id, e.occurred_on, harm[e.offence], e.relationship_type)
        for e in db.session.scalars(sa.select(DAEvent))
    ]
    graph = network.build_graph(network.pairs_from_events(records))
    assert sorted(n.size for n in db.session.scalars(sa.select(LinkedNetwork))) == sorted(
        len(c) for c in network.linked_networks(graph)
    )
    assert set(db.session.scalars(sa.select(SerialFinding.person_id))) == set(network.serial_perpetrators(records, T))
    assert set(db.session.scalars(sa.select(RepeatVictimFinding.person_id))) == set(network.repeat_victims(records, T))
    assert {(c.suspect_id, c.new_partner_id) for c in db.session.scalars(sa.select(RightToKnowFinding))} == {
        (c.suspect_id, c.new_victim_id) for c in network.new_partner_candidates(records, T)
    }


# ---- incremental updates -----------------------------------------------------------------------


def test_an_event_joining_two_networks_recomputes_only_them(register, count_queries):
    compute_network_findings()
    fg_before = db.session.get(LinkedNetwork, register["F"].id).computed_at
    # D, a suspect in the D-E network, now harms C, a victim in the A-B-C network.
    with count_queries() as seen:
        create_event(
            {
                "occurred_on": ago(2),
                "offence": "common_assault",
                "suspect_ref": "D",
                "victim_ref": "C",
                "relationship_type": "partner",
            },
            actor=Actor("test"),
        )
    db.session.expire_all()
    assert networks()[frozenset("ABCDE")] == (5, 2, 3, 6, 415)
    assert frozenset("DE") not in networks() and frozenset("ABC") not in networks()
    assert stored_ids(SerialFinding) == {"A", "D"}  # D has now harmed two victims
    assert db.session.get(LinkedNetwork, register["F"].id).computed_at == fg_before  # untouched
    assert not any("FROM da_events" in q and "suspect_id IN" not in q for q in seen), "read the whole register"
    assert {c.person_id for c in db.session.scalars(sa.select(NetworkChange))} == {register["D"].id, register["C"].id}


def test_correcting_an_event_can_split_a_network(app):
    a, b, _ = make_person("A"), make_person("B"), make_person("C")
    make_event(a, b, ago(30))
    manual = create_event(
        {
            "occurred_on": ago(5),
            "offence": "harassment",
            "suspect_ref": "B",
            "victim_ref": "C",
            "relationship_type": "family",
        },
        actor=Actor("test"),
    )
    compute_network_findings()
    assert set(networks()) == {frozenset("ABC")}
    values = {
        "occurred_on": ago(5),
        "offence": "harassment",
        "suspect_ref": "C",
        "victim_ref": "X1",
        "relationship_type": "family",
    }
    make_person("X1")
    update_event(manual, values, expected_version=manual.version_id, actor=Actor("test"))
    db.session.expire_all()
    assert set(networks()) == {frozenset("AB"), frozenset({"C", "X1"})}


def test_a_new_relationship_joins_two_networks(register):
    compute_network_findings()
    relate(register["C"], register["F"], "family", since=ago(100))
    db.session.commit()
    assert networks()[frozenset("ABCFG")] == (5, 1, 2, 2, 375)
    assert frozenset("FG") not in networks()


def test_a_merge_recomputes_the_merged_networks_and_its_undo_restores_them(register):
    compute_network_findings()
    before = networks()
    # E is found to be B: the person merge moves E's events to B and announces the change.
    merge = merge_persons(register["E"], register["B"], "Same person: DOB and address match", actor=Actor("test"))
    db.session.expire_all()
    assert networks()[frozenset("ABCD")] == (4, 2, 2, 5, 405)
    assert stored_ids(RepeatVictimFinding) == {"B"}  # the merged record has three events in 12 months
    undo_merge(merge, actor=Actor("test"))
    db.session.expire_all()
    assert networks() == before and stored_ids(RepeatVictimFinding) == {"E"}


def test_changes_before_the_first_computation_are_only_noted(register):
    relate(register["A"], register["X"], "family")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkedNetwork)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NetworkChange)) == 2
    compute_network_findings()
    assert frozenset("ABCX") in networks()


def test_a_failed_update_never_loses_the_callers_change(register, monkeypatch):
    compute_network_findings()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "write", broken)
    event = create_event(
        {
            "occurred_on": ago(1),
            "offence": "common_assault",
            "suspect_ref": "G",
            "victim_ref": "H",
            "relationship_type": "family",
        },
        actor=Actor("test"),
    )
    assert db.session.get(DAEvent, event.id) is not None
    assert frozenset("FG") in networks()  # the old rows stand; the nightly run will catch up
    noted = db.session.scalars(sa.select(NetworkChange).where(NetworkChange.applied.is_(False))).all()
    assert {c.person_id for c in noted} == {register["G"].id, register["H"].id}


def test_changes_made_while_a_full_computation_ran_are_applied_again(register, monkeypatch):
    compute_network_findings()
    real = findings.compute

    def slow_compute(session, as_of):
        tables = real(session, as_of)  # read before the change below: it does not see it
        make_event(register["G"], register["H"], ago(1))
        relate(register["H"], register["X"], "other")
        db.session.commit()
        return tables

    monkeypatch.setattr(findings, "compute", slow_compute)
    compute_network_findings()
    assert frozenset("FGHX") in networks()


# ---- the job and its failure ---------------------------------------------------------------------


def test_the_nightly_job_computes_the_findings(app, register):
    assert "network_findings" in jobs.JOBS
    assert scheduler.run_job(app, "network_findings") is True
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "network_findings"))
    assert run.status == "done" and "3 linked networks, 1 serial perpetrators" in run.detail
    assert db.session.scalar(sa.select(FindingsRun.trigger)) == "nightly"


def test_a_failed_computation_keeps_the_last_good_findings_and_alerts(
    app, register, client, make_user, login, monkeypatch
):
    good = compute_network_findings()
    before = networks()
    make_event(register["G"], register["H"], ago(1))
    real = store.insert

    def fail_halfway(session, model, rows):
        if model is NetworkMember:  # networks already written, after every old row was deleted
            raise RuntimeError("the database went away")
        real(session, model, rows)

    monkeypatch.setattr(store, "insert", fail_halfway)
    assert scheduler.run_job(app, "network_findings") is False
    assert networks() == before and stored_ids(SerialFinding) == {"A"}
    runs = db.session.scalars(sa.select(FindingsRun).order_by(FindingsRun.id)).all()
    assert [r.status for r in runs] == ["done", "failed"] and "went away" in runs[1].error
    assert db.session.scalar(sa.select(JobRun.status).where(JobRun.job == "network_findings")) == "failed"
    alerts = db.session.scalars(sa.select(Alert).where(Alert.kind == "network_findings")).all()
    assert {a.role for a in alerts} == {"analyst", "admin"}
    assert all(f"{good.finished_at:%d %b %Y}" in a.message for a in alerts)
    login(make_user("ana", "analyst"))
    html = client.get("/persons/network/linked").get_data(as_text=True)
    assert "failed: these are the findings computed on" in html
    largest = html.split('id="largest-networks"', 1)[1]
    assert '<td class="num">3</td>' in largest  # the A-B-C network, as last computed


def test_the_import_recomputes_the_findings(app, tmp_path):
    from app.imports.services import import_directory

    (tmp_path / "persons.csv").write_text(
        "person_ref,surname,forenames,date_of_birth,gender,pnc_id,district\n"
        "I1,Aaa,Ann,1980-01-01,female,,North\nI2,Bbb,Bob,1980-01-01,male,,North\nI3,Ccc,Cy,1980-01-01,male,,North\n"
    )
    (tmp_path / "events.csv").write_text(
        "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome\n"
        f"IE1,{ago(300)},abh,I2,I1,partner,,North,\nIE2,{ago(10)},common_assault,I2,I3,partner,,North,\n"
    )
    assert import_directory(tmp_path, actor=Actor("test")).ok
    run = db.session.scalar(sa.select(FindingsRun))
    assert (run.trigger, run.status, run.candidates) == ("import", "done", 1)


def test_the_cli_computes_the_findings(app, runner, register):
    result = runner.invoke(args=["network-findings"])
    assert result.exit_code == 0, result.output
    assert "7 persons in 3 linked networks; 1 serial perpetrators" in result.output


# ---- pages ---------------------------------------------------------------------------------------


def test_the_pages_say_when_the_findings_were_computed(app, client, make_user, login, register):
    login(make_user("sue", "supervisor"))
    html = client.get("/persons/network/linked").get_data(as_text=True)
    assert "have not been computed yet" in html
    run = compute_network_findings()
    for path in ("/persons/network/linked", "/persons/network/right-to-know", "/referrals/clares-law/right-to-know"):
        html = client.get(path).get_data(as_text=True)
        assert f"Findings computed on {run.finished_at:%d %b %Y at %H:%M} UTC" in html, path
    relate(register["A"], register["X"], "family")
    db.session.commit()
    html = client.get("/persons/network/linked").get_data(as_text=True)
    assert "the networks of 2 persons updated since after changes" in html


def test_the_right_to_know_page_reads_the_stored_candidates(app, client, make_user, login, register, count_queries):
    compute_network_findings()
    login(make_user("sue", "supervisor"))
    with count_queries() as seen:
        html = client.get("/persons/network/right-to-know?within=all").get_data(as_text=True)
    table = html.split('id="candidates"', 1)[1]
    assert 'href="/persons/C"' in table and "Alex PERSONB" in table
    assert not any("FROM da_events" in q for q in seen)


def test_the_right_to_know_pages_show_fifty_candidates_a_page(app, client, make_user, login):
    for i in range(60):
        suspect, earlier, new = make_person(f"S{i:02d}"), make_person(f"E{i:02d}"), make_person(f"N{i:02d}")
        make_event(suspect, earlier, ago(400 + i))
        make_event(suspect, new, ago(10 + i))
    compute_network_findings()
    login(make_user("sue", "supervisor"))
    for path in ("/persons/network/right-to-know", "/referrals/clares-law/right-to-know"):
        first = client.get(path).get_data(as_text=True)
        assert "60 candidates" in first and "Showing 1–50 of 60" in first and "page=2" in first
        assert 'href="/persons/S00"' in first or "S00" in first
        second = client.get(path + "?page=2").get_data(as_text=True)
        assert "Showing 51–60 of 60" in second and "S59" in second and "S00" not in second
        assert client.get(path + "?page=nought").status_code == 400


def test_the_whole_network_page_checks_its_period_and_is_audited(app, client, make_user, login, register):
    compute_network_findings()
    login(make_user("olly", "officer"))
    assert client.get("/persons/network/of/NOBODY").status_code == 404
    bad = client.get("/persons/network/of/A?period=forever")
    assert bad.status_code == 400 and "Choose the period from the list." in bad.get_data(as_text=True)
    html = client.get("/persons/network/of/A?period=12").get_data(as_text=True)
    # In the last 12 months A harmed only C (B was 400 days ago): the picture holds A and C.
    assert 'data-ref="C"' in html and 'data-ref="B"' not in html
    html = client.get("/persons/network/of/A").get_data(as_text=True)
    assert 'data-ref="B"' in html and 'data-ref="C"' in html and "Findings computed on" in html
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_ref == "A")).all()[-1]
    assert entry.action == "view" and entry.username == "olly" and "linked network" in entry.summary


def test_a_new_partner_recorded_from_intelligence_is_stored_with_why(app, client, make_user, login, register):
    """Issue 13's rule through the stored findings: a partner recorded from intelligence before any
    event is a candidate at once, and the page says since when, how it is known and the earlier
    victims' harm, as the per-request page did."""
    compute_network_findings()
    values = RelationshipInput(
        other_ref="X",
        relationship_type="partner",
        since=ago(30),
        source="intelligence_report",
        source_grade="2",
        intelligence_grade="B",
        handling_code="P",
    )
    record_relationship(register["A"], values, actor=Actor("test"))
    found = db.session.scalar(
        sa.select(RightToKnowFinding).where(RightToKnowFinding.new_partner_id == register["X"].id)
    )
    assert (found.suspect_id, found.known_from, found.partner_since) == (register["A"].id, "relationship", ago(30))
    assert found.events_against == 0 and found.latest_on is None and found.last_seen_on == T
    assert [v["victim_id"] for v in found.earlier] == [register["B"].id]  # C came after X: not earlier
    login(make_user("sue", "supervisor"))
    for path in ("/persons/network/right-to-know?within=3", "/referrals/clares-law/right-to-know?within=3"):
        html = client.get(path).get_data(as_text=True)
        row = html.split("PERSONX", 1)[1].split("</tr>", 1)[0]
        assert f"Partner since {ago(30):%d %b %Y}" in row and "from a recorded relationship" in row, path
        assert "No event against them yet" in row and "graded 2BP" in row, path
        assert f"1 event on {ago(400):%d %b %Y}" in row and "actual bodily harm" in row, path
    # The partnership ends: seen last on its end, so a window after that leaves it out.
    link = db.session.scalar(sa.select(PersonLink).where(PersonLink.person_b_id == register["X"].id))
    values.until = ago(10)
    update_relationship(link, register["A"], values, expected_version=link.version_id, actor=Actor("test"))
    found = db.session.scalar(
        sa.select(RightToKnowFinding).where(RightToKnowFinding.new_partner_id == register["X"].id)
    )
    assert found.last_seen_on == ago(10)


def test_the_right_to_know_pages_sort_by_name_since_and_harm_across_pages(app, client, make_user, login):
    # 60 candidates: S00's partnership began longest ago and its earlier victim suffered least.
    for i in range(60):
        suspect = make_person(f"S{i:02d}", surname=f"Zed{59 - i:02d}", forenames="Sam")
        earlier, new = make_person(f"E{i:02d}"), make_person(f"N{i:02d}")
        for n in range(1 + i // 20):  # more earlier events, more harm, for the later suspects
            make_event(suspect, earlier, ago(400 + i + n))
        make_event(suspect, new, ago(70 - i))
    compute_network_findings()
    login(make_user("sue", "supervisor"))
    pages = (("/persons/network/right-to-know", "perpetrator"), ("/referrals/clares-law/right-to-know", "subject"))
    for path, name_key in pages:
        by_name = client.get(f"{path}?within=all&sort={name_key}").get_data(as_text=True)
        assert by_name.index("S59") < by_name.index("S58") and "S00" not in by_name  # Zed00 first; S00 is Zed59
        second = client.get(f"{path}?within=all&sort={name_key}&page=2").get_data(as_text=True)
        assert "S00" in second and f"sort={name_key}" in second.split("Previous")[0].rsplit("href", 1)[-1]
        since = client.get(f"{path}?within=all&sort=since&order=asc").get_data(as_text=True)
        assert since.index("S00") < since.index("S01") and "S59" not in since
        harm = client.get(f"{path}?within=all&sort=harm&order=desc").get_data(as_text=True)
        assert 'aria-sort="descending"' in harm and "S59" in harm and "S00" not in harm
        own = client.get(f"{path}?within=all&sort=nonsense").get_data(as_text=True)
        assert own.index("S59") < own.index("S58")  # an unknown column: the most recently seen first
