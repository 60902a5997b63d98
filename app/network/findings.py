"""The full computation of the network findings, run by the scheduler every night and after each
import: read every event once (streamed into columns), work out the linked networks and the
findings network by network, and replace the stored rows in one transaction.

A failure anywhere leaves the previous findings as they were (the transaction rolls back), records
the failed run with its error and raises an alert to analysts and admins; the pages go on showing
the last good findings and say when they were computed. Changes recorded while the computation
ran (incremental updates that committed after it read the events) are applied again before it
commits, so a full run never overwrites a newer update.
"""

import gc
import logging
import time
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.base import today, utcnow
from app.extensions import db
from app.network import store
from app.network.incremental import update_networks
from app.network.models import (
    FindingsRun,
    LinkedNetwork,
    NetworkChange,
    NetworkMember,
    RepeatVictimFinding,
    RightToKnowFinding,
    SerialFinding,
)
from app.network.table import (
    Findings,
    chunks_by_network,
    findings_of,
    linked_networks,
    links_within,
    load_events,
    load_links,
    network_rows,
)

log = logging.getLogger("achilles.network")
# An update whose transaction began before the full run read the events may commit after it:
# changes this much older than the run's start are applied again too (re-applying is harmless).
REPLAY_MARGIN = timedelta(minutes=15)
KEEP_CHANGES = timedelta(days=2)


class FindingsFailed(Exception):
    """The full computation failed; the previous findings are kept."""


def compute(session, as_of: date):
    """Every network and finding of the register as of a day, as rows for the tables."""
    events = load_events(session)
    links = load_links(session)
    networks = linked_networks(events, links)
    tables = store.network_table_rows(network_rows(events, networks), as_of)
    found = Findings()
    for index in chunks_by_network(events, networks):
        part = events.take(index)
        persons = np.unique(np.concatenate([part.suspect, part.victim]))
        some = findings_of(part, links_within(links, persons) if len(links.kinds) else links, as_of)
        found.serial.update(some.serial)
        found.repeat.update(some.repeat)
        found.candidates.extend(some.candidates)
    found.candidates.sort(key=lambda c: (-c.last_seen_on.toordinal(), c.suspect_id, c.new_victim_id))
    tables |= store.finding_rows(found, as_of)
    return tables


def compute_findings(*, trigger: str, actor: Actor, as_of: date | None = None) -> FindingsRun:
    """Compute every finding and replace the stored ones in one transaction (or keep them all,
    on failure: then FindingsFailed is raised after the failed run and its alert are recorded)."""
    as_of = as_of or today()
    session = db.session
    session.commit()
    run = FindingsRun(trigger=trigger, as_of=as_of, status="running", started_at=utcnow())
    session.add(run)
    session.commit()
    run_id, started = run.id, time.perf_counter()
    collecting = gc.isenabled()
    try:
        gc.disable()  # hundreds of thousands of short-lived objects: reference counting frees them
        tables = compute(session, as_of)
        _replace(session, run_id, tables, as_of, actor)
    except Exception as exc:
        session.rollback()
        _record_failure(session, run_id, exc, actor)
        raise FindingsFailed(str(exc)) from exc
    finally:
        if collecting:
            gc.enable()
    run = session.get(FindingsRun, run_id)
    run.seconds = round(time.perf_counter() - started, 3)
    session.commit()
    log.info("network findings computed in %.1f s", run.seconds)
    return run


def _replace(session, run_id: int, tables: dict, as_of: date, actor: Actor) -> None:
    """Swap the stored findings for the new ones, then apply the changes made meanwhile."""
    run = session.get(FindingsRun, run_id)
    store.lock(session)
    store.delete_everything(session)
    store.write(session, tables)
    since = run.started_at - REPLAY_MARGIN
    changed = sorted(set(session.scalars(sa.select(NetworkChange.person_id).where(NetworkChange.changed_at >= since))))
    session.execute(sa.delete(NetworkChange.__table__).where(NetworkChange.changed_at < run.started_at - KEEP_CHANGES))
    run.status, run.finished_at = "done", utcnow()  # before the replay, which needs a good run
    session.flush()
    if changed:
        update_networks(session, changed, reason="applied again after a full computation", as_of=as_of)
    counts = {
        "persons": sa.select(sa.func.count()).select_from(NetworkMember),
        "networks": sa.select(sa.func.count()).select_from(LinkedNetwork),
        "serial": sa.select(sa.func.count()).select_from(SerialFinding),
        "repeat_victims": sa.select(sa.func.count()).select_from(RepeatVictimFinding),
        "candidates": sa.select(sa.func.count()).select_from(RightToKnowFinding),
    }
    for name, query in counts.items():
        setattr(run, name, session.scalar(query))
    audit.record(
        "create",
        f"computed the network findings ({run.trigger})",
        object_type="network_findings",
        object_ref=str(run.id),
        data={name: getattr(run, name) for name in counts} | {"as_of": as_of},
        actor=actor,
    )
    session.commit()


def _record_failure(session, run_id: int, exc: Exception, actor: Actor) -> None:
    run = session.get(FindingsRun, run_id)
    run.status, run.finished_at, run.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:2000]
    last_good = session.scalar(
        sa.select(FindingsRun.finished_at).where(FindingsRun.status == "done").order_by(FindingsRun.id.desc()).limit(1)
    )
    kept = f"the findings of {last_good:%d %b %Y %H:%M} UTC are still shown" if last_good else "none are stored yet"
    for role in ("analyst", "admin"):
        raise_alert(
            kind="network_findings",
            object_type="network_run",
            object_ref=f"{run.id}-{role}",
            due_on=today(),
            message=f"The network findings could not be computed ({run.trigger} run {run.id}); {kept}.",
            role=role,
        )
    audit.record(
        "create",
        f"network findings computation failed ({run.trigger})",
        object_type="network_findings",
        object_ref=str(run.id),
        data={"error": run.error},
        actor=actor,
    )
    session.commit()
    log.error("network findings computation %s failed: %s", run.id, run.error)


def after_import(*, actor: Actor) -> FindingsRun | None:
    """Recompute everything after an import; a failure is recorded and alerted, never raised,
    so the import (already committed) still reports success."""
    try:
        return compute_findings(trigger="import", actor=actor)
    except FindingsFailed:
        return None
