#!/usr/bin/env python3
"""Ranking benchmark at force scale: import speed, full rank, one re-score, and the naive baseline.

    .venv/bin/python scripts/bench.py [--scale 22.5] [--engine sqlite|postgresql|both] [--naive-sample N]

Builds the synthetic dataset with the demo generator and loads it through the real import path
into a fresh database: a new SQLite file in a temporary folder, and, when DATABASE_URL points at
PostgreSQL, a new database created on that server for the run (or, if the user may not create
databases, a new schema in the database named) and dropped afterwards. The caller's own data is
never read or written. Then it reports, for each engine:

- import rows per second (all four CSVs, checked and written as `flask import-data` does);
- the full rank: `compute_ranking` (load and score), and `run_ranking` (the same, stored);
- the incremental re-score after one breach: a breach event added to a ranked person, then
  `rescore_person` (the median of several persons);
- the baseline: the same ranking by a naive per-person ORM loop (each person, then their events,
  levers and orders, one person at a time, scored with `scoring.score_person`), checked to give
  the identical ranking, and the ratio naive / set-based.

The targets (issue 5, on 2 cores): full rank <= 3 s on either engine, >= 20x the naive loop,
incremental re-score <= 50 ms. Each prints PASS or FAIL; `--strict` makes a FAIL the exit status.
A ranking that differs from the naive one always exits with status 2.
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
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import Actor  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports import demo  # noqa: E402
from app.imports.services import import_directory  # noqa: E402
from app.offenders.models import DAEvent, Lever, Person  # noqa: E402
from app.orders.models import Order  # noqa: E402
from app.orders.services import local_today  # noqa: E402
from app.ranking import scoring, services  # noqa: E402

ACTOR = Actor("benchmark")
TARGET_FULL_RANK_S = 3.0
TARGET_RATIO = 20.0
TARGET_INCREMENTAL_MS = 50.0


@dataclass
class EngineReport:
    engine: str
    version: str = ""
    import_rows: int = 0
    import_seconds: float = 0.0
    persons: int = 0
    ranked: int = 0
    compute_times: list[float] = field(default_factory=list)
    run_times: list[float] = field(default_factory=list)
    rescore_times: list[float] = field(default_factory=list)
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


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


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
        f"({detail})",
    )


def measure_full_rank(report: EngineReport, as_of: date, repeats: int) -> list[scoring.Score]:
    scores = []
    for _ in range(repeats):
        db.session.expire_all()
        seconds, scores = timed(lambda: services.compute_ranking(as_of))
        report.compute_times.append(seconds)
    report.ranked = len(scores)
    say(
        report,
        f"full rank, compute_ranking (load and score): median {median(report.compute_times):.2f} s "
        f"over {repeats} (min {min(report.compute_times):.2f} s); "
        f"{report.ranked:,} ranked of {report.persons:,} persons",
    )
    for _ in range(repeats):
        db.session.expire_all()
        seconds, _run = timed(lambda: services.run_ranking(as_of, "manual", actor=ACTOR))
        report.run_times.append(seconds)
    say(
        report,
        f"full rank with storage, run_ranking (load, score, store {report.ranked:,} rows): "
        f"median {median(report.run_times):.2f} s over {repeats} (min {min(report.run_times):.2f} s)",
    )
    return scores


def measure_rescore(report: EngineReport, scores: list[scoring.Score], as_of: date, repeats: int, rng) -> None:
    """Add a breach event to a ranked person, then time rescore_person (which stores and commits)."""
    chosen = rng.sample(scores, min(repeats, len(scores)))
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
        db.session.commit()
        db.session.expire_all()
        seconds, result = timed(lambda s=score: services.rescore_person(s.person_id, as_of=as_of, actor=ACTOR))
        report.rescore_times.append(seconds)
        moved += result["priority"] >= score.priority
    say(
        report,
        f"incremental re-score after one breach, rescore_person (score one person, store, commit): "
        f"median {median(report.rescore_times) * 1000:.1f} ms over {len(chosen)} persons "
        f"(max {max(report.rescore_times) * 1000:.1f} ms); priority held or rose for {moved} of {len(chosen)}",
    )


def naive_person_inputs(person_id: int) -> scoring.PersonInputs:
    """One person's facts the way an ORM-first loop would gather them: three queries per person."""
    person = db.session.get(Person, person_id)
    events = db.session.scalars(sa.select(DAEvent).where(DAEvent.suspect_id == person.id)).all()
    levers = db.session.scalars(
        sa.select(Lever).where(Lever.person_id == person.id).order_by(Lever.noted_on, Lever.id)
    ).all()
    orders = db.session.scalars(sa.select(Order).where(Order.subject_id == person.id)).all()
    return scoring.PersonInputs(
        ref=person.ref,
        person_id=person.id,
        events=[scoring.EventFact(e.occurred_on, e.victim_id, e.offence, e.dash_risk, e.outcome) for e in events],
        levers=[scoring.LeverRecord(lv.lever, lv.active, lv.noted_on) for lv in levers],
        orders=[scoring.OrderSpan(o.starts_on, o.ends_on, o.revoked_on) for o in orders],
    )


def measure_naive(report: EngineReport, as_of: date, sample: int | None, rng) -> list[scoring.Score]:
    """The baseline: every person scored one at a time through the ORM. Returns the naive scores."""
    params = services.current_model().params
    ids = list(db.session.scalars(sa.select(Person.id).order_by(Person.id)))
    report.naive_sampled = sample is not None and sample < len(ids)
    chosen = sorted(rng.sample(ids, sample)) if report.naive_sampled else ids
    db.session.expire_all()
    db.session.expunge_all()
    start = time.perf_counter()
    scores = []
    for person_id in chosen:
        score = scoring.score_person(naive_person_inputs(person_id), params, as_of)
        if score is not None:
            scores.append(score)
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
        say(report, f"naive per-person ORM loop: {elapsed:.1f} s for all {len(ids):,} persons (3 queries each + 1)")
    db.session.rollback()
    return scores


def compare(report: EngineReport, set_based: list[scoring.Score], naive: list[scoring.Score]) -> None:
    if report.naive_sampled:
        # The sample's persons, in the set-based order, must be exactly the naive sample's scores.
        sampled = {s.person_id for s in naive}
        expected = [s for s in set_based if s.person_id in sampled]
        what = f"the {len(naive):,} ranked persons of the sample"
    else:
        expected = set_based
        what = f"all {len(naive):,} ranked persons, in order"
    report.identical = [s.to_json() for s in expected] == [s.to_json() for s in naive] and len(expected) == len(naive)
    say(report, f"rankings identical (set-based vs naive, {what}): {'yes' if report.identical else 'NO'}")


def targets(report: EngineReport) -> None:
    full = median(report.run_times)
    compute = median(report.compute_times)
    ratio = report.naive_seconds / compute if compute else float("inf")
    incremental = median(report.rescore_times) * 1000
    checks = [
        (
            full <= TARGET_FULL_RANK_S,
            f"full rank with storage <= {TARGET_FULL_RANK_S:.0f} s: {full:.2f} s (compute only {compute:.2f} s)",
        ),
        (
            ratio >= TARGET_RATIO,
            f"set-based >= {TARGET_RATIO:.0f}x the naive loop: {ratio:,.0f}x "
            f"({report.naive_seconds:.1f} s / {compute:.2f} s{', naive extrapolated' if report.naive_sampled else ''})",
        ),
        (
            incremental <= TARGET_INCREMENTAL_MS,
            f"incremental re-score <= {TARGET_INCREMENTAL_MS:.0f} ms: {incremental:.1f} ms",
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
        report.persons = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        scores = measure_full_rank(report, args.as_of, args.repeats)
        naive = measure_naive(report, args.as_of, args.naive_sample, rng)
        compare(report, scores, naive)
        measure_rescore(report, scores, args.as_of, args.rescores, rng)
        say(report, load_line())
        targets(report)
        db.session.remove()
        db.engine.dispose()
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=demo.FORCE_SCALE,
        help=f"dataset size (default {demo.FORCE_SCALE}, force scale: about 45k persons and 120k events)",
    )
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=None,
        metavar="N",
        help="time the naive loop on a random sample of N persons and extrapolate (default: the full loop)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="full-rank repetitions (median reported)")
    parser.add_argument("--rescores", type=int, default=9, help="breach re-scores timed (median reported)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    if (
        args.scale <= 0
        or args.repeats < 1
        or args.rescores < 1
        or (args.naive_sample is not None and args.naive_sample < 1)
    ):
        parser.error("--scale, --repeats, --rescores and --naive-sample must be positive")

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
        seconds, counts = timed(lambda: demo.write_csvs(csv_dir, scale=args.scale, seed=args.seed, today=args.as_of))
        print(
            f"dataset: scale {args.scale:g}, seed {args.seed}, as of {args.as_of.isoformat()}: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
            + f" (generated in {seconds:.1f} s)"
        )
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
        verdict = "all targets met" if not report.failures else f"{len(report.failures)} target(s) missed"
        print(
            f"{report.version}: import {report.import_rows / report.import_seconds:,.0f} rows/s; "
            f"full rank {median(report.compute_times):.2f} s (stored {median(report.run_times):.2f} s); "
            f"re-score {median(report.rescore_times) * 1000:.1f} ms; "
            f"naive {report.naive_seconds:.1f} s{' (extrapolated)' if report.naive_sampled else ''}; {verdict}"
        )
    if not all(report.identical for report in reports):
        print("ERROR: the set-based ranking differs from the naive loop's.")
        return 2
    if args.strict and any(report.failures for report in reports):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
