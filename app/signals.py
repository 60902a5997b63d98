"""Signals by which a part tells the parts above it that something happened, or asks them for
something, without importing them: a lower part never imports a higher one.

The receivers are connected by the part that owns the work (ranking re-scores, tasking raises
tasks) when the app is built, and run at once, in the caller's transaction: a breach, its event,
its task and the new score are written together or not at all. A receiver's return value is the
answer (`answer()` takes the first), so the caller can show it.
"""

from blinker import Namespace

_signals = Namespace()

scoring_facts_changed = _signals.signal(
    "scoring-facts-changed",
    doc="""A person's scoring facts changed (a breach, a breach's outcome, an event, a lever).
    Sender: the person id; kwargs: `trigger` (catalogue.SCORE_TRIGGERS), `actor`, `as_of`.
    Ranking re-scores the person at once and answers their ranked object (or None: not ranked).""",
)

score_wanted = _signals.signal(
    "score-wanted",
    doc="""A page wants a person's ranked object as of today, worked out now and not stored.
    Sender: the person id. Ranking answers it (or None: not ranked).""",
)

breach_logged = _signals.signal(
    "breach-logged",
    doc="""A breach was logged. Sender: the Breach; kwargs: `user`, `criminal`, `narrative`.
    Tasking raises the breach-enforcement task and answers it.""",
)

order_application_wanted = _signals.signal(
    "order-application-wanted",
    doc="""Someone asked for an "apply for a new order" task for an order about to end.
    Sender: the Order; kwargs: `user`. Tasking answers (task, raised_now).""",
)

tasks_wanted = _signals.signal(
    "tasks-wanted",
    doc="""A page wants the tasks about some records. Sender: "breach" or "order"; kwargs: `ids`,
    `task_type`, `open_only`. Tasking answers {record id: [Task, ...]}, oldest first.""",
)

breach_outcome_recorded = _signals.signal(
    "breach-outcome-recorded",
    doc="""A breach's outcome was recorded (from the breach's page or the API). Sender: the Breach;
    kwargs: `outcome` (orders' BREACH_OUTCOMES code), `user`. Tasking closes the breach's open
    enforcement tasks with the matching outcome and answers the tasks it closed.""",
)

open_tasks_counted = _signals.signal(
    "open-tasks-counted",
    doc="""A page wants the number of open tasks about some persons. Sender: the list of person
    ids. Tasking answers {person id: number of open tasks} (persons with none left out).""",
)


dash_facts_wanted = _signals.signal(
    "dash-facts-wanted",
    doc="""MARAC's rules want the DASH assessments of persons at risk. Sender: a list of person ids,
    or None for everyone; kwargs: `since`, `as_of` (assessed between them, inclusive). Victims
    answers {person id: [referrals.forums.services.DashFact, ...]}, oldest first.""",
)


pre_release_task_wanted = _signals.signal(
    "pre-release-task-wanted",
    doc="""Someone ranked high before custody, or with an order protecting a victim, is expected out
    of custody soon. Sender: the CustodyPeriod; kwargs: `person` (Person), `reasons` (list of str),
    `actor`. Tasking raises a pre-release planning task for the supervisors and answers it.""",
)


def answer(results, default=None):
    """The first receiver's return value from `signal.send(...)`, or `default` when none answered."""
    for _receiver, value in results:
        return value
    return default
