"""POST /api/v1/breaches: bearer token, officer or supervisor, a 4xx naming the field for every bad
input (never a 500, nothing half-written), 201 with {breach_ref, event_ref, score}, idempotent retries."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import local_today
from app.extensions import db
from app.offenders.models import DAEvent
from app.orders.models import Breach
from app.ranking import services as ranking
from app.tasking.models import Task
from tests.factories import count, make_event, make_order, make_person

TODAY = local_today()
URL = "/api/v1/breaches"


def iso(moment: datetime) -> str:
    return moment.isoformat()


AN_HOUR_AGO = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def order(app):
    subject = make_person("P10", surname="Kershaw", forenames="Lionel", district="East")
    protected = make_person("P20", surname="Marsh", forenames="Nina")
    make_event(subject, protected, TODAY - timedelta(days=200), "common_assault")
    return make_order(
        subject,
        protected,
        "restraining_conviction",
        ref="RO/2026/9",
        starts_on=TODAY - timedelta(days=90),
        ends_on=TODAY + timedelta(days=300),
        conditions=("Not to contact Nina Marsh", "Not to enter Quarry Lane", "Not to go to her workplace"),
    )


def token_for(make_user, username: str, *roles: str, team: str | None = "East PDA") -> str:
    make_user(username, *roles, team=team)
    return issue_token(username, actor=Actor("test-setup"))


@pytest.fixture
def officer_token(make_user):
    return token_for(make_user, "pc.lowe", "officer")


def body(**changes) -> dict:
    data = {
        "order_ref": "RO/2026/9",
        "occurred_at": iso(AN_HOUR_AGO),
        "conditions": [1, 3],
        "narrative": "Waited outside her workplace and followed her to the bus stop.",
        "arrested": False,
    }
    data.update(changes)
    return data


def post(
    client, token: str | None, payload=None, *, raw: bytes | None = None, headers=None, content_type="application/json"
):
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(payload) if payload is not None else None)
    return client.post(URL, data=data, headers=all_headers, content_type=content_type)


def written() -> tuple[int, int, int]:
    return count(Breach), count(DAEvent), count(Task)


# ---- success ------------------------------------------------------------------------------------


def test_an_officer_logs_a_breach_and_gets_its_references_and_the_new_score(client, order, officer_token):
    response = post(client, officer_token, body())
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    breach = db.session.scalars(sa.select(Breach)).one()
    assert answer["breach_ref"] == breach.ref and answer["breach_ref"].startswith("ACH-B-")
    assert answer["event_ref"] == breach.event.ref and answer["event_ref"].startswith("ACH-E-")
    # The score is the subject's ranked object as of today, exactly as the ranking gives it.
    assert answer["score"] == ranking.score_one(order.subject_id, TODAY).to_json()
    assert answer["score"]["person_ref"] == "P10"
    assert answer["score"]["levers"] == {"breach_unactioned": 20}
    assert "recent_breach" in answer["score"]["flags"]
    assert set(answer) == {"breach_ref", "event_ref", "score"}

    assert breach.occurred_at == AN_HOUR_AGO
    assert sorted(c.number for c in breach.conditions) == [1, 3]
    assert breach.event.offence == "breach_criminal_order" and breach.event.outcome == "ongoing"
    task = db.session.scalars(sa.select(Task)).one()
    assert task.task_type == "breach_enforcement" and task.breach_id == breach.id
    assert task.team.name == "East PDA"


def test_arrested_true_gives_the_event_the_outcome_arrest(client, order, officer_token):
    response = post(client, officer_token, body(arrested=True))
    assert response.status_code == 201
    breach = db.session.scalars(sa.select(Breach)).one()
    assert breach.event.outcome == "arrest"
    assert response.get_json()["score"]["levers"] == {}


def test_a_supervisor_may_log_a_breach(client, make_user, order):
    token = token_for(make_user, "sgt.pike", "supervisor")
    assert post(client, token, body()).status_code == 201


def test_the_optional_fields_are_recorded(client, make_user, order, officer_token):
    other = make_person("P30", surname="Nolan", forenames="Orla")
    order.protected_persons.append(other)
    db.session.commit()
    response = post(
        client, officer_token, body(reported_how="third_party", protected_person_told=True, protected_ref="P30")
    )
    assert response.status_code == 201
    breach = db.session.scalars(sa.select(Breach)).one()
    assert breach.reported_how == "third_party" and breach.protected_person_told is True
    assert breach.event.victim_id == other.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{:%Y-%m-%dT%H:%M:%S}Z", lambda t: t),
        ("{:%Y-%m-%dT%H:%M:%S}+00:00", lambda t: t),
        ("{:%Y-%m-%dT%H:%M:%S}.250Z", lambda t: t + timedelta(milliseconds=250)),
        ("{:%Y-%m-%dT%H:%M:%S}", lambda t: t),  # no offset: taken as UTC
    ],
)
def test_times_with_z_or_an_offset_are_honoured_and_naive_times_are_utc(client, order, officer_token, text, expected):
    response = post(client, officer_token, body(occurred_at=text.format(AN_HOUR_AGO)))
    assert response.status_code == 201, response.get_json()
    assert db.session.scalars(sa.select(Breach)).one().occurred_at == expected(AN_HOUR_AGO)


def test_an_offset_moves_the_instant(client, order, officer_token):
    local = (AN_HOUR_AGO + timedelta(hours=2)).replace(tzinfo=None)
    response = post(client, officer_token, body(occurred_at=f"{local:%Y-%m-%dT%H:%M:%S}+02:00"))
    assert response.status_code == 201
    assert db.session.scalars(sa.select(Breach)).one().occurred_at == AN_HOUR_AGO


# ---- who may call it ----------------------------------------------------------------------------


def test_without_a_token_the_answer_is_401(client, order):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        response = client.post(URL, json=body(), headers=headers)
        assert response.status_code == 401
        assert response.get_json()["field"] == "Authorization"
    assert written() == (0, 1, 0)


def test_a_signed_in_browser_session_is_not_enough(client, make_user, login, order):
    login(make_user("pc.cookie", "officer"))
    assert client.post(URL, json=body()).status_code == 401


@pytest.mark.parametrize("role", ["analyst", "referral", "admin"])
def test_other_roles_are_refused_with_403(client, make_user, order, role):
    token = token_for(make_user, f"only-{role}", role)
    response = post(client, token, body())
    assert response.status_code == 403
    assert response.get_json()["error"]
    assert written() == (0, 1, 0)


def test_a_revoked_token_is_refused(client, make_user, order):
    from app.auth.models import ApiToken

    token = token_for(make_user, "pc.gone", "officer")
    db.session.scalars(sa.select(ApiToken)).one().revoked_at = datetime.now(UTC)
    db.session.commit()
    assert post(client, token, body()).status_code == 401


# ---- every bad input: a 4xx naming the field, nothing written -----------------------------------

FUTURE = iso(datetime.now(UTC) + timedelta(hours=1))
BAD = [
    # (status, field, payload changes or a raw body, message fragment)
    (400, "order_ref", {"order_ref": None}, "order_ref is required"),
    (400, "order_ref", {"order_ref": 42}, "non-empty string"),
    (400, "order_ref", {"order_ref": "  "}, "non-empty string"),
    (400, "order_ref", {"order_ref": "R" * 65}, "64 characters"),
    (422, "order_ref", {"order_ref": "RO/NOPE"}, "No order with reference 'RO/NOPE'"),
    (400, "occurred_at", {"occurred_at": None}, "occurred_at is required"),
    (400, "occurred_at", {"occurred_at": 1732190400}, "must be a string"),
    (400, "occurred_at", {"occurred_at": TODAY.isoformat()}, "must give a time as well as a date"),
    (400, "occurred_at", {"occurred_at": "yesterday at ten"}, "not an ISO 8601 date and time"),
    (400, "occurred_at", {"occurred_at": "2026-02-30T10:00:00Z"}, "not an ISO 8601 date and time"),
    (400, "occurred_at", {"occurred_at": "2026-01-10T25:00:00Z"}, "not an ISO 8601 date and time"),
    (422, "occurred_at", {"occurred_at": FUTURE}, "cannot be in the future"),
    (422, "occurred_at", {"occurred_at": iso(AN_HOUR_AGO - timedelta(days=95))}, "was not in force on"),
    (400, "conditions", {"conditions": None}, "conditions is required"),
    (400, "conditions", {"conditions": 1}, "list of condition numbers"),
    (400, "conditions", {"conditions": "1,3"}, "list of condition numbers"),
    (400, "conditions", {"conditions": ["1"]}, "list of condition numbers"),
    (400, "conditions", {"conditions": [1.0]}, "list of condition numbers"),
    (400, "conditions", {"conditions": [True]}, "list of condition numbers"),
    (400, "conditions", {"conditions": []}, "at least one condition"),
    (422, "conditions", {"conditions": [0]}, "has no condition 0; its conditions are 1, 2, 3"),
    (422, "conditions", {"conditions": [4]}, "has no condition 4"),
    (422, "conditions", {"conditions": [-1, 2]}, "has no condition -1"),
    (422, "conditions", {"conditions": [1, 3, 1]}, "Condition 1 is given twice"),
    (400, "narrative", {"narrative": None}, "narrative is required"),
    (400, "narrative", {"narrative": ["shouted"]}, "must be a string"),
    (422, "narrative", {"narrative": ""}, "Say what happened"),
    (422, "narrative", {"narrative": " \n\t "}, "Say what happened"),
    (422, "narrative", {"narrative": "x" * 10001}, "10000 characters or fewer"),
    (400, "arrested", {"arrested": None}, "arrested is required"),
    (400, "arrested", {"arrested": "true"}, "true or false"),
    (400, "arrested", {"arrested": 1}, "true or false"),
    (400, "reported_how", {"reported_how": 7}, "must be a string"),
    (422, "reported_how", {"reported_how": "carrier_pigeon"}, "Choose how it was reported"),
    (400, "protected_person_told", {"protected_person_told": "yes"}, "true or false"),
    (400, "protected_ref", {"protected_ref": ""}, "non-empty string"),
    (422, "protected_ref", {"protected_ref": "P10"}, "is not protected by order RO/2026/9"),
    (400, "victim", {"victim": "P20"}, "is not a field of a breach"),
]


@pytest.mark.parametrize(("status", "field", "changes", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_every_bad_field_gets_a_4xx_naming_it_and_nothing_is_written(
    client, order, officer_token, status, field, changes, message
):
    payload = body(**changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    response = post(client, officer_token, payload)
    answer = response.get_json()
    assert response.status_code == status, answer
    assert answer["field"] == field
    assert message in answer["error"]
    assert written() == (0, 1, 0)


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "field"),
    [
        (b"", "application/json", 400, "body"),
        (b"   ", "application/json", 400, "body"),
        (b"{not json", "application/json", 400, "body"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "body"),
        (b"[1, 2, 3]", "application/json", 400, "body"),
        (b'"a string"', "application/json", 400, "body"),
        (b"null", "application/json", 400, "body"),
        (b"order_ref=RO/2026/9", "application/x-www-form-urlencoded", 415, "Content-Type"),
        (json.dumps(body()).encode(), "text/plain", 415, "Content-Type"),
    ],
)
def test_a_missing_or_malformed_body_gets_a_4xx_naming_it(
    client, order, officer_token, raw, content_type, status, field
):
    response = post(client, officer_token, raw=raw, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["field"] == field
    assert written() == (0, 1, 0)


def test_an_order_not_in_force_because_it_ended_or_was_revoked_is_refused(client, order, officer_token):
    order.revoked_on = TODAY - timedelta(days=2)
    db.session.commit()
    response = post(client, officer_token, body())
    assert response.status_code == 422
    assert response.get_json()["field"] == "occurred_at"
    assert "revoked on" in response.get_json()["error"]
    # Before the revocation it was in force.
    response = post(client, officer_token, body(occurred_at=iso(AN_HOUR_AGO - timedelta(days=5))))
    assert response.status_code == 201


def test_all_fields_at_fault_are_listed(client, order, officer_token):
    response = post(client, officer_token, body(conditions=[9], narrative="", occurred_at=FUTURE))
    answer = response.get_json()
    assert response.status_code == 422
    assert set(answer["errors"]) == {"conditions", "narrative", "occurred_at"}
    assert answer["field"] in answer["errors"]


def test_a_get_is_not_allowed(client, order, officer_token):
    response = client.get(URL, headers={"Authorization": f"Bearer {officer_token}"})
    assert response.status_code == 405
    assert response.get_json()["error"]


# ---- retries: Idempotency-Key -------------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_logs_one_breach(client, order, officer_token):
    headers = {"Idempotency-Key": "6f1c2b9e-3a1d-4d8e-9a57-0c3f5b2e8d11"}
    first = post(client, officer_token, body(), headers=headers)
    second = post(client, officer_token, body(), headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json() == second.get_json()
    assert written() == (1, 2, 1)
    assert db.session.scalars(sa.select(Breach)).one().submission_key.endswith(":6f1c2b9e-3a1d-4d8e-9a57-0c3f5b2e8d11")


def test_an_idempotency_key_reused_for_a_different_breach_is_refused(client, order, officer_token):
    headers = {"Idempotency-Key": "key-1"}
    assert post(client, officer_token, body(), headers=headers).status_code == 201
    response = post(client, officer_token, body(conditions=[2]), headers=headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "Idempotency-Key"
    assert written() == (1, 2, 1)


def test_idempotency_keys_belong_to_their_user(client, make_user, order, officer_token):
    other = token_for(make_user, "pc.other", "officer")
    headers = {"Idempotency-Key": "same-key"}
    assert post(client, officer_token, body(), headers=headers).status_code == 201
    assert post(client, other, body(), headers=headers).status_code == 201
    assert written() == (2, 3, 2)


@pytest.mark.parametrize("key", ["", "   ", "k" * 201, "clé-unicode"])
def test_a_bad_idempotency_key_is_refused(client, order, officer_token, key):
    response = post(client, officer_token, body(), headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.get_json()["field"] == "Idempotency-Key"
    assert written() == (0, 1, 0)


def test_without_a_key_each_post_is_a_new_breach(client, order, officer_token):
    assert post(client, officer_token, body()).status_code == 201
    assert post(client, officer_token, body()).status_code == 201
    assert count(Breach) == 2


# ---- the OpenAPI document -----------------------------------------------------------------------


def test_the_openapi_document_describes_the_breach_api(client, officer_token):
    document = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {officer_token}"}).get_json()
    post_op = document["paths"]["/breaches"]["post"]
    schema = post_op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"order_ref", "occurred_at", "conditions", "narrative", "arrested"}
    assert "UTC" in schema["properties"]["occurred_at"]["description"]
    assert {"201", "200", "400", "401", "403", "415", "422"} <= set(post_op["responses"])
    created = post_op["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(created["required"]) == {"breach_ref", "event_ref", "score"}
    assert created["properties"]["score"]["required"] == [
        "person_ref",
        "priority",
        "harm",
        "opportunity",
        "R",
        "F",
        "G",
        "V",
        "levers",
        "flags",
    ]
    assert [p["name"] for p in post_op["parameters"]] == ["Idempotency-Key"]
