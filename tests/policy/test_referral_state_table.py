"""The programme-referral state table, written here from the specification and driven through the
real pages: every move it allows succeeds, every other move is refused with 409 and changes nothing.

DESIGN.md §6: identified → referred → screened → accepted | declined → started → completed |
dropped_out | withdrawn. docs/decisions.md #19: withdrawn from any state that is not final;
declined, completed, dropped_out and withdrawn are final; a reason is needed for declined,
dropped out and withdrawn, the whole screening checklist for screened.
Nothing here reads the app's own table of moves.
"""

import re
from collections import deque

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.referrals.programmes import services
from app.referrals.programmes.models import SCREENING_ITEMS, ProgrammeReferral, ReferralMove
from tests.factories import make_event, make_person

STATES = [
    "identified",
    "referred",
    "screened",
    "accepted",
    "declined",
    "started",
    "completed",
    "dropped_out",
    "withdrawn",
]
FINAL = {"declined", "completed", "dropped_out", "withdrawn"}
FORWARD = {
    ("identified", "referred"),
    ("referred", "screened"),
    ("screened", "accepted"),
    ("screened", "declined"),
    ("accepted", "started"),
    ("started", "completed"),
    ("started", "dropped_out"),
}
ALLOWED = FORWARD | {(state, "withdrawn") for state in STATES if state not in FINAL}
NEEDS_REASON = {"declined", "dropped_out", "withdrawn"}


def path_to(state: str) -> list[str]:
    """The moves from identified to `state`, found in the table above."""
    queue, seen = deque([["identified"]]), {"identified"}
    while queue:
        walk = queue.popleft()
        if walk[-1] == state:
            return walk[1:]
        for here, there in sorted(ALLOWED):
            if here == walk[-1] and there not in seen:
                seen.add(there)
                queue.append([*walk, there])
    raise AssertionError(f"{state} cannot be reached from identified")


def test_the_table_reaches_every_state_and_only_final_states_are_dead_ends():
    assert [state for state in STATES if state != "identified" and not path_to(state)] == []
    assert {state for state in STATES if not any(here == state for here, _ in ALLOWED)} == FINAL


@pytest.fixture
def worker(app, login, make_user):
    return login(make_user("ref.worker", "referral"), app.test_client())


_people = iter(range(1, 10_000))


def referral_in(client, state: str) -> str:
    """A new referral walked to `state` through the pages; its reference."""
    n = next(_people)
    perpetrator, victim = make_person(f"ST-P{n}"), make_person(f"ST-V{n}")
    make_event(perpetrator, victim, local_today())
    response = client.post(f"/referrals/persons/{perpetrator.ref}/identify", data={"programme": "", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    ref = re.fullmatch(r"/referrals/programme/(.+)", response.headers["Location"]).group(1)
    for to_state in path_to(state):
        response = move(client, ref, to_state)
        assert response.status_code == 302, (state, to_state, response.status_code)
        if to_state == "started":
            # A programme is completed only after a session attended (issue 12's rule): note one.
            services.add_attendance(
                current(ref), session_on=local_today(), attendance="attended", note=None, actor=Actor("test-setup")
            )
    return ref


def current(ref: str) -> ProgrammeReferral:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProgrammeReferral).where(ProgrammeReferral.ref == ref)).one()


def move(client, ref: str, to_state: str):
    """Ask for a move the way the page does: screening through its checklist, the rest by the move form."""
    today = local_today().isoformat()
    version = current(ref).version_id
    if to_state == "screened":
        answers = {f"item_{code}": "yes" for code in SCREENING_ITEMS}
        return client.post(
            f"/referrals/programme/{ref}/screen", data=answers | {"screened_on": today, "version_id": version}
        )
    data = {
        "to_state": to_state,
        "moved_on": today,
        "programme": "drive" if to_state == "referred" else "",
        "reason": "Recorded for the state-table test" if to_state in NEEDS_REASON else "",
        "version_id": version,
    }
    return client.post(f"/referrals/programme/{ref}/move", data=data)


def footprint(ref: str) -> tuple:
    referral = current(ref)
    moves = db.session.scalar(sa.select(sa.func.count()).where(ReferralMove.referral_id == referral.id))
    audited = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.object_type == "programme_referral", AuditEntry.object_ref == ref)
    )
    return referral.state, referral.version_id, referral.state_on, moves, audited


@pytest.mark.parametrize("from_state", STATES)
def test_every_move_from_a_state_is_allowed_or_refused_as_the_table_says(worker, from_state):
    refused = [to for to in STATES if (from_state, to) not in ALLOWED]
    held = referral_in(worker, from_state)
    before = footprint(held)
    for to_state in refused:
        # With every field filled in (a programme, a reason, the checklist), only the state machine can refuse.
        attempts = {
            "move form": {
                "to_state": to_state,
                "moved_on": local_today().isoformat(),
                "programme": "drive",
                "reason": "A reason, so that only the state machine can refuse",
            }
        }
        if to_state == "screened":
            attempts["screening form"] = {f"item_{c}": "yes" for c in SCREENING_ITEMS} | {
                "screened_on": local_today().isoformat()
            }
        for how, data in attempts.items():
            url = f"/referrals/programme/{held}/" + ("screen" if how == "screening form" else "move")
            response = worker.post(url, data=data | {"version_id": current(held).version_id})
            assert response.status_code == 409, f"{from_state} → {to_state} by the {how}: {response.status_code}"
            assert footprint(held) == before, f"{from_state} → {to_state} by the {how} changed the referral"

    for to_state in [to for to in STATES if (from_state, to) in ALLOWED]:
        ref = referral_in(worker, from_state)
        assert footprint(ref)[0] == from_state
        _, version, _, moves, audited = footprint(ref)
        response = move(worker, ref, to_state)
        assert response.status_code == 302, f"{from_state} → {to_state}: {response.status_code}"
        after = footprint(ref)
        assert after[0] == to_state
        assert (after[1], after[3], after[4]) == (version + 1, moves + 1, audited + 1), f"{from_state} → {to_state}"
        last = db.session.scalars(
            sa.select(ReferralMove).where(ReferralMove.referral_id == current(ref).id).order_by(ReferralMove.id.desc())
        ).first()
        assert (last.from_state, last.to_state) == (from_state, to_state)
