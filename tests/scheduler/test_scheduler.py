"""One scheduler: each job runs once per period however many schedulers try, and only one process leads."""

import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.ranking.models import ScoreRun
from app.scheduler import jobs
from app.scheduler import services as scheduler
from app.scheduler.models import JobRun
from tests.factories import make_event, make_person

NOW = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)


def job_runs(name=None):
    query = sa.select(JobRun).order_by(JobRun.id)
    if name:
        query = query.where(JobRun.job == name)
    db.session.expire_all()
    return list(db.session.scalars(query))


def seed_events():
    a, b = make_person("P1"), make_person("P2")
    make_event(a, b, NOW.date())


def test_a_job_runs_once_per_period(app):
    seed_events()
    assert scheduler.run_job(app, "nightly_rank", now=NOW) is True
    assert scheduler.run_job(app, "nightly_rank", now=NOW.replace(hour=23)) is False  # same day
    (run,) = job_runs("nightly_rank")
    assert (run.period, run.status, run.detail) == ("2026-11-21", "done", "1 persons ranked")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun).where(ScoreRun.trigger == "nightly")) == 1
    assert scheduler.run_job(app, "nightly_rank", now=NOW.replace(day=22)) is True  # next day runs again


def test_a_failed_run_is_recorded_and_retried_in_the_same_period(app, monkeypatch):
    calls = []

    def flaky(now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return "ok"

    monkeypatch.setitem(jobs.JOBS, "prune_login_attempts", jobs.JobSpec(flaky, {"hour": 3}, "%Y-%m-%d", "t"))
    assert scheduler.run_job(app, "prune_login_attempts", now=NOW) is False
    (run,) = job_runs("prune_login_attempts")
    assert run.status == "failed" and "database went away" in run.detail
    assert scheduler.run_job(app, "prune_login_attempts", now=NOW) is True
    (run,) = job_runs("prune_login_attempts")
    assert (run.status, run.detail) == ("done", "ok")
    assert scheduler.run_job(app, "prune_login_attempts", now=NOW) is False
    assert len(calls) == 2


def test_two_schedulers_run_each_job_once_per_period(app, caplog):
    seed_events()
    caplog.set_level(logging.INFO, logger="achilles.scheduler")
    first = scheduler.build_scheduler(app, blocking=False, every=1)
    second = scheduler.build_scheduler(app, blocking=False, every=1)
    first.start()
    second.start()
    time.sleep(3.6)
    first.shutdown(wait=True)
    second.shutdown(wait=True)
    for name in jobs.JOBS:
        runs = job_runs(name)
        periods = [r.period for r in runs]
        assert len(runs) >= 2, f"{name} ran {len(runs)} times"
        assert len(periods) == len(set(periods)), f"{name} ran twice in one period"
        assert all(r.status == "done" for r in runs), [(r.status, r.detail) for r in runs]
    nightly = db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun).where(ScoreRun.trigger == "nightly"))
    assert nightly == len(job_runs("nightly_rank"))
    assert "already claimed; skipped" in caplog.text  # the second scheduler did try, and was stopped


def _start(database, tmp_path, name):
    env = dict(os.environ)
    env.update(
        {
            "ACHILLES_ENV": "testing",
            "DATABASE_URL": database.url,
            "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = (tmp_path / f"{name}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--every", "1", "--standby-poll", "0.3"],
        cwd=Path(__file__).parents[2],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, tmp_path / f"{name}.log"


def _wait_for(path, text, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.1)
    return False


def test_only_one_scheduler_process_leads_and_a_standby_takes_over(app, database, tmp_path):
    one, one_log = _start(database, tmp_path, "one")
    try:
        assert _wait_for(one_log, "Scheduler leader"), one_log.read_text()
        two, two_log = _start(database, tmp_path, "two")
        try:
            assert _wait_for(two_log, "standing by"), two_log.read_text()
            time.sleep(2.5)
            leaders = {r.pid for r in job_runs()}
            assert leaders == {one.pid}, "only the leader ran jobs"
            one.terminate()
            one.wait(10)
            assert _wait_for(two_log, "Scheduler leader"), two_log.read_text()
            assert _wait_for_rows_from(two.pid), "the standby took over and ran jobs"
        finally:
            two.terminate()
            two.wait(10)
    finally:
        if one.poll() is None:
            one.terminate()
            one.wait(10)
    runs = job_runs()
    keys = [(r.job, r.period) for r in runs]
    assert len(keys) == len(set(keys))
    assert {r.pid for r in runs} == {one.pid, two.pid}


def _wait_for_rows_from(pid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.pid == pid for r in job_runs()):
            return True
        time.sleep(0.2)
    return False


def test_cli_runs_one_job_and_reports_status(runner):
    result = runner.invoke(args=["scheduler", "run-job", "record_review_reminders"])
    assert result.exit_code == 0 and "record_review_reminders: ran" in result.output
    again = runner.invoke(args=["scheduler", "run-job", "record_review_reminders"])
    assert "not run (already done for this period" in again.output
    status = runner.invoke(args=["scheduler", "status"])
    assert "record_review_reminders" in status.output and "last done" in status.output
    bad = runner.invoke(args=["scheduler", "run-job", "make_tea"])
    assert bad.exit_code != 0 and "Invalid value" in bad.output
