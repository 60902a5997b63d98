"""One open programme referral per person and programme, held by the database (issue 15, item 3):
ten users identifying the same person at the same moment make one referral, and the others are told."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.base import today
from app.extensions import db
from app.referrals.programmes.models import ProgrammeReferral
from tests.factories import make_event, make_person, make_referral

PARALLEL = 10


@pytest.fixture
def perpetrator(app):
    person = make_person("P1")
    make_event(person, make_person("V1"), today() - timedelta(days=10))
    return person


def test_ten_parallel_identify_requests_make_one_open_referral(app, make_user, login, perpetrator):
    clients = [login(make_user(f"pc{i}", "officer"), app.test_client()) for i in range(PARALLEL)]
    db.session.remove()  # the threads use their own sessions; this one must hold no lock
    start = threading.Barrier(PARALLEL)
    answers = []

    def identify(client):
        start.wait()
        response = client.post("/referrals/persons/P1/identify", data={"programme": "", "note": "Race"})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=identify, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == PARALLEL
    assert [code for code, _ in answers].count(302) == 1
    refused = [text for code, text in answers if code != 302]
    assert all(code == 400 for code, _ in answers if code != 302)
    assert all("already has an open referral" in text for text in refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeReferral)) == 1


def test_the_database_refuses_a_second_open_referral_for_the_same_programme(app, perpetrator):
    make_referral(perpetrator, "referred", programme="drive")

    def add(n, programme, state):
        db.session.add(
            ProgrammeReferral(
                ref=f"X{n}",
                person_id=perpetrator.id,
                programme_code=programme,
                state=state,
                identified_on=today(),
                state_on=today(),
                version_id=1,
            )
        )
        db.session.commit()

    for n, (programme, state, allowed) in enumerate(
        [
            ("drive", "started", False),  # a second open Drive referral
            ("drive", "completed", True),  # closed ones do not count
            (None, "identified", True),  # programme not chosen yet: its own slot
            (None, "identified", False),
            ("respect_dvpp", "referred", True),  # another programme
        ]
    ):
        if allowed:
            add(n, programme, state)
        else:
            with pytest.raises(IntegrityError):
                add(n, programme, state)
            db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeReferral)) == 4
