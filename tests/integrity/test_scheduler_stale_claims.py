"""A job run left "running" by a scheduler process that died is taken over once it is stale, by
exactly one of the schedulers that try at the same moment; a claim that is not yet stale is left
alone (README "Scheduled jobs": a run abandoned for 6 hours is taken over in the same period).

Two contenders run in threads, each with its own app context and database connection, released
together by a barrier, on SQLite and on PostgreSQL.
"""

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.base import utcnow
from app.extensions import db
from app.scheduler import jobs
from app.scheduler import services as scheduler
from app.scheduler.models import JobRun

STALE_AFTER = timedelta(hours=6)  # README "Scheduled jobs"
JOB = "prune_login_attempts"
NOW = datetime.now(UTC)
DEAD = {"hostname": "scheduler-host-that-died", "pid": 4242}


@pytest.fixture
def job_calls(monkeypatch):
    """The job's own work, replaced by a counter: what is under test is who gets to run it."""
    calls = []
    lock = threading.Lock()

    def work(now):
        with lock:
            calls.append(threading.current_thread().name)
        return "ran after the takeover"

    monkeypatch.setitem(jobs.JOBS, JOB, jobs.JobSpec(work, {"hour": 3}, "%Y-%m-%d", "test job"))
    return calls


def abandoned_claim(age: timedelta) -> None:
    period = scheduler.period_of(JOB, NOW)
    db.session.add(JobRun(job=JOB, period=period, status="running", started_at=utcnow() - age, **DEAD))
    db.session.commit()


def two_contenders(app) -> list[bool]:
    barrier = threading.Barrier(2)
    results, failures = [], []

    def contend():
        try:
            barrier.wait(10)
            results.append(scheduler.run_job(app, JOB, now=NOW))
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=contend, name=f"scheduler-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    return results


def the_run() -> JobRun:
    db.session.expire_all()
    return db.session.scalars(sa.select(JobRun).where(JobRun.job == JOB)).one()


def test_the_stale_limit_is_the_one_the_readme_states():
    assert scheduler.STALE_CLAIM == STALE_AFTER


def test_a_stale_claim_is_taken_over_by_exactly_one_of_two_schedulers(app, job_calls):
    abandoned_claim(STALE_AFTER + timedelta(minutes=5))
    assert sorted(two_contenders(app)) == [False, True]
    assert len(job_calls) == 1
    run = the_run()
    assert (run.status, run.detail) == ("done", "ran after the takeover")
    assert (run.hostname, run.pid) == (socket.gethostname(), os.getpid())
    assert run.started_at > utcnow() - timedelta(minutes=5)
    # Taken over and done: a third try in the same period does nothing.
    assert scheduler.run_job(app, JOB, now=NOW) is False
    assert len(job_calls) == 1


def test_a_claim_not_yet_stale_is_left_to_its_process(app, job_calls):
    abandoned_claim(STALE_AFTER - timedelta(minutes=5))
    before = the_run()
    started_at = before.started_at
    assert two_contenders(app) == [False, False]
    assert job_calls == []
    run = the_run()
    assert (run.status, run.hostname, run.pid, run.started_at) == ("running", DEAD["hostname"], DEAD["pid"], started_at)
