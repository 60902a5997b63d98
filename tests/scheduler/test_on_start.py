"""Alerts without waiting for the timetable: a scheduler that starts raises, at once, the alerts for
what is already due (the quick start starts one beside the app), once per period."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.alerts.models import Alert
from app.base import local_today, utcnow
from app.extensions import db
from app.scheduler import jobs
from app.scheduler import services as scheduler
from tests.factories import make_order, make_person, make_task

TODAY = local_today()


def due_things(make_user):
    officer = make_user("pc.okafor", "officer", team="North PDA")
    person, victim = make_person("P1"), make_person("V1")
    make_task(person, owner=officer, due_at=utcnow() - timedelta(hours=3))
    make_order(person, victim, "dvpn", ref="DVPN/1", starts_on=TODAY - timedelta(days=1), ends_on=TODAY)


def kinds() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Alert.kind)))


def test_the_alert_jobs_run_on_start_once_per_period(app, make_user):
    due_things(make_user)
    assert {name for name, spec in jobs.JOBS.items() if spec.on_start} == {
        "order_expiry_alerts",
        "overdue_task_alerts",
        "record_review_reminders",
        "clare_overdue_alerts",
        "idva_first_contact_alerts",
    }
    ran = scheduler.run_on_start(app)
    assert set(ran) == {
        "order_expiry_alerts",
        "overdue_task_alerts",
        "record_review_reminders",
        "clare_overdue_alerts",
        "idva_first_contact_alerts",
    }
    assert kinds() == ["order_expiring", "task_overdue"]
    assert scheduler.run_on_start(app) == []  # a restart in the same period raises nothing twice
    assert kinds() == ["order_expiring", "task_overdue"]


def test_a_scheduler_process_raises_what_is_due_as_it_starts(app, make_user, database, tmp_path):
    due_things(make_user)
    env = dict(os.environ)
    env.update(
        {
            "ACHILLES_ENV": "testing",
            "DATABASE_URL": database.url,
            "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
            cwd=Path(__file__).parents[2],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Ran on start" not in log.read_text():
            time.sleep(0.2)
        assert "Ran on start" in log.read_text(), log.read_text()
    finally:
        process.terminate()
        process.wait(10)
    assert kinds() == ["order_expiring", "task_overdue"]
