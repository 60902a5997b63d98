"""A victim's records follow a merge of duplicate persons and its undo, a merge that would break
victims' rules is refused whole, and a disposal after MoPI review clears contact details and free
text (issue 15, items 13 and 14, for the records issue 13 added)."""

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.base import ValidationFailed
from app.extensions import db
from app.offenders.merge import services as merging
from app.offenders.merge.models import PersonMerge
from app.offenders.retention import services as retention
from app.victims.contacts import services as contacts
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash.models import DashAssessment
from tests.factories import make_person
from tests.victims.conftest import dash_form
from tests.victims.test_victim_page import SECRET, SECRET_WORDS, save_secret

ANALYST = Actor("an.patel")


def owners(model, column="person_id") -> set[int]:
    return set(db.session.scalars(sa.select(getattr(model, column))))


def record_dash(client, login, world, victim_ref: str, **change) -> None:
    login(world.pc)
    data = dash_form(15, suspect_ref=world.perp.ref, note="Told us about the pomegranate-lantern word") | change
    response = client.post(f"/victims/{victim_ref}/dash/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_merge_moves_the_victims_records_and_undo_moves_them_back(client, login, world):
    save_secret(world)
    record_dash(client, login, world, world.victim.ref)
    twin = make_person("V101", surname="Bellamy", forenames="Freya")
    merge = merging.merge_persons(world.victim, twin, "Same woman, recorded twice", actor=ANALYST)
    db.session.expire_all()
    assert owners(ContactPreferences) == {twin.id}
    assert owners(VictimContact) == {twin.id}
    assert owners(DashAssessment) == {twin.id}
    assert db.session.scalar(sa.select(ContactPreferences.version_id)) == 2  # an edit begun before is stale

    merging.undo_merge(db.session.get(PersonMerge, merge.id), actor=ANALYST)
    db.session.expire_all()
    assert owners(ContactPreferences) == {world.victim.id}
    assert owners(VictimContact) == {world.victim.id}
    assert owners(DashAssessment) == {world.victim.id}


def test_a_merge_that_would_break_a_victims_rule_is_refused_whole(client, login, world):
    save_secret(world)
    twin = make_person("V101", surname="Bellamy", forenames="Freya")
    contacts.save_preferences(
        twin, contacts.PreferencesInput(channels=["phone"], **SECRET), expected_version=0, actor=Actor.of(world.pc)
    )
    with pytest.raises(ValidationFailed, match="Both records hold a victim's contact preferences"):
        merging.merge_persons(world.victim, twin, "x", actor=ANALYST)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonMerge)) == 0
    assert owners(ContactPreferences) == {world.victim.id, twin.id}


def test_a_merge_of_a_victim_with_her_own_suspect_is_refused(client, login, world):
    record_dash(client, login, world, world.victim.ref, suspect_ref=world.perp2.ref)
    with pytest.raises(ValidationFailed):
        merging.merge_persons(world.victim, world.perp2, "x", actor=ANALYST)
    db.session.rollback()
    assert owners(DashAssessment) == {world.victim.id}


def test_disposal_clears_contact_details_and_notes_and_keeps_the_records(client, login, world):
    save_secret(world)
    record_dash(client, login, world, world.victim.ref)
    cleared = retention.anonymise(world.victim, actor=ANALYST)
    db.session.commit()
    db.session.expire_all()
    assert {k: cleared[k] for k in ("victim_contact_preferences", "victim_contacts", "dash_assessments")} == {
        "victim_contact_preferences": 1,
        "victim_contacts": 1,
        "dash_assessments": 1,
    }
    held = db.session.scalar(sa.select(ContactPreferences))
    assert (held.safe_phone, held.safe_email, held.safe_times, held.safe_word, held.safety_plan_ref) == (None,) * 5
    assert db.session.scalar(sa.select(VictimContact.note)) is None
    assert db.session.scalar(sa.select(DashAssessment.note)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DashAssessment)) == 1  # the count stays
    login(world.sup)
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True).lower()
    assert not [word for word in SECRET_WORDS if word.lower() in page]
