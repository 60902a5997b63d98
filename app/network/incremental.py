"""Recompute only the linked networks a change touched: an event recorded or corrected, a
relationship recorded, two persons merged. Answers the `network_changed` signal (app.signals).

The touched persons' networks (as stored) are widened until closed, in case a change joined two
networks or reached persons the stored rows do not know yet; then those persons' events are read
and the same code as the full computation (app.network.table) works out their networks and
findings, which replace the old rows. Runs in the caller's transaction, so the findings commit
with the change, or not at all.
"""

import logging
from datetime import date

import numpy as np
import sqlalchemy as sa

from app import signals
from app.base import id_list, today
from app.extensions import db
from app.network import store
from app.network.models import FindingsRun, NetworkChange, NetworkMember
from app.network.table import findings_of, linked_networks, load_events, load_links, network_rows

log = logging.getLogger("achilles.network")


def _networks_of(session, persons) -> set[int]:
    if not persons:
        return set()
    return set(
        session.scalars(
            sa.select(NetworkMember.network_id).where(NetworkMember.person_id.in_(id_list("p", persons))).distinct()
        )
    )


def _members_of(session, networks) -> set[int]:
    if not networks:
        return set()
    return set(
        session.scalars(sa.select(NetworkMember.person_id).where(NetworkMember.network_id.in_(id_list("n", networks))))
    )


def has_findings(session) -> bool:
    """Whether a full computation has ever succeeded (before that, nothing is stored to update)."""
    return session.scalar(sa.select(FindingsRun.id).where(FindingsRun.status == "done").limit(1)) is not None


def update_networks(session, person_ids, *, reason: str | None = None, as_of: date | None = None) -> int:
    """Recompute the networks of these persons (and any network a change joined to them) and
    their findings, as of `as_of` (today). Returns the number of networks written."""
    ids = sorted({int(p) for p in person_ids if p is not None})
    if not ids:
        return 0
    session.flush()
    store.lock(session)
    for person_id in ids:
        session.add(NetworkChange(person_id=person_id, reason=(reason or "")[:200] or None))
    session.flush()
    if not has_findings(session):
        return 0  # the first full computation will include this change
    as_of = as_of or today()
    scope = set(ids)
    old = _networks_of(session, scope)
    scope |= _members_of(session, old)
    while True:
        events, links = load_events(session, scope), load_links(session, scope)
        ends = set(np.concatenate([events.suspect, events.victim, links.a, links.b]).tolist())
        outside = ends - scope
        if not outside:
            break
        more = _networks_of(session, outside) - old
        old |= more
        scope |= outside | _members_of(session, more)
    rows = network_rows(events, linked_networks(events, links))
    found = findings_of(events, links, as_of)
    store.delete_for(session, sorted(scope), sorted(old))
    store.write(session, store.network_table_rows(rows, as_of) | store.finding_rows(found, as_of))
    return len(rows.networks)


def on_network_changed(person_ids, **kwargs) -> int | None:
    """The `network_changed` receiver: update at once, inside a savepoint, so that a failure here
    never loses the caller's change. A failed update is logged and left for the nightly run."""
    session = db.session
    session.flush()
    try:
        with session.begin_nested():
            return update_networks(session, person_ids, reason=kwargs.get("reason"))
    except Exception:
        log.exception("network findings not updated for persons %s; the next full computation will", person_ids)
        for person_id in sorted({int(p) for p in person_ids if p is not None}):
            session.add(NetworkChange(person_id=person_id, reason="update failed", applied=False))
        return None


def connect_signals() -> None:
    """Answer `network_changed`; called when the app is built (connecting twice changes nothing)."""
    signals.network_changed.connect(on_network_changed)
