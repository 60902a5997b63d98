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

network_changed = _signals.signal(
    "network-changed",
    doc="""Some persons' links changed: a DA event recorded or corrected (send the persons before and
    after the change), a relationship recorded, two persons merged (send both ids, the one kept
    and the one merged away). Sender: the list of person ids; kwargs: `reason` (a few words, for
    the log). Send it after the change is flushed and before the commit: the network part
    recomputes only the linked networks of those persons, in the same transaction
    (app.network.incremental). Its answer is the number of networks rewritten.""",
)


dash_facts_wanted = _signals.signal(
    "dash-facts-wanted",
    doc="""MARAC's rules want the DASH assessments of persons at risk. Sender: a list of person ids,
    or None for everyone; kwargs: `since`, `as_of` (assessed between them, inclusive). Victims
    answers {person id: [referrals.forums.services.DashFact, ...]}, oldest first.""",
)

consultation_exempt = _signals.signal(
    "consultation-exempt",
    doc="""Is this record in the user's own open work, so that opening it needs no stated reason?
    Sender: the object type ("person", "victim"); kwargs: `object_ref`, `user`. A part answers with
    a few words saying why ("in your open tasks") or None; any answer exempts.""",
)

persons_merged = _signals.signal(
    "persons-merged",
    doc="""Two person records were found to be one person: every row about `from_id` must now be
    about `into_id`. Sender: the PersonMerge; kwargs: `from_id`, `into_id`, `merge_id`, `actor`.

    Contract (every part that holds rows naming a person answers it, in the merge's transaction):
    - re-point your own rows from `from_id` to `into_id` (bump `version_id` on versioned rows, so an
      edit begun before the merge is refused as a conflict);
    - return a JSON-able dict saying exactly what you moved, e.g. {"tasks": [ids]}: it is stored
      on the merge and handed back on undo;
    - if a row cannot move (it would break one of your rules: two open referrals to the same
      programme, an event with the same person as suspect and victim), raise
      `app.base.ValidationFailed({"merge": "what to do first"})`: the whole merge is refused and
      nothing is written.
    The receiver must not commit. Orders, tasking, referrals, victims and network answer it (ranking
    answers `rerank_wanted`, which the merge sends after).""",
)

persons_unmerged = _signals.signal(
    "persons-unmerged",
    doc="""A merge is undone. Sender: the PersonMerge; kwargs: `from_id`, `into_id`, `moved` (the
    dict this part returned for the merge, possibly None), `actor`. Move exactly those rows back to
    `from_id`; rows added since the merge stay with `into_id`. Return nothing; do not commit.""",
)

rerank_wanted = _signals.signal(
    "rerank-wanted",
    doc="""The register changed in a way that touches more than one person's ranking (a merge or its
    undo): rank everyone again now, in the caller's transaction (no commit). Sender: a few words
    saying why; kwargs: `actor`. Ranking answers with the stored run (or None when nothing has ever
    been ranked, so there is no current ranking to keep true).""",
)

person_disposed = _signals.signal(
    "person-disposed",
    doc="""A person's record was disposed of after a recorded MoPI review: anonymise what you hold
    about them. Sender: the person id; kwargs: `actor`. Clear free text that could identify them
    (narratives, notes, addresses) and keep what counts need (dates, types, outcomes). Return a
    dict of what you cleared, e.g. {"breach_narratives": 3}; do not commit.""",
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
