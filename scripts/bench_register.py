#!/usr/bin/env python3
"""Register benchmark: server time of the person list, search and profile pages at force scale.

    .venv/bin/python scripts/bench_register.py --database-url URL [--reuse] [--scale 22.5]
        [--runs 7] [--indexes] [--strict]

Without --reuse the database at URL is wiped and rebuilt: migrations, then the synthetic demo
dataset (`app/imports/demo.py`, through the real import path; 22.5 is force scale, about 45,000
persons and 120,000 events), then a full ranking run so that lists sort by priority. Use a
database of your own: a SQLite file, or a PostgreSQL database whose public schema may be dropped.

Each page is requested in-process through the Flask test client, signed in as a supervisor:
one warm-up, then --runs timed requests; the median, best and worst wall time are reported, with
the median CPU time of this process (on SQLite, everything but waiting for the CPU; on
PostgreSQL, without the database server's own work) and the number of SQL statements. That is
the server's time (routing, queries, audit write, template), without the network.

Targets: list and profile pages under 150 ms. --indexes first creates the indexes recommended in
the register's report (IF NOT EXISTS), to compare with and without them.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import Actor  # noqa: E402
from app.extensions import db  # noqa: E402

TARGET_MS = 150.0
PASSWORD = "benchmark password 2026"  # noqa: S105 (a throwaway user in a benchmark database)
# Indexes the register would like (see docs/network.md and the report); none is in a migration.
INDEXES = {
    "ix_bench_persons_lower_name": "CREATE INDEX IF NOT EXISTS ix_bench_persons_lower_name "
    "ON persons (lower(surname), lower(forenames), ref)",
    "ix_bench_order_protected_person": "CREATE INDEX IF NOT EXISTS ix_bench_order_protected_person "
    "ON order_protected_persons (person_id)",
    "ix_bench_persons_date_of_birth": "CREATE INDEX IF NOT EXISTS ix_bench_persons_date_of_birth "
    "ON persons (date_of_birth)",
}


def build(url: str, scale: float) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            path.unlink()
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        from app.imports import demo
        from app.imports.services import import_directory
        from app.ranking.services import run_ranking

        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            stats = demo.write_csvs(tmp, scale=scale, seed=2022)
            result = import_directory(tmp, actor=Actor("benchmark"))
        if not result.ok:
            raise SystemExit("\n".join(str(e) for e in result.errors[:20]))
        print(f"loaded {stats} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        run = run_ranking(date.today(), "manual", actor=Actor("benchmark"))
        print(f"ranked {run.ranked_count} persons in {time.perf_counter() - started:.1f} s")
        db.engine.dispose()


def pick_persons(session) -> dict[str, str]:
    """Persons worth timing: the top of the ranking, the heaviest record, a hub victim, a sample."""
    from app.offenders.models import DAEvent, Person
    from app.ranking.models import ScoreRow, ScoreRun

    chosen = {}
    top = session.execute(
        sa.select(Person.ref)
        .join(ScoreRow, ScoreRow.person_id == Person.id)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRun.partial.is_(False))
        .order_by(ScoreRun.id.desc(), ScoreRow.position)
        .limit(1)
    ).scalar()
    if top:
        chosen["profile: top of the ranking"] = top
    for label, column in (("most events as suspect", DAEvent.suspect_id), ("most events as victim", DAEvent.victim_id)):
        ref = session.execute(
            sa.select(Person.ref)
            .join(DAEvent, column == Person.id)
            .group_by(Person.id, Person.ref)
            .order_by(sa.func.count().desc(), Person.ref)
            .limit(1)
        ).scalar()
        chosen[f"profile: {label}"] = ref
    refs = list(session.scalars(sa.select(Person.ref).order_by(Person.id)))
    rng = random.Random(7)
    for n, ref in enumerate(rng.sample(refs, min(5, len(refs))), 1):
        chosen[f"profile: random person {n}"] = ref
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--reuse", action="store_true", help="keep the data already in the database")
    parser.add_argument("--scale", type=float, default=22.5)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--indexes", action="store_true", help="create the recommended indexes first")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a list or profile page misses 150 ms")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL): a database the benchmark may wipe")
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if not args.reuse:
        build(url, args.scale)

    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from app.auth import services as auth_services
        from app.auth.models import User

        engine = db.engine.dialect.name
        if args.indexes:
            with db.engine.begin() as conn:
                for sql in INDEXES.values():
                    conn.execute(sa.text(sql))
                if engine == "postgresql":
                    conn.execute(sa.text("ANALYZE"))
        if db.session.scalar(sa.select(User.id).where(User.username == "bench")) is None:
            auth_services.create_user("bench", ["supervisor", "analyst"], PASSWORD, actor=Actor("benchmark"))
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (fixed names)
            for table in ("persons", "da_events", "orders", "levers", "score_rows")
        }
        surname = db.session.scalar(sa.text("SELECT surname FROM persons ORDER BY id LIMIT 1 OFFSET 1000"))
        pnc = db.session.scalar(sa.text("SELECT pnc_id FROM persons WHERE pnc_id IS NOT NULL ORDER BY id LIMIT 1"))
        district = db.session.scalar(sa.text("SELECT district FROM persons WHERE district IS NOT NULL LIMIT 1"))
        persons = pick_persons(db.session)
        db.session.remove()

        pages = {
            "list: first page (ranked)": "/persons/",
            "list: page 400": "/persons/?page=400",
            "search: surname fragment": f"/persons/?q={surname[:5].lower()}",
            "search: forename + surname": f"/persons/?q={surname.upper()}+a",
            "search: PNC ID": f"/persons/?q={pnc}",
            "search: no match": "/persons/?q=zzqxv",
            "filter: district": f"/persons/?district={district}",
            "filter: serial": "/persons/?serial=y",
            "filter: active order": "/persons/?active_order=y",
            "filter: active levers": "/persons/?active_levers=y",
            "filter: all three + district": f"/persons/?serial=y&active_order=y&active_levers=y&district={district}",
        }
        pages |= {label: f"/persons/{ref}" for label, ref in persons.items()}
        pages |= {
            "findings: Right-to-Know (12 months)": "/persons/network/right-to-know",
            "findings: linked networks": "/persons/network/linked",
        }

        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = app.test_client()
        response = client.post("/login", data={"username": "bench", "password": PASSWORD})
        assert response.status_code == 302, "could not sign in"

        print(f"\nengine: {engine}; " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"indexes: {'recommended ones created' if args.indexes else 'migrations only'}")
        print(f"{'page':48} {'median ms':>10} {'best ms':>8} {'worst ms':>9} {'CPU ms':>7} {'SQL':>4}  target")
        failed = []
        for label, path in pages.items():
            runs = 1 if label.startswith("findings") else args.runs
            client.get(path)  # warm-up
            times, cpu = [], []
            for _ in range(runs):
                statements.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
            median = statistics.median(times)
            checked = label.startswith(("list", "search", "filter", "profile"))
            verdict = ("PASS" if median < TARGET_MS else "FAIL") if checked else "-"
            if verdict == "FAIL":
                failed.append(label)
            print(
                f"{label:48} {median:10.1f} {min(times):8.1f} {max(times):9.1f} {statistics.median(cpu):7.1f} "
                f"{len(statements):4}  {verdict}"
            )
    if failed and args.strict:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
