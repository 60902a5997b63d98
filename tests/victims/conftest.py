"""Fixtures for the victims part: users of every role, a victim with two perpetrators, and helpers
that fill a DASH or build form data."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.base import local_today
from app.victims.dash.questions import DASH_QUESTIONS
from tests.factories import make_event, make_person

TODAY = local_today()


def answers(yes: int, *, escalation: bool = False) -> dict[int, str]:
    """27 answers with `yes` yes answers (escalation questions 13 and 14 last unless asked for)."""
    order = [n for n in DASH_QUESTIONS if n not in (13, 14)] + [13, 14]
    if escalation:
        order = [13, 14] + [n for n in DASH_QUESTIONS if n not in (13, 14)]
    chosen = set(order[:yes])
    return {n: "yes" if n in chosen else "no" for n in DASH_QUESTIONS}


def dash_form(yes: int, **overrides) -> dict:
    data = {f"q{n}": a for n, a in answers(yes).items()}
    data |= {"assessed_on": TODAY.isoformat(), "grade": "", "judgement_reason": "", "event_ref": "", "suspect_ref": ""}
    return data | overrides


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    pc2 = make_user("pc.ambrose", "officer", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    referral = make_user("rf.stone", "referral")
    admin = make_user("ad.min", "admin")
    victim = make_person("V100", surname="Bellamy", forenames="Freya", district="Northgate")
    perp = make_person("S100", surname="Ashworth", forenames="Dominic", district="Northgate")
    perp2 = make_person("S200", surname="Crowther", forenames="Gideon")
    e1 = make_event(perp, victim, TODAY - timedelta(days=200), "abh", ref="E-OLD")
    e2 = make_event(perp2, victim, TODAY - timedelta(days=20), "common_assault", ref="E-NEW", source="manual")
    return SimpleNamespace(
        sup=sup,
        pc=pc,
        pc2=pc2,
        analyst=analyst,
        referral=referral,
        admin=admin,
        victim=victim,
        perp=perp,
        perp2=perp2,
        events=(e1, e2),
    )
