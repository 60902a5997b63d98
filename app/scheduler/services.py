"""Scheduled jobs, and the single process that runs them: `flask --app wsgi scheduler run`.

Exactly one scheduler runs however many web workers serve the app, by two guards:

1. Web workers never start a scheduler. The `scheduler run` process takes a leader lock (a
   PostgreSQL advisory lock held on its own connection, or an exclusive file lock beside the SQLite
   database); a second `scheduler run` stands by and takes over only if the first dies.
2. Every job run first claims its (job, period) row in `job_runs`, whose unique key makes a second
   claim fail. So even two schedulers (or a manual `scheduler run-job`) run a job once per period.
"""

import fcntl
import logging
import os
import socket
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.base import utcnow
from app.extensions import db
from app.operations import heartbeat
from app.scheduler.jobs import JOBS
from app.scheduler.models import JobRun

log = logging.getLogger("achilles.scheduler")
# A claim left "running" this long by a process that died may be taken again.
STALE_CLAIM = timedelta(hours=6)
LEADER_LOCK_KEY = zlib.crc32(b"achilles-scheduler-leader")


def period_of(name: str, now: datetime, every: int | None = None) -> str:
    if every:
        return f"every{every}s:{int(now.timestamp()) // every}"
    return now.strftime(JOBS[name].period_format)


def _claim(name: str, period: str) -> JobRun | None:
    """Claim (job, period) for this process, or None when it is done or being done elsewhere."""
    me = {"hostname": socket.gethostname(), "pid": os.getpid()}
    run = JobRun(job=name, period=period, status="running", **me)
    db.session.add(run)
    try:
        db.session.commit()
        return run
    except IntegrityError:
        db.session.rollback()
    # A failed run, or one abandoned by a dead process, may be retried; one UPDATE decides who.
    retaken = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.job == name, JobRun.period == period)
        .where(
            sa.or_(
                JobRun.status == "failed", (JobRun.status == "running") & (JobRun.started_at < utcnow() - STALE_CLAIM)
            )
        )
        .values(status="running", started_at=utcnow(), finished_at=None, detail=None, **me)
    ).rowcount
    db.session.commit()
    if retaken != 1:
        return None
    return db.session.scalar(sa.select(JobRun).where(JobRun.job == name, JobRun.period == period))


def run_job(app: Flask, name: str, *, now: datetime | None = None, every: int | None = None) -> bool:
    """Run job `name` for the period containing `now`, unless that period has been claimed. True if it ran."""
    now = now or datetime.now(UTC)
    with app.app_context():
        period = period_of(name, now, every)
        fields = {"job": name, "period": period}
        run = _claim(name, period)
        if run is None:
            log.info("job %s for %s already claimed; skipped", name, period, extra=fields | {"status": "skipped"})
            return False
        started = time.perf_counter()
        fields["job_run_id"] = run.id
        try:
            detail = JOBS[name].func(now)
        except Exception as exc:
            db.session.rollback()
            run = db.session.get(JobRun, run.id)
            run.status, run.finished_at, run.detail = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
            log.exception("job %s for %s failed", name, period, extra=fields | _outcome("failed", started))
            return False
        run = db.session.get(JobRun, run.id)
        run.status, run.finished_at, run.detail = "done", utcnow(), detail
        db.session.commit()
        log.info("job %s for %s done: %s", name, period, detail, extra=fields | _outcome("done", started))
        return True


def _outcome(status: str, started: float) -> dict:
    return {"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}


def run_on_start(app: Flask, *, now: datetime | None = None) -> list[str]:
    """Run each job marked on_start for its current period (a period already run is skipped), so
    the alerts for what is already due are raised when the scheduler starts. The jobs that ran."""
    return [name for name, spec in JOBS.items() if spec.on_start and run_job(app, name, now=now)]


def build_scheduler(app: Flask, *, blocking: bool = True, every: int | None = None):
    """A scheduler with every job; `every` (seconds) replaces the schedules, for tests and drills."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=UTC, job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1})
    for name, spec in JOBS.items():
        trigger = IntervalTrigger(seconds=every, timezone=UTC) if every else CronTrigger(timezone=UTC, **spec.trigger)
        scheduler.add_job(
            run_job,
            trigger,
            args=[app, name],
            kwargs={"every": every},
            id=name,
            name=spec.description,
            replace_existing=True,
        )
    # The heartbeat that /readyz reads: its own interval job, outside the (job, period) claims.
    scheduler.add_job(
        heartbeat.beat,
        IntervalTrigger(seconds=app.config["SCHEDULER_HEARTBEAT_SECONDS"], timezone=UTC),
        args=[app, datetime.now(UTC)],
        id="heartbeat",
        name="scheduler heartbeat",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    return scheduler


class LeaderLock:
    """Held by the one scheduler process that runs jobs; released when the process ends."""

    def __init__(self, app: Flask):
        self.app = app
        self.connection = None
        self.file = None

    def acquire(self) -> bool:
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                connection = db.engine.connect()
                if connection.execute(sa.select(sa.func.pg_try_advisory_lock(LEADER_LOCK_KEY))).scalar():
                    connection.commit()
                    self.connection = connection  # the lock lives as long as this connection
                    return True
                connection.close()
                return False
            path = Path(self.app.config.get("SCHEDULER_LOCK_FILE") or Path(self.app.instance_path) / "scheduler.lock")
            handle = path.open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self.file = handle
            return True

    def release(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.file is not None:
            self.file.close()
            self.file = None


def serve(app: Flask, *, every: int | None = None, standby_poll: float = 30.0, echo=print) -> None:
    """Become the leader (waiting as a standby while another process holds the lock), then run jobs."""
    lock = LeaderLock(app)
    announced = False
    while not lock.acquire():
        if not announced:
            echo(f"Another scheduler is running; standing by (pid {os.getpid()}).")
            announced = True
        time.sleep(standby_poll)
    echo(f"Scheduler leader (pid {os.getpid()}): " + ", ".join(JOBS))
    ran = run_on_start(app)
    if ran:
        echo("Ran on start, for what is already due: " + ", ".join(ran))
    scheduler = build_scheduler(app, blocking=True, every=every)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
