#!/usr/bin/env python3
"""National-scale ranking benchmark on PostgreSQL: 24 force-scale datasets (about 2.7M events),
loaded by COPY, then one full v2 ranking with storage, timed, in a process of its own whose peak
memory is measured.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python scripts/bench_national.py [--shards 24]

A new database is created on the server of DATABASE_URL and dropped at the end. Each shard is the
demo generator's force-scale dataset with its own seed (invented persons only), written straight
into the tables by COPY rather than through the import (whose whole-file checks and per-row work
would take hours at this size and are not what is measured): persons, events, orders, levers and
custody periods, with references prefixed by the shard number so they stay unique. Only one shard
is held in memory at a time. The tables are then ANALYZEd, as autovacuum would after a bulk load.

The ranking runs in a child process (`--rank URL`), started after the load, so that its peak
resident memory (VmHWM, which unlike ru_maxrss does not carry the parent's over) is the ranking's
own and not the generator's: it reports the seconds of `run_ranking` (load, score, store the run
and its rows, replace the current scores, audit, commit) and the peak. The same bare GROUP BY as
scripts/bench.py is timed for comparison.
Targets: full rank with storage <= 20 s, peak memory <= 1 GiB.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import BASELINE_SQL, load_line, machine_lines, make_app, postgresql_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app.audit.services import Actor  # noqa: E402
from app.base import local_today  # noqa: E402
from app.extensions import db  # noqa: E402
from app.imports import demo  # noqa: E402

TARGET_SECONDS = 20.0
TARGET_MEMORY_MB = 1024.0


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load_shard(connection, shard: int, seed: int, today, ids: dict, scale: float) -> dict[str, int]:
    """Generate one force-scale dataset and COPY it in; `ids` carries the last ids used."""
    generator = demo._Generator(random.Random(seed + shard), scale, today)
    generator.generate(demo.CONTRIBUTORS)
    prefix, now = f"N{shard:02d}-", datetime.now(UTC)
    person_id = {}
    for person in generator.persons:
        ids["persons"] += 1
        person_id[person] = ids["persons"]
    cursor = connection.connection.dbapi_connection.cursor()
    counts = {}
    counts["persons"] = _copy(
        cursor,
        "persons",
        ("id", "ref", "surname", "forenames", "date_of_birth", "gender", "pnc_id", "district", "created_at",
         "updated_at", "version_id"),
        ((person_id[p], prefix + p.ref, p.surname, p.forenames, p.date_of_birth, p.gender,
          p.pnc_id if shard == 0 else None, p.district, now, now, 1) for p in generator.persons),
    )  # fmt: skip
    rows = []
    for number, e in enumerate(generator.events, ids["events"] + 1):
        rows.append(
            (number, f"{prefix}E{number}", e.day, e.offence, person_id[e.suspect], person_id[e.victim],
             e.relationship, e.dash_risk or None, e.district or None, e.outcome or None, "import", now, now, 1)
        )  # fmt: skip
    ids["events"] += len(rows)
    counts["events"] = _copy(
        cursor,
        "da_events",
        ("id", "ref", "occurred_on", "offence", "suspect_id", "victim_id", "relationship_type", "dash_risk",
         "district", "outcome", "source", "created_at", "updated_at", "version_id"),
        rows,
    )  # fmt: skip
    counts["orders"] = _copy(
        cursor,
        "orders",
        ("ref", "order_type", "subject_id", "starts_on", "ends_on", "power_of_arrest", "created_at", "updated_at",
         "version_id"),
        ((prefix + o.ref, o.order_type, person_id[o.subject], o.starts_on, o.ends_on, False, now, now, 1)
         for o in generator.orders),
    )  # fmt: skip
    counts["levers"] = _copy(
        cursor,
        "levers",
        ("person_id", "lever", "active", "noted_on", "detail", "created_at", "updated_at", "version_id"),
        (
            (person_id[p], code, active, noted, detail, now, now, 1)
            for p, code, active, noted, detail in generator.levers
        ),
    )
    counts["custody"] = _copy(
        cursor,
        "custody_periods",
        ("person_id", "custody_from", "custody_to", "kind", "expected_release_on", "source", "created_at",
         "updated_at", "version_id"),
        ((person_id[c.person], c.custody_from, c.custody_to, c.kind, c.expected_release_on, "import", now, now, 1)
         for c in generator.custody),
    )  # fmt: skip
    cursor.close()
    return counts


def build(url: str, options: dict, shards: int, seed: int, workdir: Path, scale: float) -> None:
    app = make_app(url, options, workdir / "instance-national")
    today = local_today()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        ids = {"persons": 0, "events": 0}
        totals: dict[str, int] = {}
        start = time.perf_counter()
        for shard in range(shards):
            with db.engine.begin() as connection:
                for name, n in load_shard(connection, shard, seed, today, ids, scale).items():
                    totals[name] = totals.get(name, 0) + n
            print(f"  shard {shard + 1}/{shards} loaded ({time.perf_counter() - start:.0f} s so far)", flush=True)
        with db.engine.begin() as connection:
            for table, last in (("persons", ids["persons"]), ("da_events", ids["events"])):
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        print(
            f"dataset: {shards} shards of scale {scale:g}, seeds {seed}+n, as of {today.isoformat()}: "
            + ", ".join(f"{n:,} {name}" for name, n in totals.items())
            + f" (generated and loaded by COPY in {time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        db.engine.dispose()


def peak_kib() -> int:
    """This process's peak resident memory since it started, in KiB (VmHWM). Not ru_maxrss: Linux
    keeps that across fork and exec, so this child of the loading process would report the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rank(url: str, options: dict, workdir: Path) -> None:
    """In the child process: time the baseline and one full ranking with storage; print JSON."""
    from app.ranking import services

    app = make_app(url, options, workdir / "instance-rank")
    with app.app_context():
        before = peak_kib()
        start = time.perf_counter()
        with db.engine.connect() as connection:
            groups = len(connection.exec_driver_sql(BASELINE_SQL).all())
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        run = services.run_ranking(local_today(), "nightly", actor=Actor("benchmark"))
        seconds = time.perf_counter() - start
        peak = peak_kib()
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "ranked": run.ranked_count,
                    "baseline": baseline,
                    "groups": groups,
                    "peak_mb": peak / 1024,
                    "before_mb": before / 1024,
                }
            )
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--scale", type=float, default=demo.FORCE_SCALE, help="each shard's scale (default force)")
    parser.add_argument("--rank", metavar="URL", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    workdir = Path(tempfile.gettempdir()) / "achilles-national"
    workdir.mkdir(exist_ok=True)
    options = json.loads(os.environ.get("BENCH_ENGINE_OPTIONS", "{}"))
    if args.rank:
        rank(args.rank, options, workdir)
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "postgresql+")):
        parser.error("DATABASE_URL must point at a PostgreSQL server")
    print("Achilles national-scale ranking benchmark")
    for line in machine_lines():
        print(line)
    with postgresql_database(url) as (database_url, engine_options, version):
        print(f"== {version}")
        build(database_url, engine_options, args.shards, args.seed, workdir, args.scale)
        print(load_line(), flush=True)
        env = os.environ | {"BENCH_ENGINE_OPTIONS": json.dumps(engine_options)}
        child = subprocess.run(  # noqa: S603  (this very script, with the URL it made)
            [sys.executable, __file__, "--rank", database_url], capture_output=True, text=True, env=env, check=False
        )
        if child.returncode != 0:
            print(child.stdout, child.stderr)
            return 1
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(load_line())
        print(f"baseline, one bare GROUP BY over all events ({result['groups']:,} groups): {result['baseline']:.2f} s")
        print(
            f"full rank v2 with storage (run_ranking, in a process of its own): {result['seconds']:.1f} s, "
            f"{result['ranked']:,} ranked = {result['seconds'] / result['baseline']:.1f}x the GROUP BY; peak memory "
            f"{result['peak_mb']:,.0f} MiB (the process held {result['before_mb']:,.0f} MiB before ranking)"
        )
        ok_time, ok_memory = result["seconds"] <= TARGET_SECONDS, result["peak_mb"] <= TARGET_MEMORY_MB
        print(f"  {'PASS' if ok_time else 'FAIL'}  full rank with storage <= {TARGET_SECONDS:.0f} s")
        print(f"  {'PASS' if ok_memory else 'FAIL'}  peak memory <= {TARGET_MEMORY_MB:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
