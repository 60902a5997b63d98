#!/usr/bin/env python3
"""Dashboard benchmark at force scale: the home page's counts against a naive per-officer baseline.

    .venv/bin/python scripts/bench_dashboards.py [--scale 22.5] [--tasks 30000] [--officers 60]

Builds the synthetic dataset through the real import path into a new SQLite file (or, with
DATABASE_URL pointing at PostgreSQL, into that database, which must be a throwaway one: it is
migrated and filled), adds a year of tasks (`--tasks`, spread over `--officers` officers in six
teams, in every state) and two full rankings, then times, as the median of several calls:

- each role's dashboard (`app.main.dashboards`: supervisor, officer, referral, analyst);
- "overdue and due today by officer" by the dashboard's one grouped query, against the naive
  way (one query per officer of the team, reading their open tasks and counting in Python),
  checked to give the same numbers.

The targets (issue 12): the supervisor's whole dashboard in under 0.5 s at force scale, and the
grouped query at least 5 times the naive loop. Prints PASS or FAIL for each.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import Actor  # noqa: E402
from app.auth import services as auth  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.base import local_today, utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports import demo  # noqa: E402
from app.imports.services import import_directory  # noqa: E402
from app.main import dashboards  # noqa: E402
from app.offenders.models import Person  # noqa: E402
from app.ranking import services as ranking  # noqa: E402
from app.tasking.models import Task  # noqa: E402
from app.tasking.tasks.rules import is_deferred  # noqa: E402

ACTOR = Actor("benchmark")
TARGET_S = 0.5
TARGET_RATIO = 5.0


def median_time(func, runs: int = 5):
    times, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def build(scale: float, n_tasks: int, n_officers: int) -> tuple[User, User]:
    upgrade(directory=str(ROOT / "migrations"))
    with tempfile.TemporaryDirectory() as tmp:
        demo.write_csvs(tmp, scale=scale, seed=2022)
        started = time.perf_counter()
        import_directory(tmp, actor=ACTOR)
        print(f"imported in {time.perf_counter() - started:.1f} s")
    teams = [f"Team {n}" for n in range(6)]
    officers = [
        auth.create_user(f"pc{n}", ["officer"], "benchmark-password", actor=ACTOR, team=teams[n % 6])
        for n in range(n_officers)
    ]
    supervisor = auth.create_user("sgt0", ["supervisor"], "benchmark-password", actor=ACTOR, team=teams[0])
    people = list(db.session.scalars(sa.select(Person.id).limit(20000)))
    rng, now, today = random.Random(12), utcnow(), local_today()
    rows = []
    for n in range(n_tasks):
        status = rng.choices(["open", "in_progress", "done", "cancelled"], [30, 10, 55, 5])[0]
        owner = rng.choice(officers) if rng.random() > 0.1 else None
        deferred = rng.random() < 0.05
        rows.append(
            {
                "task_type": rng.choice(["arrest", "warrant", "intelligence_development", "hidden_harm_visit"]),
                "title": f"Task {n}",
                "person_id": rng.choice(people),
                "owner_id": owner.id if owner else None,
                "team_id": owner.team_id if owner else officers[n % 6].team_id,
                "due_at": now + timedelta(hours=rng.randint(-24 * 60, 24 * 30)),
                "priority": rng.choice(["high", "normal", "low"]),
                "status": status,
                "outcome": "no_further_action" if status == "done" else None,
                "completed_at": now - timedelta(days=rng.randint(0, 300)) if status == "done" else None,
                "deferred_until": today + timedelta(days=5) if deferred else None,
                "deferral_kind": "snooze" if deferred else None,
                "deferral_pending": False,
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            }
        )
    db.session.execute(sa.insert(Task.__table__), rows)
    db.session.commit()
    ranking.run_ranking(today - timedelta(days=7), "nightly", actor=ACTOR)
    ranking.run_ranking(today, "nightly", actor=ACTOR)
    return supervisor, officers[0]


def naive_by_officer(supervisor: User) -> dict:
    """One query per officer of the team, their open tasks counted in Python."""
    now, today = utcnow(), local_today()
    end = dashboards._end_of(today)
    out = {}
    holders = [None, *db.session.scalars(sa.select(User).where(User.team_id == supervisor.team_id))]
    for user in holders:
        query = sa.select(Task).where(Task.team_id == supervisor.team_id, Task.status.in_(("open", "in_progress")))
        query = query.where(Task.owner_id.is_(None) if user is None else Task.owner_id == user.id)
        overdue = due_today = 0
        for task in db.session.scalars(query):
            if is_deferred(task, today):
                continue
            overdue += task.due_at < now
            due_today += now <= task.due_at < end
        if overdue or due_today:
            out[user.username if user else None] = (overdue, due_today)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=demo.FORCE_SCALE)
    parser.add_argument("--tasks", type=int, default=30000)
    parser.add_argument("--officers", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp()
    uri = url if url and url.startswith("postgresql") else f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": tmp})
    with app.app_context():
        supervisor, officer = build(args.scale, args.tasks, args.officers)
        analyst = auth.create_user("an0", ["analyst"], "benchmark-password", actor=ACTOR)
        today = local_today()
        engine = db.engine.dialect.name
        print(f"engine {engine}; {db.session.scalar(sa.select(sa.func.count()).select_from(Task)):,} tasks")
        sup_s, board = median_time(lambda: dashboards.supervisor(supervisor, today))
        off_s, _ = median_time(lambda: dashboards.officer(officer, today))
        ref_s, _ = median_time(dashboards.referral_steps)
        ana_s, _ = median_time(lambda: dashboards.analyst(analyst))
        naive_s, naive = median_time(lambda: naive_by_officer(supervisor), runs=3)
        grouped_s, found = median_time(lambda: dashboards.tasks_by_officer(today, utcnow(), team_id=supervisor.team_id))

        def by_name(lines):
            return {(line.owner.username if line.owner else None): (line.overdue, line.due_today) for line in lines}

        same = by_name(found) == naive == by_name(board.by_officer)
        ratio = naive_s / max(grouped_s, 1e-9)
        print(
            f"supervisor dashboard  {sup_s * 1000:8.1f} ms  {'PASS' if sup_s <= TARGET_S else 'FAIL'} (<= {TARGET_S} s)"
        )
        print(f"officer dashboard     {off_s * 1000:8.1f} ms")
        print(f"referral dashboard    {ref_s * 1000:8.1f} ms")
        print(f"analyst dashboard     {ana_s * 1000:8.1f} ms")
        print(f"by officer, grouped   {grouped_s * 1000:8.1f} ms (one query)")
        verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
        print(f"by officer, naive     {naive_s * 1000:8.1f} ms (a query per officer); {ratio:.1f}x {verdict} (>= 5x)")
        print(f"same counts: {'yes' if same else 'NO'}")
    return 0 if same else 2


if __name__ == "__main__":
    sys.exit(main())
