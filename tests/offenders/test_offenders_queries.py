"""The register pages issue a fixed number of SQL statements, however much a person has on record.

Each page is requested twice: once with a small record, once with a large one. The counts must be
equal, so that a query per row (N+1) cannot creep in unnoticed.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.base import today, utcnow
from app.extensions import db
from app.offenders.models import Person, PersonAlias, PersonLink, WarningMarker
from app.orders.models import Breach
from app.tasking.models import Task
from tests.factories import make_event, make_forum_referral, make_lever, make_order, make_person, make_referral
from tests.offenders.test_offenders import make_run


def _story(prefix: str, size: int):
    """A person with `size` victims, events, orders, breaches, levers, tasks, aliases and a network."""
    d = today()
    centre = make_person(f"{prefix}0", surname=f"{prefix}Centre")
    for i in range(size):
        victim = make_person(f"{prefix}V{i}", surname=f"{prefix}Victim{i}")
        other = make_person(f"{prefix}S{i}", surname=f"{prefix}Other{i}")
        make_event(centre, victim, d - timedelta(days=10 + i), offence="abh")
        make_event(other, victim, d - timedelta(days=20 + i))  # a second ring
        make_event(victim, centre, d - timedelta(days=30 + i))
        order = make_order(centre, victim, starts_on=d - timedelta(days=100 + i))
        breach_event = make_event(centre, victim, d - timedelta(days=5 + i), offence="breach_criminal_order")
        db.session.add(
            Breach(
                ref=f"{prefix}B{i}",
                order_id=order.id,
                event_id=breach_event.id,
                occurred_at=utcnow() - timedelta(days=5 + i),
                narrative="At the address",
                version_id=1,
            )
        )
        db.session.add(PersonAlias(person_id=centre.id, forenames=f"Al{i}", surname="Alias"))
        db.session.add(WarningMarker(person_id=centre.id, marker=["weapons", "drugs", "violence"][i % 3]))
        db.session.add(Task(task_type="arrest", title=f"Task {i}", person_id=centre.id, due_at=utcnow(), version_id=1))
        db.session.add(PersonLink(person_a_id=other.id, person_b_id=centre.id, relationship_type="family"))
        db.session.commit()
        make_lever(centre, ["firearms_certificate", "drugs_intelligence", "housing_tenancy"][i % 3], d - timedelta(i))
        make_forum_referral("marac", at_risk=victim, perpetrator=centre, referred_on=d - timedelta(days=i))
    make_referral(centre, "referred", on=d - timedelta(days=3))
    return centre


@pytest.fixture
def reader(make_user, login):
    login(make_user("quinn", "supervisor"))


def _count(client, url, count_queries) -> int:
    client.get(url)  # warm-up: the signed-in user, catalogues and compiled statements
    with count_queries() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen)


def test_profile_statements_do_not_grow_with_the_record(client, reader, count_queries):
    small, large = _story("A", 1), _story("B", 12)
    make_run({small: 90, large: 120})
    assert _count(client, f"/persons/{small.ref}", count_queries) == _count(
        client, f"/persons/{large.ref}", count_queries
    )
    # The working panels (issue 12) read four more things once each: the conditions of the orders
    # in force, the open programme referral, open forum referrals and the cohort membership.
    assert _count(client, f"/persons/{large.ref}", count_queries) <= 44


def test_list_statements_do_not_grow_with_the_page(client, reader, count_queries):
    for i in range(20):
        _story(f"C{i:02d}", 1)  # 60 persons, each centre with an alias, a lever and an order
    one, full = "/persons/?q=C00S", "/persons/?q=C"  # 1 person; a full page of 50
    assert _count(client, one, count_queries) == _count(client, full, count_queries)
    make_run({p: 50 + n for n, p in enumerate(db.session.scalars(sa.select(Person)))})
    assert _count(client, one, count_queries) == _count(client, full, count_queries)
    filtered = "/persons/?q=C&serial=y&active_order=y&active_levers=y"
    assert _count(client, filtered, count_queries) <= 20
