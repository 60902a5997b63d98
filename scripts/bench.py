#!/usr/bin/env python3
"""Ranking benchmark at force scale: scoring model v2 against a bare GROUP BY, storage, a re-score,
the targets API, the backtest, and a check against a naive per-person loop.

    .venv/bin/python scripts/bench.py [--scale 22.5] [--engine sqlite|postgresql|both] [--naive-sample N]

Builds the synthetic dataset with the demo generator (app/imports/demo.py; invented persons only)
and loads it through the real import path into a fresh database: a new SQLite file in a temporary
folder, and, when DATABASE_URL points at PostgreSQL, a new database created on that server for the
run (or a new schema, if the user may not create databases) and dropped afterwards. The caller's
own data is never read or written. Then it reports, for each engine, every figure beside the
baseline measured in the same run, so a busy machine slows both alike:

- the baseline: one bare GROUP BY over all events, "SELECT suspect_id, COUNT(*), MAX(occurred_on),
  COUNT(DISTINCT victim_id) FROM da_events GROUP BY suspect_id" (what any ranking reads: R, F and V
  of every suspect), fetched whole; and, for reference, the index-only COUNT and MAX without V;
- the full rank under v1 and v2, `compute_ranking` (load and score), and v2 with storage,
  `run_ranking` (the run, its rows, the current scores, the audit entry, committed);
- a re-score after a breach: a breach event added to a ranked person, then `rescore_person`;
- GET /api/v1/targets?limit=50 through the Flask test client with a bearer token (from the current
  scores), and the backtest as of a year ago with a 365-day horizon;
- the naive loop: persons scored one at a time through the ORM (a random sample, extrapolated),
  checked to give the same ranking.

Targets (issue 11): v2 compute <= 3x the GROUP BY, with storage <= 5x; re-score <= 10 ms; the API
<= 50 ms; the backtest <= 3 s. `--strict` makes a missed target the exit status; a ranking that
differs from the naive loop always exits 2. National scale is scripts/bench_national.py.
"""

import argparse
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import Actor  # noqa: E402
from app.auth import services as auth  # noqa: E402
from app.auth.passwords import random_password  # noqa: E402
from app.base import local_today  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports import demo  # noqa: E402
from app.imports.demo_figures import measure  # noqa: E402
from app.imports.services import import_directory  # noqa: E402
from app.offenders.custody.models import CustodyPeriod  # noqa: E402
from app.offenders.models import DAEvent, Lever, Person  # noqa: E402
from app.orders.models import Order  # noqa: E402
from app.ranking import scoring, services  # noqa: E402
from app.ranking.backtest import services as backtests  # noqa: E402
from app.ranking.models import ScoringModel  # noqa: E402

ACTOR = Actor("benchmark")
TARGET_COMPUTE_RATIO = 3.0
TARGET_STORED_RATIO = 5.0
TARGET_RESCORE_MS = 10.0
TARGET_API_MS = 50.0
TARGET_BACKTEST_S = 3.0
BASELINE_SQL = (
    "SELECT suspect_id, COUNT(*), MAX(occurred_on), COUNT(DISTINCT victim_id) FROM da_events GROUP BY suspect_id"
)
INDEX_ONLY_SQL = "SELECT suspect_id, COUNT(*), MAX(occurred_on) FROM da_events GROUP BY suspect_id"


@dataclass
class EngineReport:
    engine: str
    version: str = ""
    import_rows: int = 0
    import_seconds: float = 0.0
    persons: int = 0
    ranked: int = 0
    baseline_times: list[float] = field(default_factory=list)
    index_only_times: list[float] = field(default_factory=list)
    v1_times: list[float] = field(default_factory=list)
    compute_times: list[float] = field(default_factory=list)
    run_times: list[float] = field(default_factory=list)
    rescore_times: list[float] = field(default_factory=list)
    commit_times: list[float] = field(default_factory=list)
    api_times: list[float] = field(default_factory=list)
    backtest_seconds: float = 0.0
    naive_seconds: float = 0.0
    naive_persons: int = 0
    naive_sampled: bool = False
    identical: bool = False
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def say(report: EngineReport | None, line: str) -> None:
    print(line, flush=True)
    if report is not None:
        report.lines.append(line)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---- the machine ------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def load_line() -> str:
    """Other work on the machine slows every figure: the load average says how busy it was."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average: not known"
    return f"load average (1, 5, 15 min): {one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine_lines() -> list[str]:
    return [
        f"machine: {usable_cores()} usable core(s) of {os.cpu_count()}, CPU {cpu_model()}, "
        f"{platform.system()} {platform.release()}",
        f"software: Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}",
        load_line(),
    ]


# ---- fresh databases --------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path):
    path = workdir / "bench.sqlite"
    yield f"sqlite:///{path}", {}, "SQLite " + sqlite3.sqlite_version
    path.unlink(missing_ok=True)


@contextmanager
def postgresql_database(url: str):
    """A new database on the server of `url` (or a new schema in its database), dropped afterwards."""
    base = sa.engine.make_url(url.replace("postgres://", "postgresql://", 1))
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    name = f"achilles_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
        try:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            mode = "database"
        except sa.exc.ProgrammingError:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
            mode = "schema"
    try:
        if mode == "database":
            print(f"(PostgreSQL: a fresh database {name} for this run, dropped afterwards)", flush=True)
            yield base.set(database=name).render_as_string(hide_password=False), {}, f"PostgreSQL {version}"
        else:
            print(f"(PostgreSQL: a fresh schema {name} in {base.database}, dropped afterwards)", flush=True)
            options = {"connect_args": {"options": f"-csearch_path={name}"}}
            yield base.render_as_string(hide_password=False), options, f"PostgreSQL {version}"
    finally:
        with admin.connect() as conn:
            if mode == "database":
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def make_app(url: str, engine_options: dict, instance: Path):
    return create_app(
        {
            "ENV": "testing",
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
        }
    )


# ---- the measurements -------------------------------------------------------------------------


CPU: dict[str, list[float]] = {}  # the process's own CPU time of each timed call, by what was timed


def timed(fn, what: str | None = None):
    """Wall time of a call (and, under a name, this process's CPU time for it: on SQLite all the work,
    on PostgreSQL without the server's; on a busy machine the wall time also counts the waiting)."""
    cpu, start = time.process_time(), time.perf_counter()
    result = fn()
    if what:
        CPU.setdefault(what, []).append(time.process_time() - cpu)
    return time.perf_counter() - start, result


def cpu_ms(what: str) -> str:
    return f"{median(CPU.get(what, [])) * 1000:.1f} ms of CPU"


def best_of(report: EngineReport, times: list[float], fn, repeats: int, what: str | None = None):
    result = None
    for _ in range(repeats):
        db.session.expire_all()
        seconds, result = timed(fn, f"{what}-{report.engine}" if what else None)
        times.append(seconds)
    return result


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf")


def measure_import(report: EngineReport, csv_dir: Path, as_of: date) -> None:
    seconds, result = timed(lambda: import_directory(csv_dir, actor=ACTOR, today=as_of))
    if not result.ok:
        raise SystemExit("the import failed: " + "; ".join(str(e) for e in result.errors[:5]))
    report.import_rows = sum(c["rows"] for c in result.counts.values())
    report.import_seconds = seconds
    detail = ", ".join(f"{name} {result.counts[name]['rows']:,}" for name in result.files)
    say(
        report,
        f"import: {report.import_rows:,} rows in {seconds:.1f} s = {report.import_rows / seconds:,.0f} rows/s "
        f"({detail}; {result.rescored:,} persons re-scored by it)",
    )


def measure_baseline(report: EngineReport, repeats: int) -> None:
    def query(sql):
        def run():
            with db.engine.connect() as conn:
                return len(conn.exec_driver_sql(sql).all())

        return run

    groups = best_of(report, report.baseline_times, query(BASELINE_SQL), repeats)
    best_of(report, report.index_only_times, query(INDEX_ONLY_SQL), repeats)
    say(
        report,
        f"baseline, one bare GROUP BY over all events (count, latest, distinct victims per suspect; {groups:,} "
        f"groups): median {median(report.baseline_times) * 1000:.0f} ms over {repeats}; the index-only "
        f"COUNT and MAX alone: {median(report.index_only_times) * 1000:.0f} ms",
    )


def measure_full_rank(report: EngineReport, as_of: date, repeats: int) -> list[scoring.Score]:
    base = median(report.baseline_times)
    v1 = db.session.get(ScoringModel, 1)
    best_of(report, report.v1_times, lambda: services.compute_ranking(as_of, v1), repeats)
    scores = best_of(report, report.compute_times, lambda: services.compute_ranking(as_of), repeats, "compute")
    report.ranked = len(scores)
    say(
        report,
        f"full rank, v1 (compute_ranking --model 1): median {median(report.v1_times):.2f} s = "
        f"{ratio(median(report.v1_times), base):.1f}x the GROUP BY",
    )
    say(
        report,
        f"full rank, v2 (compute_ranking, load and score): median {median(report.compute_times):.2f} s over {repeats} "
        f"(min {min(report.compute_times):.2f} s; {cpu_ms(f'compute-{report.engine}')}) = "
        f"{ratio(median(report.compute_times), base):.1f}x the GROUP BY; "
        f"{report.ranked:,} ranked of {report.persons:,} persons",
    )
    best_of(report, report.run_times, lambda: services.run_ranking(as_of, "manual", actor=ACTOR), repeats)
    say(
        report,
        f"full rank v2 with storage (run_ranking: run, {report.ranked:,} rows, current scores, audit, commit): "
        f"median {median(report.run_times):.2f} s over {repeats} = {ratio(median(report.run_times), base):.1f}x "
        "the GROUP BY",
    )
    return scores


def measure_rescore(report: EngineReport, scores: list[scoring.Score], as_of: date, repeats: int, rng) -> None:
    """Add a breach event to a ranked person, then time rescore_person as logging a breach runs it:
    in the caller's transaction (score one person, store the partial run, replace the current
    score); the commit that follows belongs to the breach and is timed apart."""
    chosen = rng.sample(scores, min(repeats, len(scores)))
    services.rescore_person(chosen[0].person_id, as_of=as_of, actor=ACTOR)  # warm the caches
    moved = 0
    for n, score in enumerate(chosen):
        victim_id = db.session.scalar(
            sa.select(DAEvent.victim_id).where(DAEvent.suspect_id == score.person_id).order_by(DAEvent.id).limit(1)
        )
        db.session.add(
            DAEvent(
                ref=f"BENCH-BREACH-{n}-{secrets.token_hex(3)}",
                occurred_on=as_of,
                offence="breach_criminal_order",
                suspect_id=score.person_id,
                victim_id=victim_id,
                relationship_type="ex_partner",
                source="breach",
                version_id=1,
            )
        )
        db.session.flush()  # the breach's own writes, before the re-score (as log_breach does)
        seconds, rescore = timed(
            lambda s=score: services.rescore_person(s.person_id, as_of=as_of, actor=ACTOR, commit=False),
            f"rescore-{report.engine}",
        )
        db.session.flush()
        report.rescore_times.append(seconds)
        commit, _ = timed(db.session.commit)
        report.commit_times.append(commit)
        moved += rescore["priority"] >= score.priority
    say(
        report,
        f"re-score after one breach (rescore_person in the breach's transaction: score one person, store the "
        f"partial run, replace the current score): median {median(report.rescore_times) * 1000:.1f} ms over "
        f"{len(chosen)} persons (max {max(report.rescore_times) * 1000:.1f} ms; "
        f"{cpu_ms(f'rescore-{report.engine}')}); the breach's commit after it "
        f"{median(report.commit_times) * 1000:.1f} ms; priority held or rose for {moved} of {len(chosen)}",
    )


def measure_api(report: EngineReport, app, repeats: int) -> None:
    auth.create_user("bench.analyst", ["analyst"], random_password(username="bench.analyst"), actor=ACTOR)
    headers = {"Authorization": f"Bearer {auth.issue_token('bench.analyst', actor=ACTOR)}"}
    db.session.commit()
    client = app.test_client()
    client.get("/api/v1/targets?limit=50", headers=headers)
    for _ in range(repeats):
        seconds, response = timed(
            lambda: client.get("/api/v1/targets?limit=50", headers=headers), f"api-{report.engine}"
        )
        assert response.status_code == 200 and len(response.get_json()) == min(50, report.ranked)
        report.api_times.append(seconds)
    say(
        report,
        f"GET /api/v1/targets?limit=50 (test client, bearer token, from the current scores, audited): median "
        f"{median(report.api_times) * 1000:.1f} ms over {repeats} ({cpu_ms(f'api-{report.engine}')})",
    )


def measure_backtest(report: EngineReport, as_of: date) -> None:
    day = as_of - timedelta(days=365)
    seconds, result = timed(lambda: backtests.run_backtest(day, horizon_days=365))
    report.backtest_seconds = seconds
    top = {row.n: row for row in result.top}
    say(
        report,
        f"backtest as of {day.isoformat()}, horizon 365 days, model v{result.model_version}: {seconds:.2f} s; "
        f"{result.ranked:,} ranked; future harm {result.total_future_harm:,} days by {result.offenders:,} persons, "
        f"{result.unranked_share:.1%} by persons not on the list; top 100 held {top[100].share:.1%} "
        f"({top[100].efficiency:.0%} of the oracle), top 250 {top[250].share:.1%}",
    )


def naive_person_inputs(person_id: int, born: dict) -> scoring.PersonInputs:
    """One person's facts the way an ORM-first loop would gather them: four queries per person."""
    person = db.session.get(Person, person_id)
    events = db.session.scalars(sa.select(DAEvent).where(DAEvent.suspect_id == person.id)).all()
    levers = db.session.scalars(sa.select(Lever).where(Lever.person_id == person.id).order_by(Lever.noted_on, Lever.id))
    orders = db.session.scalars(sa.select(Order).where(Order.subject_id == person.id))
    custody = db.session.scalars(sa.select(CustodyPeriod).where(CustodyPeriod.person_id == person.id))
    return scoring.PersonInputs(
        ref=person.ref,
        person_id=person.id,
        events=[
            scoring.EventFact(e.occurred_on, e.victim_id, e.offence, e.dash_risk, e.outcome, born.get(e.victim_id))
            for e in events
        ],
        levers=[scoring.LeverRecord(lv.lever, lv.active, lv.noted_on) for lv in levers],
        orders=[scoring.OrderSpan(o.starts_on, o.ends_on, o.revoked_on) for o in orders],
        custody=[scoring.CustodySpan(c.custody_from, c.custody_to, c.expected_release_on) for c in custody],
    )


def measure_naive(report: EngineReport, as_of: date, sample: int | None, rng) -> list[scoring.Score]:
    """The check: persons scored one at a time through the ORM with the plain rules (v2)."""
    params = dict(services.current_model().params)
    ids = list(db.session.scalars(sa.select(Person.id).order_by(Person.id)))
    report.naive_sampled = sample is not None and sample < len(ids)
    chosen = sorted(rng.sample(ids, sample)) if report.naive_sampled else ids
    born = dict(db.session.execute(sa.select(Person.id, Person.date_of_birth)).all())
    db.session.expire_all()
    db.session.expunge_all()
    start = time.perf_counter()
    scores = [s for pid in chosen if (s := scoring.score_person(naive_person_inputs(pid, born), params, as_of, 2))]
    scores.sort(key=scoring.Score.sort_key)
    elapsed = time.perf_counter() - start
    report.naive_persons = len(chosen)
    if report.naive_sampled:
        report.naive_seconds = elapsed / len(chosen) * len(ids)
        say(
            report,
            f"naive per-person ORM loop: {elapsed:.2f} s for a random sample of {len(chosen):,} persons, "
            f"EXTRAPOLATED to {report.naive_seconds:.1f} s for all {len(ids):,} (the full loop was not run)",
        )
    else:
        report.naive_seconds = elapsed
        say(report, f"naive per-person ORM loop: {elapsed:.1f} s for all {len(ids):,} persons (5 queries each)")
    db.session.rollback()
    return scores


def compare(report: EngineReport, set_based: list[scoring.Score], naive: list[scoring.Score]) -> None:
    if report.naive_sampled:
        sampled = {s.person_id for s in naive}
        expected = [s for s in set_based if s.person_id in sampled]
        what = f"the {len(naive):,} ranked persons of the sample"
    else:
        expected = set_based
        what = f"all {len(naive):,} ranked persons, in order"
    report.identical = expected == naive
    say(report, f"rankings identical (set-based vs naive, {what}): {'yes' if report.identical else 'NO'}")


def targets(report: EngineReport) -> None:
    base = median(report.baseline_times)
    compute, stored = median(report.compute_times), median(report.run_times)
    checks = [
        (
            ratio(compute, base) <= TARGET_COMPUTE_RATIO,
            f"full v2 rank (compute) <= {TARGET_COMPUTE_RATIO:.0f}x the GROUP BY: {ratio(compute, base):.2f}x "
            f"({compute:.2f} s / {base:.3f} s)",
        ),
        (
            ratio(stored, base) <= TARGET_STORED_RATIO,
            f"full v2 rank with storage <= {TARGET_STORED_RATIO:.0f}x the GROUP BY: {ratio(stored, base):.2f}x "
            f"({stored:.2f} s)",
        ),
        (
            median(report.rescore_times) * 1000 <= TARGET_RESCORE_MS,
            f"re-score after a breach <= {TARGET_RESCORE_MS:.0f} ms: {median(report.rescore_times) * 1000:.1f} ms",
        ),
        (
            median(report.api_times) * 1000 <= TARGET_API_MS,
            f"GET /api/v1/targets?limit=50 <= {TARGET_API_MS:.0f} ms: {median(report.api_times) * 1000:.1f} ms",
        ),
        (
            report.backtest_seconds <= TARGET_BACKTEST_S,
            f"backtest <= {TARGET_BACKTEST_S:.0f} s: {report.backtest_seconds:.2f} s",
        ),
    ]
    say(report, "targets:")
    for ok, text in checks:
        say(report, f"  {'PASS' if ok else 'FAIL'}  {text}")
        if not ok:
            report.failures.append(text)


def bench_engine(engine: str, url: str, options: dict, version: str, args, csv_dir: Path, workdir: Path):
    report = EngineReport(engine=engine, version=version)
    say(report, "")
    say(report, f"== {version}")
    app = make_app(url, options, workdir / f"instance-{engine}")
    rng = random.Random(args.seed)
    with app.app_context():
        seconds, _ = timed(lambda: upgrade(directory=str(ROOT / "migrations")))
        say(report, f"migrations on an empty database: {seconds:.1f} s")
        measure_import(report, csv_dir, args.as_of)
        if engine == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")  # as autovacuum would soon after a bulk load
        report.persons = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        say(report, load_line())
        measure_baseline(report, args.repeats)
        scores = measure_full_rank(report, args.as_of, args.repeats)
        naive = measure_naive(report, args.as_of, args.naive_sample, rng)
        compare(report, scores, naive)
        measure_rescore(report, scores, args.as_of, args.rescores, rng)
        measure_api(report, app, args.api_requests)
        measure_backtest(report, args.as_of)
        say(report, load_line())
        targets(report)
        db.session.remove()
        db.engine.dispose()
    return report


def dataset(args, csv_dir: Path) -> None:
    generator = demo._Generator(random.Random(args.seed), args.scale, args.as_of)
    seconds, _ = timed(lambda: generator.generate(demo.CONTRIBUTORS))
    counts = demo.write_records(
        csv_dir, generator.persons, generator.events, generator.orders, generator.levers, generator.custody
    )
    print(
        f"dataset: scale {args.scale:g}, seed {args.seed}, as of {args.as_of.isoformat()}: "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        + f" (generated in {seconds:.1f} s)"
    )
    events = [(e.suspect, e.victim, e.day, e.offence) for e in generator.events]
    custody = [(c.person, c.custody_from, c.custody_to) for c in generator.custody]
    for line in measure(events, custody, len(generator.persons), args.as_of).lines():
        print(f"demo figures: {line}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=demo.FORCE_SCALE, help="dataset size (default: force scale)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--naive-sample", type=int, default=1000, metavar="N", help="persons in the naive loop (0: all; default 1000)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each timed ranking (median reported)")
    parser.add_argument("--rescores", type=int, default=9, help="breach re-scores timed (median reported)")
    parser.add_argument("--api-requests", type=int, default=9, help="API requests timed (median reported)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.repeats < 1 or args.rescores < 1 or args.api_requests < 1 or args.naive_sample < 0:
        parser.error("--scale, --repeats, --rescores and --api-requests must be positive, --naive-sample 0 or more")
    args.naive_sample = args.naive_sample or None

    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith(("postgres://", "postgresql://", "postgresql+"))
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    if "postgresql" in engines and not postgres:
        if args.engine == "postgresql":
            parser.error("--engine postgresql needs DATABASE_URL pointing at a PostgreSQL server")
        engines.remove("postgresql")

    args.as_of = local_today()
    print("Achilles ranking benchmark")
    for line in machine_lines():
        print(line)
    print(f"command: {' '.join([Path(sys.executable).name, 'scripts/bench.py', *(argv or sys.argv[1:])])}")

    workdir = Path(tempfile.mkdtemp(prefix="achilles-bench-"))
    reports = []
    try:
        csv_dir = workdir / "csv"
        dataset(args, csv_dir)
        if "postgresql" not in engines:
            print("PostgreSQL: not run (set DATABASE_URL to a PostgreSQL server and use --engine both or postgresql)")
        for engine in engines:
            database = sqlite_database(workdir) if engine == "sqlite" else postgresql_database(database_url)
            with database as (url, options, version):
                reports.append(bench_engine(engine, url, options, version, args, csv_dir, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("")
    print("== summary")
    for report in reports:
        base = median(report.baseline_times)
        verdict = "all targets met" if not report.failures else f"{len(report.failures)} target(s) missed"
        print(
            f"{report.version}: GROUP BY {base * 1000:.0f} ms; v2 rank {median(report.compute_times):.2f} s "
            f"({ratio(median(report.compute_times), base):.1f}x), stored {median(report.run_times):.2f} s "
            f"({ratio(median(report.run_times), base):.1f}x); v1 {ratio(median(report.v1_times), base):.1f}x; "
            f"re-score {median(report.rescore_times) * 1000:.1f} ms; API {median(report.api_times) * 1000:.1f} ms; "
            f"backtest {report.backtest_seconds:.2f} s; {verdict}"
        )
    if not all(report.identical for report in reports):
        print("ERROR: the set-based ranking differs from the naive loop's.")
        return 2
    if args.strict and any(report.failures for report in reports):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
