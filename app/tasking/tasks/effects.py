"""What a task's outcome does to the record: the one catalogue of outcome effects, and applying it.

Completing a task closes the loop back to the ranking: an arrest on a warrant task ends the
outstanding_warrant lever; a revoked firearms certificate ends firearms_certificate; a breach
enforcement task's outcome becomes its breach's outcome (an arrest or a charge clears the derived
breach_unactioned lever). Each effect goes through its owner's service (levers: offenders; breach
outcomes: orders), which audits it; the person is then re-scored once, at once, and the officer is
told what changed ("Outstanding warrant: lever ended; priority 155 → 130").

A task about a lever (a warrant task, or a lever action naming its lever) whose outcome changes
nothing on the record needs a note saying why: "no further action" on a firearms review keeps the
certificate lever active, and the note says why it was kept.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.models import User
from app.base import ValidationFailed, local_today
from app.catalogue import TASK_OUTCOMES, LeverType
from app.extensions import db
from app.offenders.levers import services as levers
from app.orders.breaches import services as breaches
from app.orders.models import Breach
from app.ranking import services as ranking
from app.tasking.models import Task


@dataclass(frozen=True)
class Effect:
    kind: str  # "end_lever" or "breach_outcome"
    target: str | None = None  # a lever code (None: the task's own lever) or a breach outcome code


def ends(lever: str | None = None) -> Effect:
    return Effect("end_lever", lever)


def sets_breach_outcome(outcome: str) -> Effect:
    return Effect("breach_outcome", outcome)


# Task type -> outcome -> what it does. An outcome not listed changes nothing on the record.
OUTCOME_EFFECTS: dict[str, dict[str, tuple[Effect, ...]]] = {
    "warrant": {
        "arrested": (ends("outstanding_warrant"), ends("wanted_circulated")),
        "charged": (ends("outstanding_warrant"), ends("wanted_circulated")),
    },
    "arrest": {
        "arrested": (ends("wanted_circulated"), ends("outstanding_warrant")),
        "charged": (ends("wanted_circulated"), ends("outstanding_warrant")),
    },
    "breach_enforcement": {
        "arrested": (sets_breach_outcome("arrest"),),
        "charged": (sets_breach_outcome("charge"),),
        "recalled": (sets_breach_outcome("recall"),),
        "cautioned": (sets_breach_outcome("caution"),),
        "returned_to_court": (sets_breach_outcome("returned_to_court"),),
        "no_further_action": (sets_breach_outcome("nfa"),),
    },
    "lever_action": {
        "lever_ended": (ends(),),
        "certificate_revoked": (ends("firearms_certificate"),),
        "recalled": (ends("licence_recall_possible"), ends()),
        "arrested": (ends(),),
        "charged": (ends(),),
    },
}

# The lever a task type is about whatever its record says.
LEVER_OF_TYPE = {"warrant": "outstanding_warrant"}

# A breach's outcome, recorded on the breach, closes its enforcement task with this outcome.
TASK_OUTCOME_FOR_BREACH = {
    "arrest": "arrested",
    "charge": "charged",
    "recall": "recalled",
    "caution": "cautioned",
    "returned_to_court": "returned_to_court",
    "nfa": "no_further_action",
}


def task_lever(task: Task) -> str | None:
    """The lever the task is about, if any."""
    return task.lever or LEVER_OF_TYPE.get(task.task_type)


def effects_of(task_type: str, outcome: str | None, lever: str | None = None) -> list[Effect]:
    """The effects of an outcome on a task, with "the task's own lever" made concrete."""
    found = []
    for effect in OUTCOME_EFFECTS.get(task_type, {}).get(outcome or "", ()):
        if effect.kind == "end_lever" and effect.target is None:
            if lever is None:
                continue
            effect = ends(lever)
        if effect not in found:
            found.append(effect)
    return found


def describe(task_type: str, lever: str | None, lever_labels: dict[str, str]) -> dict[str, str]:
    """{outcome: what it does, in words} for the completion form ("ends Outstanding warrant")."""
    out = {}
    for outcome in OUTCOME_EFFECTS.get(task_type, {}):
        words = []
        for effect in effects_of(task_type, outcome, lever):
            if effect.kind == "end_lever":
                words.append(f"ends {lever_labels.get(effect.target, effect.target)} if active")
            else:
                words.append(f"records the breach's outcome as {breaches.BREACH_OUTCOMES[effect.target].lower()}")
        if words:
            out[outcome] = "; ".join(words)
    return out


@dataclass
class Applied:
    """What an outcome did: lines to show and audit, and the score before and after."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False
    priority_before: int | None = None
    priority_after: int | None = None
    ranked_after: bool = False


def _labels() -> dict[str, str]:
    return dict(db.session.execute(sa.select(LeverType.code, LeverType.label)).all())


def priority_now(person) -> int | None:
    """The person's current priority, read through ranking (None: not ranked)."""
    held = ranking.current_score(person)
    row = held[0] if isinstance(held, tuple) else held
    return getattr(row, "priority", None) if row is not None else None


def changes_something(task: Task, outcome: str) -> bool:
    """Whether recording this outcome would change the record (a lever ended, a breach's outcome)."""
    for effect in effects_of(task.task_type, outcome, task.lever):
        if effect.kind == "end_lever" and task.person is not None:
            record = levers.latest_lever_record(task.person, effect.target)
            if record is not None and record.active:
                return True
        elif effect.kind == "breach_outcome" and task.breach_id is not None:
            breach = db.session.get(Breach, task.breach_id)
            if breach is not None and breach.outcome != effect.target:
                return True
    return False


def check_reason(task: Task, outcome: str | None, note: str, errors: dict) -> None:
    """A task about a lever whose outcome changes nothing needs a note saying why."""
    lever = task_lever(task)
    if lever is None or outcome not in TASK_OUTCOMES or note or changes_something(task, outcome):
        return
    label = _labels().get(lever, lever)
    errors["note"] = (
        f"This outcome changes nothing on the record ({label} stays as it is): say why, for example why the "
        "lever is kept or was already dealt with."
    )


def _end_lever(task: Task, code: str, outcome: str, user: User, labels: dict[str, str]) -> str | None:
    person = task.person
    record = levers.latest_lever_record(person, code)
    label = labels.get(code, code)
    if record is None or not record.active:
        return f"{label} was not active, so nothing changed" if code == task_lever(task) else None
    today = local_today()
    if record.noted_on >= today:
        return f"{label} was noted only today, so it can be ended from tomorrow (end it on the profile)"
    try:
        levers.end_lever(
            person,
            code,
            today,
            f"Ended by the outcome of task {task.id} ({TASK_OUTCOMES[outcome].lower()}): {task.title}",
            expected_record_id=record.id,
            expected_version=record.version_id,
            actor=Actor.of(user),
            commit=False,
        )
    except ValidationFailed as exc:
        return f"{label} not ended: {' '.join(exc.errors.values())}"
    return f"{label}: lever ended"


def _set_breach_outcome(task: Task, code: str, user: User) -> tuple[str | None, dict | None, bool]:
    """(line, score after, whether it changed anything)."""
    breach = db.session.get(Breach, task.breach_id) if task.breach_id else None
    if breach is None:
        return None, None, False
    label = breaches.BREACH_OUTCOMES[code].lower()
    if breach.outcome == code:
        return f"Breach {breach.ref} already had the outcome {label}", None, False
    score = breaches.record_outcome(breach, code, expected_version=breach.version_id, user=user, commit=False)
    acted = breaches.EVENT_OUTCOME_FOR[code] in ("arrest", "charge")
    return (
        f"Breach {breach.ref} outcome recorded as {label}" + ("; the breach is no longer unactioned" if acted else ""),
        score,
        True,
    )


def apply(task: Task, outcome: str, *, user: User) -> Applied:
    """Carry out the outcome's effects in the caller's transaction and re-score the person once.

    Raises EditConflict when a lever or breach changed under us (the caller rolls back).
    """
    applied = Applied()
    person = task.person
    if person is None:
        return applied
    applied.priority_before = priority_now(person)
    labels = _labels()
    score, rescored = None, False
    for effect in effects_of(task.task_type, outcome, task.lever):
        if effect.kind == "end_lever":
            line = _end_lever(task, effect.target, outcome, user, labels)
            applied.changed |= bool(line) and line.endswith(" ended")
        else:
            line, score, changed = _set_breach_outcome(task, effect.target, user)
            applied.changed |= changed
            rescored |= changed
        if line:
            applied.lines.append(line)
    if applied.changed and not rescored:
        # A lever ended: the register re-scored the person as it ended it (in this transaction);
        # read the score it left rather than re-scoring a second time.
        after = priority_now(person)
        score = {"priority": after} if after is not None else None
    if applied.changed:
        applied.ranked_after = score is not None
        applied.priority_after = score["priority"] if score else None
        applied.lines.append(_score_line(applied))
    return applied


def _score_line(applied: Applied) -> str:
    before, after = applied.priority_before, applied.priority_after
    if before is None and after is None:
        return "not ranked"
    if after is None:
        return f"priority {before} → not ranked"
    if before is None:
        return f"priority {after} (not ranked before)"
    if before == after:
        return f"priority unchanged at {after} (its other levers still reach the cap)"
    return f"priority {before} → {after}"
