"""The scheduler's heartbeat: written by the leader's own interval job, read by `/readyz`.

The heartbeat job is not one of the scheduled jobs in `app.scheduler.JOBS`: it claims no
(job, period) row, so it costs one small UPDATE every SCHEDULER_HEARTBEAT_SECONDS. Times come from
the database's clock, for writing and for reading, so a web host whose clock drifts from the
scheduler host's still judges the age right.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db
from app.operations.models import SchedulerHeartbeat

log = logging.getLogger("achilles.scheduler")


def beat(app: Flask, leading_since: datetime) -> None:
    """Record that this process leads and is alive. A failure is logged, never raised (the next beat retries)."""
    host, values = socket.gethostname(), {"pid": os.getpid(), "leading_since": leading_since}
    with app.app_context():
        try:
            for _attempt in range(2):
                touched = db.session.execute(
                    sa.update(SchedulerHeartbeat)
                    .where(SchedulerHeartbeat.hostname == host)
                    .values(last_seen=sa.func.now(), **values)
                ).rowcount
                if not touched:
                    db.session.add(SchedulerHeartbeat(hostname=host, last_seen=sa.func.now(), **values))
                try:
                    db.session.commit()
                    return
                except IntegrityError:  # another process inserted this host's row first: update it
                    db.session.rollback()
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("scheduler heartbeat not written: %s", type(exc).__name__, extra={"job": "heartbeat"})


@dataclass(frozen=True)
class LastBeat:
    hostname: str
    age_seconds: float


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def last_beat(connection: sa.Connection) -> LastBeat | None:
    """The most recent heartbeat and its age by the database's clock, or None if none was ever written."""
    row = connection.execute(
        sa.select(SchedulerHeartbeat.hostname, SchedulerHeartbeat.last_seen, sa.func.now().label("now"))
        .order_by(SchedulerHeartbeat.last_seen.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return LastBeat(row.hostname, (_aware(row.now) - _aware(row.last_seen)).total_seconds())


def describe() -> str:
    """One line for `flask scheduler status`: which host last beat, and how long ago."""
    with db.engine.connect() as connection:
        beat = last_beat(connection)
    if beat is None:
        return "heartbeat: none recorded (no scheduler has led since this release was installed)"
    return f"heartbeat: {beat.hostname}, {round(beat.age_seconds)} s ago"
