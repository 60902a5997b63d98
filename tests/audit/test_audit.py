"""The audit log: written for sign-in, views, changes and imports; append-only; searchable."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEntry
from app.audit.services import Actor, record
from app.extensions import db
from app.offenders.models import Person
from tests.factories import make_person


def entries(action=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_viewing_a_person_is_audited_with_user_address_and_reason(client, make_user, login):
    login(make_user("ash", "officer"))
    make_person("P100")
    assert client.get("/persons/P100", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    (entry,) = entries("view")
    assert (entry.username, entry.object_type, entry.object_ref, entry.remote_addr) == (
        "ash",
        "person",
        "P100",
        "10.1.2.3",
    )
    assert entry.at is not None and entry.at.tzinfo is not None


def test_changing_a_person_is_audited_with_before_and_after(client, make_user, login):
    login(make_user("blair", "supervisor"))
    person = make_person("P200", surname="Ostrick", forenames="Jo")
    response = client.post(
        "/persons/P200/edit",
        data={"surname": "Ostrick-Vale", "forenames": "Jo", "gender": "", "version_id": person.version_id},
    )
    assert response.status_code == 302
    (entry,) = entries("update")
    assert entry.username == "blair" and entry.object_ref == "P200"
    assert entry.data == {"surname": {"before": "Ostrick", "after": "Ostrick-Vale"}}


def test_a_stale_edit_is_refused_with_a_conflict_and_keeps_both_versions(client, make_user, login):
    login(make_user("cruz", "officer"))
    person = make_person("P300", surname="Quillan", forenames="Robin")
    stale_version = person.version_id
    # Someone else saves first.
    first = client.post(
        "/persons/P300/edit", data={"surname": "Quillan", "forenames": "Robyn", "version_id": stale_version}
    )
    assert first.status_code == 302
    second = client.post(
        "/persons/P300/edit", data={"surname": "Quillan-Hart", "forenames": "Robin", "version_id": stale_version}
    )
    text = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else changed this person while you were editing" in text
    assert 'value="Quillan-Hart"' in text  # the second user's typing is kept
    db.session.expire_all()
    saved = db.session.scalars(sa.select(Person).where(Person.ref == "P300")).one()
    assert (saved.surname, saved.forenames) == ("Quillan", "Robyn")  # the first save stands
    assert len(entries("update")) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("surname", "", "Enter a surname."),
        ("pnc_id", "123", "Enter a PNC ID such as 2019/1234567A."),
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "31/01/1990", "Not a valid date value."),
    ],
)
def test_bad_person_edits_are_refused_with_a_message_and_nothing_changes(
    client, make_user, login, field, value, message
):
    login(make_user("drew", "officer"))
    person = make_person("P400", surname="Ostrick", forenames="Jo")
    data = {"surname": "Ostrick", "forenames": "Jo", "version_id": person.version_id, field: value}
    response = client.post("/persons/P400/edit", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).version_id == person.version_id
    assert entries("update") == []


def test_a_pnc_id_held_by_someone_else_is_refused(client, make_user, login):
    login(make_user("eden", "officer"))
    make_person("P500", pnc_id="2001/0000001A")
    person = make_person("P501")
    data = {"surname": "X", "forenames": "Y", "pnc_id": "2001/0000001a", "version_id": person.version_id}
    response = client.post("/persons/P501/edit", data=data)
    assert response.status_code == 400
    assert "already held for person P500" in response.get_data(as_text=True)


def test_entries_cannot_be_changed_or_deleted_through_the_orm(app):
    entry = record("view", "x", actor=Actor("tester"))
    db.session.commit()
    entry.summary = "tampered"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET summary = 'tampered'", "DELETE FROM audit_entries"])
def test_the_database_itself_refuses_changes_to_entries(app, statement):
    record("view", "original", actor=Actor("tester"))
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert [e.summary for e in entries()] == ["original"]


def test_an_entry_outside_a_request_must_name_its_actor(app):
    with pytest.raises(RuntimeError, match="needs an actor"):
        record("view", "who did this?")


def test_admins_and_analysts_search_the_log_and_the_search_is_audited(client, make_user, login):
    login(make_user("fern", "analyst"))
    make_person("P600")
    record("view", "viewed person P600", object_type="person", object_ref="P600", actor=Actor("gus"))
    record("view", "viewed person P601", object_type="person", object_ref="P601", actor=Actor("hal"))
    db.session.commit()
    response = client.get("/audit/?user=gus")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "viewed person P600" in text and "viewed person P601" not in text
    searches = entries("search")
    assert len(searches) == 1 and searches[0].username == "fern" and searches[0].data == {"user": "gus"}
    assert "viewed person P601" in client.get("/audit/?object=p601").get_data(as_text=True)
    assert "No audit entries match" in client.get("/audit/?action=export").get_data(as_text=True)


def test_audit_log_pages(client, make_user, login):
    login(make_user("ines", "analyst"))
    for i in range(60):
        record("view", f"entry {i}", actor=Actor("bulk"))
    db.session.commit()
    first = client.get("/audit/").get_data(as_text=True)
    assert "entry 59" in first and "entry 0<" not in first and "Page 1 of 2" in first
    second = client.get("/audit/?page=2").get_data(as_text=True)
    assert "entry 0" in second
    assert client.get("/audit/?page=99").status_code == 200
    assert client.get("/audit/?from=not-a-date").status_code == 200
