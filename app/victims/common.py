"""What every victims' service shares: who may see what, finding the victim and the records a form
names (events, assessments), and the checks of dates, times and texts, each with a plain message."""

from datetime import datetime

import sqlalchemy as sa

from app.auth.models import User
from app.base import local_zone, utcnow
from app.extensions import db
from app.offenders.models import DAEvent, Person, PersonCategory
from app.referrals.checks import check_date, check_length, clean
from app.tasking.models import Task
from app.tasking.tasks import rules as task_rules
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash.models import DashAssessment
from app.victims.hub.models import HubResponse

__all__ = ["check_date", "check_length", "clean"]

# Roles that work with victims: they record and read everything here, contact details included.
WORKERS = ("supervisor", "officer")
# Roles that read victims' records (analysts: never the contact preferences or the contact log).
READERS = ("supervisor", "officer", "analyst")
# Roles that read the Hub's and the feedback's figures (aggregates, no names).
FIGURE_READERS = ("supervisor", "analyst")
# The only roles ever shown a victim's contact preferences and contact log.
CONTACT_DETAIL_ROLES = frozenset(WORKERS)

MAX_NAME = 200
MAX_TEXT = 5000


def sees_contact_details(roles) -> bool:
    return bool(CONTACT_DETAIL_ROLES.intersection(roles or ()))


def find_person(ref: str | None) -> Person | None:
    ref = clean(ref)
    return db.session.scalar(sa.select(Person).where(Person.ref == ref)) if ref else None


def is_victim(person: Person) -> bool:
    """Recorded as a victim: the victim category (from a DA event), or a victims' record made here."""
    if db.session.get(PersonCategory, (person.id, "victim")) is not None:
        return True
    for model in (DashAssessment, HubResponse, ContactPreferences, VictimContact):
        if db.session.scalar(sa.select(model.id).where(model.person_id == person.id).limit(1)) is not None:
            return True
    return False


def check_moment(errors: dict, name: str, value: datetime | None, what: str, *, required: bool = True) -> None:
    """A date and time entered in UK local time: present (when required) and not in the future."""
    if value is None:
        if required:
            errors[name] = f"Enter {what}."
        return
    if value > utcnow():
        errors[name] = f"{what[0].upper()}{what[1:]} cannot be in the future."


def local_moment(value: datetime | None) -> datetime | None:
    """A form's naive date and time, read as UK local time (the officer's clock)."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()) if value.tzinfo is None else value


def victim_event(errors: dict, name: str, ref: str | None, person: Person, what: str) -> DAEvent | None:
    """The DA event a form names by reference, which must be an event against this victim."""
    ref = clean(ref)
    if not ref:
        return None
    event = db.session.scalar(sa.select(DAEvent).where(DAEvent.ref == ref))
    if event is None:
        errors[name] = f"No DA event has the reference {ref[:64]}."
    elif event.victim_id != person.id:
        errors[name] = f"Event {event.ref} is not an event against {person.full_name} ({person.ref}): {what}."
    return event if name not in errors else None


def victim_task(person: Person, task_id: int | None, user: User, errors: dict, types: tuple[str, ...]) -> Task | None:
    """The open task (of one of `types`) about this victim that a record completes, if the user may work it."""
    if task_id is None:
        return None
    task = db.session.get(Task, task_id)
    if task is None or task.person_id != person.id or task.task_type not in types:
        errors["task_id"] = f"That task is not a visit or contact task about {person.full_name}."
    elif task.status not in task_rules.OPEN_STATUSES:
        errors["task_id"] = f"Task {task.id} is already {task.status.replace('_', ' ')}: record this without it."
    elif not task_rules.can_work(user, task):
        errors["task_id"] = f"Task {task.id} is held by someone else: ask them or a supervisor to complete it."
    return task if "task_id" not in errors else None


def text_field(errors: dict, name: str, value: str | None, limit: int, what: str) -> str | None:
    value = clean(value)
    check_length(errors, name, value, limit, what)
    return value


def codes_field(errors: dict, name: str, values, vocabulary: dict, what: str) -> list[str]:
    """A list of vocabulary codes (checkboxes), in the vocabulary's order, each known."""
    values = list(values or [])
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        errors[name] = f"Choose {what} from the list."
        return []
    return [code for code in vocabulary if code in values]
