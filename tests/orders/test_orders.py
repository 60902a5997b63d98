"""The order register: recording, correcting, varying and revoking orders, the list and the order page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import local_today
from app.extensions import db
from app.orders import services
from app.orders.models import Order, OrderCondition
from tests.factories import count, make_order, make_person

TODAY = local_today()


@pytest.fixture
def people(app):
    return {
        "subject": make_person("P100", surname="Draycott", forenames="Marlon", district="North"),
        "protected": make_person("P200", surname="Ellery", forenames="Nadia", district="North"),
        "other": make_person("P300", surname="Fenwick", forenames="Odile", district="South"),
    }


@pytest.fixture
def officer(client, make_user, login):
    user = make_user("olive", "officer", team="North PDA")
    login(user)
    return user


def order_form(**changes) -> dict:
    data = {
        "ref": "NMO/2026/0412",
        "order_type": "non_molestation",
        "subject_ref": "P100",
        "protected_refs": "P200",
        "made_on": (TODAY - timedelta(days=3)).isoformat(),
        "served_on": (TODAY - timedelta(days=2)).isoformat(),
        "starts_on": (TODAY - timedelta(days=3)).isoformat(),
        "ends_on": (TODAY + timedelta(days=180)).isoformat(),
        "court": "Northtown Family Court",
        "power_of_arrest": "y",
        "new_conditions": (
            "Not to contact Nadia Ellery directly or indirectly\nNot to go within 100 metres of 4 Elm Row"
        ),
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(order: Order, **changes) -> dict:
    data = {
        "change_kind": "correction",
        "order_type": order.order_type,
        "subject_ref": order.subject.ref,
        "protected_refs": ", ".join(p.ref for p in order.protected_persons),
        "made_on": order.made_on.isoformat() if order.made_on else "",
        "served_on": order.served_on.isoformat() if order.served_on else "",
        "starts_on": order.starts_on.isoformat(),
        "ends_on": order.ends_on.isoformat() if order.ends_on else "",
        "court": order.court or "",
        "notes": order.notes or "",
        "new_conditions": "",
        "version_id": str(order.version_id),
    }
    if order.ends_on is None:
        data["until_further_order"] = "y"
    if order.power_of_arrest:
        data["power_of_arrest"] = "y"
    for i, condition in enumerate(order.conditions):
        data[f"existing_conditions-{i}-number"] = str(condition.number)
        data[f"existing_conditions-{i}-text"] = condition.text
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def conditions_of(ref: str) -> dict[int, str]:
    order = services.get_order(ref)
    db.session.refresh(order)
    return {c.number: c.text for c in order.conditions}


# ---- recording ----------------------------------------------------------------------------------


def test_an_officer_records_an_order_with_numbered_conditions(client, officer, people):
    response = client.post("/orders/new", data=order_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders/NMO/2026/0412"

    order = services.get_order("NMO/2026/0412")
    assert order.type.label == "Non-molestation order"
    assert order.subject.ref == "P100"
    assert [p.ref for p in order.protected_persons] == ["P200"]
    assert order.starts_on == TODAY - timedelta(days=3)
    assert order.ends_on == TODAY + timedelta(days=180)
    assert order.power_of_arrest is True
    assert order.court == "Northtown Family Court"
    assert conditions_of(order.ref) == {
        1: "Not to contact Nadia Ellery directly or indirectly",
        2: "Not to go within 100 metres of 4 Elm Row",
    }
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_ref == order.ref))
    assert entry.action == "create" and entry.username == "olive"
    assert entry.data["after"]["conditions"]["2"].startswith("Not to go within")

    page = client.get("/orders/NMO/2026/0412").get_data(as_text=True)
    assert "Not to go within 100 metres of 4 Elm Row" in page
    assert "Marlon DRAYCOTT" in page and "Nadia ELLERY" in page


def test_an_order_without_a_reference_gets_an_achilles_reference(client, officer, people):
    response = client.post("/orders/new", data=order_form(ref=""))
    assert response.status_code == 302
    order = db.session.scalar(sa.select(Order))
    assert order.ref == f"ACH-O-{order.id:06d}"
    assert order.version_id == 1  # giving the reference is not an edit
    assert response.headers["Location"] == f"/orders/{order.ref}"


def test_until_further_order_leaves_no_end_date(client, officer, people):
    response = client.post("/orders/new", data=order_form(ends_on="", until_further_order="y"))
    assert response.status_code == 302
    assert services.get_order("NMO/2026/0412").ends_on is None


def test_an_order_may_protect_several_persons(client, officer, people):
    response = client.post("/orders/new", data=order_form(protected_refs="P200, P300"))
    assert response.status_code == 302
    assert sorted(p.ref for p in services.get_order("NMO/2026/0412").protected_persons) == ["P200", "P300"]


BAD_ORDERS = [
    ("order_type", {"order_type": ""}, "Choose the type of order"),
    ("order_type", {"order_type": "injunction"}, "Not a valid choice"),
    ("subject_ref", {"subject_ref": ""}, "Enter the person reference of the order"),
    ("subject_ref", {"subject_ref": "P999"}, "No person with reference"),
    ("protected_refs", {"protected_refs": ""}, "at least one protected person"),
    ("protected_refs", {"protected_refs": "P200, P998"}, "No person is recorded with reference P998"),
    ("protected_refs", {"protected_refs": "P100"}, "cannot also be a person it protects"),
    ("starts_on", {"starts_on": ""}, "Enter the date the order starts"),
    ("starts_on", {"starts_on": "31/02/2026"}, "Not a valid date"),
    ("ends_on", {"ends_on": (TODAY - timedelta(days=10)).isoformat()}, "is before the start date"),
    ("ends_on", {"ends_on": ""}, "Enter the end date, or tick"),
    ("ends_on", {"until_further_order": "y"}, "not both"),
    ("made_on", {"made_on": (TODAY + timedelta(days=1)).isoformat()}, "date made cannot be in the future"),
    ("served_on", {"served_on": (TODAY - timedelta(days=5)).isoformat()}, "cannot be served before"),
    ("served_on", {"served_on": (TODAY + timedelta(days=2)).isoformat()}, "date served cannot be in the future"),
    ("starts_on", {"starts_on": (TODAY - timedelta(days=4)).isoformat()}, "cannot start before the date it was made"),
    ("new_conditions", {"new_conditions": "  \n \n"}, "Enter at least one condition"),
    ("new_conditions", {"new_conditions": "x" * 2001}, "2000 characters or fewer"),
    ("ref", {"ref": "NMO 2026"}, "Use letters, digits"),
    ("ref", {"ref": "ach-o-000007"}, "are given by Achilles"),
    ("ref", {"ref": "new"}, "cannot be used as an order reference"),
    ("court", {"court": "c" * 201}, "200 characters"),
    ("notes", {"notes": "n" * 5001}, "5000 characters"),
]


@pytest.mark.parametrize(
    ("field", "changes", "message"), BAD_ORDERS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_ORDERS)]
)
def test_a_bad_order_is_refused_with_a_clear_message_and_nothing_saved(
    client, officer, people, field, changes, message
):
    response = client.post("/orders/new", data=order_form(**changes))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field at fault
    assert count(Order) == 0 and count(OrderCondition) == 0


def test_a_duplicate_order_reference_is_refused(client, officer, people):
    make_order(people["subject"], people["protected"], ref="NMO/2026/0412", starts_on=TODAY)
    response = client.post("/orders/new", data=order_form())
    assert response.status_code == 400
    assert "already recorded" in response.get_data(as_text=True)
    assert count(Order) == 1


def test_the_subject_can_be_filled_in_from_a_link(client, officer, people):
    page = client.get("/orders/new?subject=P100").get_data(as_text=True)
    assert 'value="P100"' in page


# ---- DVPO duration: a warning the user confirms --------------------------------------------------


def dvpo(days: int | None, **changes) -> dict:
    start = TODAY - timedelta(days=1)
    ends = "" if days is None else (start + timedelta(days=days - 1)).isoformat()
    extra = {"until_further_order": "y"} if days is None else {}
    values = {
        "ref": "DVPO/1",
        "order_type": "dvpo",
        "made_on": start.isoformat(),
        "served_on": start.isoformat(),
        "starts_on": start.isoformat(),
        "ends_on": ends,
    }
    return order_form(**{**values, **extra, **changes})


@pytest.mark.parametrize("days", [14, 21, 28])
def test_a_dvpo_of_14_to_28_days_needs_no_confirmation(client, officer, people, days):
    assert client.post("/orders/new", data=dvpo(days)).status_code == 302
    order = services.get_order("DVPO/1")
    assert (order.ends_on - order.starts_on).days + 1 == days


@pytest.mark.parametrize("days", [13, 29, None])
def test_a_dvpo_outside_14_to_28_days_asks_for_confirmation_first(client, officer, people, days):
    response = client.post("/orders/new", data=dvpo(days))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A DVPO lasts 14 to 28 days" in page
    assert 'name="confirm_warnings"' in page  # the box appears with the warning
    assert count(Order) == 0

    confirmed = client.post("/orders/new", data=dvpo(days, confirm_warnings="y"))
    assert confirmed.status_code == 302
    assert count(Order) == 1


def test_the_confirmation_box_is_not_shown_without_a_warning(client, officer, people):
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'name="confirm_warnings"' not in page


def test_a_dvpo_ending_before_it_starts_is_an_error_even_when_confirmed(client, officer, people):
    data = dvpo(14, ends_on=(TODAY - timedelta(days=5)).isoformat(), confirm_warnings="y")
    response = client.post("/orders/new", data=data)
    assert response.status_code == 400
    assert "is before the start date" in response.get_data(as_text=True)
    assert count(Order) == 0


# ---- correcting and varying ---------------------------------------------------------------------


@pytest.fixture
def order(people):
    return make_order(
        people["subject"],
        people["protected"],
        ref="NMO/7",
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=150),
        conditions=("Not to contact Nadia Ellery", "Not to enter Elm Row", "Not to post about her online"),
        court="Northtown Family Court",
    )


def breach_condition(order: Order, number: int) -> None:
    """Log a breach of one condition through the real service (as the breach form does)."""
    from datetime import UTC, datetime

    from app.auth.models import User
    from app.orders.breaches import services as breaches

    user = db.session.scalar(sa.select(User).where(User.username == "olive"))
    report = breaches.BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(days=1), conditions=[number], narrative="Seen outside", arrested=False
    )
    breaches.log_breach(order, report, user=user)


def test_a_correction_changes_the_order_and_audits_before_and_after(client, officer, order):
    data = edit_form(
        order, court="Southtown Magistrates' Court", **{"existing_conditions-1-text": "Not to enter Elm Row, Northtown"}
    )
    response = client.post("/orders/NMO/7/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.court == "Southtown Magistrates' Court"
    assert conditions_of("NMO/7")[2] == "Not to enter Elm Row, Northtown"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.data["kind"] == "correction"
    assert entry.data["changes"]["court"] == {
        "before": "Northtown Family Court",
        "after": "Southtown Magistrates' Court",
    }
    assert entry.data["changes"]["conditions"]["before"]["2"] == "Not to enter Elm Row"
    assert entry.data["changes"]["conditions"]["after"]["2"] == "Not to enter Elm Row, Northtown"
    history = client.get("/orders/NMO/7").get_data(as_text=True)
    assert "corrected order NMO/7" in history and "Southtown Magistrates" in history


def test_a_variation_is_recorded_with_its_date_and_keeps_condition_numbers(client, officer, order):
    varied_on = TODAY - timedelta(days=1)
    data = edit_form(
        order,
        change_kind="variation",
        varied_on=varied_on.isoformat(),
        ends_on=(TODAY + timedelta(days=300)).isoformat(),
        new_conditions="Not to contact her through third parties",
        **{"existing_conditions-1-text": ""},  # condition 2 discharged
    )
    response = client.post("/orders/NMO/7/edit", data=data)
    assert response.status_code == 302
    assert conditions_of("NMO/7") == {
        1: "Not to contact Nadia Ellery",
        3: "Not to post about her online",
        4: "Not to contact her through third parties",
    }
    db.session.refresh(order)
    assert order.ends_on == TODAY + timedelta(days=300)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.data["kind"] == "variation"
    assert entry.data["varied_on"] == varied_on.isoformat()
    assert f"varied on {varied_on.isoformat()}" in entry.summary


def test_a_breached_condition_cannot_be_changed_or_removed(client, officer, order):
    breach_condition(order, 2)
    db.session.refresh(order)
    for text in ("", "Not to enter Elm Row or Oak Lane"):
        data = edit_form(
            order, change_kind="variation", varied_on=TODAY.isoformat(), **{"existing_conditions-1-text": text}
        )
        response = client.post("/orders/NMO/7/edit", data=data)
        assert response.status_code == 400
        assert "Condition 2 has a breach logged against it" in response.get_data(as_text=True)
    assert conditions_of("NMO/7")[2] == "Not to enter Elm Row"

    # The other conditions can still be varied, and the breached one keeps its number.
    data = edit_form(order, change_kind="variation", varied_on=TODAY.isoformat(), **{"existing_conditions-0-text": ""})
    assert client.post("/orders/NMO/7/edit", data=data).status_code == 302
    assert conditions_of("NMO/7") == {2: "Not to enter Elm Row", 3: "Not to post about her online"}
    page = client.get("/orders/NMO/7/edit").get_data(as_text=True)
    assert "readonly" in page and "A breach is logged against this condition" in page


def test_an_edit_must_say_whether_it_is_a_correction_or_a_variation(client, officer, order):
    response = client.post("/orders/NMO/7/edit", data=edit_form(order, change_kind=None, court="Elsewhere"))
    assert response.status_code == 400
    assert "correction or a variation" in response.get_data(as_text=True)
    response = client.post("/orders/NMO/7/edit", data=edit_form(order, change_kind="variation", court="Elsewhere"))
    assert response.status_code == 400
    assert "Enter the date the order was varied" in response.get_data(as_text=True)
    future = (TODAY + timedelta(days=1)).isoformat()
    response = client.post("/orders/NMO/7/edit", data=edit_form(order, change_kind="variation", varied_on=future))
    assert response.status_code == 400
    assert "date varied cannot be in the future" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.court == "Northtown Family Court"


def test_an_edit_that_makes_the_end_before_the_start_is_refused(client, officer, order):
    data = edit_form(order, ends_on=(TODAY - timedelta(days=60)).isoformat())
    response = client.post("/orders/NMO/7/edit", data=data)
    assert response.status_code == 400
    assert "is before the start date" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.ends_on == TODAY + timedelta(days=150)


def test_an_edit_with_nothing_changed_writes_nothing(client, officer, order):
    response = client.post("/orders/NMO/7/edit", data=edit_form(order))
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.version_id == 1
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "update")) == 0


def test_a_stale_edit_is_refused_with_409_and_keeps_the_users_input(client, officer, order):
    stale = edit_form(order, court="Court typed by Olive")
    # Someone else varies the conditions only; that alone raises the order's version.
    other = edit_form(order, **{"existing_conditions-2-text": "Not to post or message about her online"})
    assert client.post("/orders/NMO/7/edit", data=other).status_code == 302
    db.session.refresh(order)
    assert order.version_id == 2

    response = client.post("/orders/NMO/7/edit", data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this order" in page
    assert 'value="Court typed by Olive"' in page  # her input is kept
    assert "Not to post or message about her online" in page  # the other user's saved values are shown
    assert 'name="version_id" type="hidden" value="2"' in page
    db.session.refresh(order)
    assert order.court == "Northtown Family Court"


def test_a_tampered_version_is_treated_as_a_conflict(client, officer, order):
    response = client.post("/orders/NMO/7/edit", data=edit_form(order, version_id="abc", court="X"))
    assert response.status_code == 409


# ---- revoking -----------------------------------------------------------------------------------


def test_revoking_an_order_ends_it_from_that_date(client, officer, order):
    response = client.post(
        "/orders/NMO/7/revoke",
        data={
            "revoked_on": TODAY.isoformat(),
            "reason": "Discharged on the application of the protected person",
            "version_id": "1",
        },
    )
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.revoked_on == TODAY
    assert not order.in_force_on(TODAY)
    assert order.in_force_on(TODAY - timedelta(days=1))
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.reason == "Discharged on the application of the protected person"
    assert entry.data["changes"]["revoked_on"]["after"] == TODAY.isoformat()
    assert "Revoked" in client.get("/orders/NMO/7").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"revoked_on": "", "reason": "x"}, "Enter the date the order was revoked"),
        ({"revoked_on": "yesterday", "reason": "x"}, "Not a valid date"),
        ({"revoked_on": (TODAY + timedelta(days=1)).isoformat(), "reason": "x"}, "cannot be in the future"),
        ({"revoked_on": TODAY.isoformat(), "reason": "  "}, "Say why the order was revoked"),
    ],
)
def test_a_bad_revocation_is_refused(client, officer, order, data, message):
    response = client.post("/orders/NMO/7/revoke", data={**data, "version_id": "1"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.revoked_on is None


def test_an_order_cannot_be_revoked_before_it_was_made_or_twice(client, officer, people):
    order = make_order(
        people["subject"],
        people["protected"],
        ref="NMO/8",
        starts_on=TODAY - timedelta(days=5),
        made_on=TODAY - timedelta(days=5),
    )
    early = (TODAY - timedelta(days=6)).isoformat()
    response = client.post("/orders/NMO/8/revoke", data={"revoked_on": early, "reason": "x", "version_id": "1"})
    assert response.status_code == 400
    assert "before the date it was made" in response.get_data(as_text=True)
    assert (
        client.post(
            "/orders/NMO/8/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "x", "version_id": "1"}
        ).status_code
        == 302
    )
    db.session.refresh(order)
    response = client.post(
        "/orders/NMO/8/revoke",
        data={"revoked_on": TODAY.isoformat(), "reason": "x", "version_id": str(order.version_id)},
    )
    assert response.status_code == 400
    assert "already revoked" in response.get_data(as_text=True)


def test_a_stale_revocation_is_refused_with_409(client, officer, order):
    assert client.post("/orders/NMO/7/edit", data=edit_form(order, court="Elsewhere")).status_code == 302
    response = client.post(
        "/orders/NMO/7/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "Discharged", "version_id": "1"}
    )
    assert response.status_code == 409
    assert "Discharged" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.revoked_on is None


# ---- the list -----------------------------------------------------------------------------------


@pytest.fixture
def register(people):
    s, p, o = people["subject"], people["protected"], people["other"]
    return {
        "soon": make_order(s, p, ref="A-SOON", starts_on=TODAY - timedelta(days=20), ends_on=TODAY + timedelta(days=5)),
        "later": make_order(
            o, p, "dvpo", ref="B-LATER", starts_on=TODAY - timedelta(days=2), ends_on=TODAY + timedelta(days=20)
        ),
        "open": make_order(s, o, "restraining_conviction", ref="C-OPEN", starts_on=TODAY - timedelta(days=400)),
        "ended": make_order(
            s, p, ref="D-ENDED", starts_on=TODAY - timedelta(days=90), ends_on=TODAY - timedelta(days=1)
        ),
        "revoked": make_order(
            s, p, ref="E-REVOKED", starts_on=TODAY - timedelta(days=90), revoked_on=TODAY - timedelta(days=3)
        ),
        "future": make_order(s, p, ref="F-FUTURE", starts_on=TODAY + timedelta(days=3)),
    }


def listed(client, query="") -> list[str]:
    response = client.get("/orders/" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    return [ref for ref in ("A-SOON", "B-LATER", "C-OPEN", "D-ENDED", "E-REVOKED", "F-FUTURE") if f">{ref}</a>" in page]


def test_the_list_shows_orders_in_force_by_default_soonest_end_first(client, officer, register):
    assert listed(client) == ["A-SOON", "B-LATER", "C-OPEN"]
    page = client.get("/orders/").get_data(as_text=True)
    assert page.index(">A-SOON<") < page.index(">B-LATER<") < page.index(">C-OPEN<")


def test_the_list_filters(client, officer, register):
    assert listed(client, "?status=ended") == ["D-ENDED", "E-REVOKED"]
    assert len(listed(client, "?status=all")) == 6
    assert listed(client, "?ending_within=7") == ["A-SOON"]
    assert listed(client, "?ending_within=30") == ["A-SOON", "B-LATER"]
    assert listed(client, "?order_type=dvpo") == ["B-LATER"]
    assert listed(client, "?district=South") == ["B-LATER"]
    assert listed(client, "?q=draycott") == ["A-SOON", "C-OPEN"]
    assert listed(client, "?q=c-open") == ["C-OPEN"]
    assert listed(client, "?q=P300") == ["B-LATER"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "search").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["filters"]["q"] == "P300"


@pytest.mark.parametrize(
    "query", ["?ending_within=-1", "?ending_within=soon", "?status=everything", "?order_type=nonsense"]
)
def test_bad_list_filters_are_refused_with_a_message(client, officer, register, query):
    response = client.get("/orders/" + query)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_the_list_pages(client, officer, people, app):
    for n in range(app.config["PAGE_SIZE"] + 3):
        make_order(
            people["subject"], people["protected"], ref=f"PG{n:03d}", starts_on=TODAY, ends_on=TODAY + timedelta(days=n)
        )
    page = client.get("/orders/").get_data(as_text=True)
    assert "Page 1 of 2" in page and f"{app.config['PAGE_SIZE'] + 3} orders found" in page
    assert ">PG052<" in client.get("/orders/?page=2").get_data(as_text=True)


def test_the_order_page_is_audited_and_unknown_orders_are_404(client, officer, order):
    assert client.get("/orders/NMO/7").status_code == 200
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view")).one()
    assert entry.object_ref == "NMO/7"
    assert client.get("/orders/NOPE").status_code == 404
    assert client.get("/orders/NOPE/edit").status_code == 404
    assert client.post("/orders/NOPE/revoke").status_code == 404


# ---- who may do what ----------------------------------------------------------------------------


def test_an_analyst_reads_the_register_but_cannot_change_it(client, make_user, login, order):
    login(make_user("ana", "analyst"))
    assert client.get("/orders/").status_code == 200
    assert client.get("/orders/NMO/7").status_code == 200
    assert client.get("/orders/new").status_code == 403
    assert client.post("/orders/new", data=order_form()).status_code == 403
    assert client.post("/orders/NMO/7/edit", data=edit_form(order, court="X")).status_code == 403
    assert client.post("/orders/NMO/7/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "x"}).status_code == 403
    db.session.refresh(order)
    assert order.court == "Northtown Family Court" and order.revoked_on is None


@pytest.mark.parametrize("role", ["referral", "admin"])
def test_referral_staff_and_admins_do_not_see_orders(client, make_user, login, order, role):
    login(make_user(f"only-{role}", role))
    for url in ("/orders/", "/orders/NMO/7", "/orders/new", "/orders/NMO/7/edit", "/orders/NMO/7/revoke"):
        assert client.get(url).status_code == 403, url


def test_a_supervisor_can_record_an_order(client, make_user, login, people):
    login(make_user("sam", "supervisor"))
    assert client.post("/orders/new", data=order_form()).status_code == 302


def test_the_forms_that_show_an_order_record_the_consultation(client, officer, order):
    for url, purpose in (
        ("/orders/NMO/7/edit", "to change it"),
        ("/orders/NMO/7/revoke", "to revoke it"),
        ("/orders/NMO/7/breaches/new", "to log a breach"),
    ):
        assert client.get(url).status_code == 200
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.object_ref, entry.summary) == ("view", "NMO/7", f"viewed order NMO/7 ({purpose})")


def test_an_order_with_breaches_keeps_its_subject_type_and_the_breach_dates(client, officer, people, order):
    breach_condition(order, 1)  # logged for yesterday
    db.session.refresh(order)
    yesterday = TODAY - timedelta(days=1)
    cases = [
        ({"subject_ref": "P300", "protected_refs": "P200"}, "its subject cannot be changed"),
        ({"order_type": "restraining_conviction"}, "its type cannot be changed"),
        ({"starts_on": TODAY.isoformat()}, "must start on or before that day"),
        ({"ends_on": (TODAY - timedelta(days=2)).isoformat()}, "must end on or after that day"),
    ]
    for changes, message in cases:
        response = client.post("/orders/NMO/7/edit", data=edit_form(order, **changes))
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True)
    response = client.post(
        "/orders/NMO/7/revoke", data={"revoked_on": yesterday.isoformat(), "reason": "Discharged", "version_id": "1"}
    )
    assert response.status_code == 400
    assert "the revocation must be dated after it" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert (order.subject.ref, order.order_type, order.revoked_on, order.version_id) == (
        "P100",
        "non_molestation",
        None,
        1,
    )
    # Dated after the breach, the revocation stands.
    response = client.post(
        "/orders/NMO/7/revoke", data={"revoked_on": TODAY.isoformat(), "reason": "Discharged", "version_id": "1"}
    )
    assert response.status_code == 302
