#!/usr/bin/env python3
"""Network benchmark: the stored network findings against the per-request computation they replace.

    .venv/bin/python scripts/bench_network.py [--scale 22.5] [--engine sqlite|postgresql|both]
        [--requests 30] [--baseline-requests 5] [--seed 2022] [--strict]

For each engine, in one run: a fresh database, migrated, then the synthetic register written
straight into the tables (COPY on PostgreSQL, executemany on SQLite; never the ORM import): the
demo generator's persons and events (app/imports/demo.py) plus its linked families of 20-60 persons
(app/imports/demo_families.py) and their family relationships. Scale 22.5 is force scale (about
45,000 persons, 120,000 events); 540 is national scale (24 x force scale, about 1.1 million
persons, 2.9 million events).

Then it measures, each in a fresh process where memory matters:
- baseline: the per-request computation the network pages did before (every event read, the whole
  graph built, components and findings worked out): the linked-networks page and the
  Right-to-Know page, time (p50, p95) and peak memory of the process;
- the full computation of the findings (what the nightly job runs): time and peak memory;
- the pages reading the stored findings, through the Flask test client signed in as a supervisor
  and analyst: p50 and p95 of --requests requests each (after one warm-up);
- an incremental update: an event joining two linked networks, recorded through the offenders'
  service, which recomputes only those networks (median of 9);
- that the stored findings equal the per-request computation's.

Targets (issue 14): force scale, pages <= 150 ms p95 and the computation <= 10 s; national scale
(PostgreSQL), the computation <= 4 min and <= 2 GiB, pages <= 300 ms p95.
"""

import argparse
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import sqlalchemy as sa  # noqa: E402
from bench import machine_lines, make_app, postgresql_database, sqlite_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

PASSWORD = "violet harbour quince 7741"  # noqa: S105 (a throwaway user in a throwaway database)
FORCE_SCALE = 22.5


# ---- the dataset, written straight into the tables ----------------------------------------------


def build_dataset(app, scale: float, seed: int, today: date) -> dict:
    from app.extensions import db
    from app.imports import demo, demo_families

    generator = demo._Generator(random.Random(seed), scale, today)
    generator.generate()
    families = demo_families.generate(seed, scale, today, taken_pnc_ids={p.pnc_id for p in generator.persons})
    persons = generator.persons + families.persons
    events = generator.events + families.events
    ids = {id(p): n for n, p in enumerate(persons, 1)}
    now = datetime.now(UTC)
    person_rows = (
        (ids[id(p)], p.ref, p.surname, p.forenames, p.date_of_birth, p.gender, p.pnc_id, p.district, 1, now, now)
        for p in persons
    )
    event_rows = (
        (
            n,
            e.ref,
            e.day,
            e.offence,
            ids[id(e.suspect)],
            ids[id(e.victim)],
            e.relationship or None,
            e.dash_risk or None,
            e.district or None,
            e.outcome or None,
            "import",
            1,
            now,
            now,
        )
        for n, e in enumerate(events, 1)
    )
    link_rows = ((ids[id(a)], ids[id(b)], kind, "records", 1, now, now) for a, b, kind in families.relationships)
    tables = {
        "persons": (
            "id, ref, surname, forenames, date_of_birth, gender, pnc_id, district, version_id, created_at, updated_at",
            person_rows,
        ),
        "da_events": (
            "id, ref, occurred_on, offence, suspect_id, victim_id, relationship_type, dash_risk, district, outcome, "
            "source, version_id, created_at, updated_at",
            event_rows,
        ),
        "person_links": (
            "person_a_id, person_b_id, relationship_type, source, version_id, created_at, updated_at",
            link_rows,
        ),
    }
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                with connection.cursor() as cursor:
                    for table, (columns, rows) in tables.items():
                        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                    for table in ("persons", "da_events", "person_links"):
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                        )
                connection.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(sa.text("VACUUM ANALYZE"))
            else:
                cursor = connection.cursor()
                for table, (columns, rows) in tables.items():
                    marks = ", ".join("?" * len(columns.split(",")))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 (fixed names)
                        (tuple(_sqlite(v) for v in row) for row in rows),
                    )
                connection.commit()
                cursor.execute("ANALYZE")
        finally:
            connection.close()
    return {"persons": len(persons), "events": len(events), "relationships": len(families.relationships)}


def _sqlite(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---- the baseline: the per-request computation the pages did before ----------------------------


def baseline_linked_networks(session, as_of: date) -> dict:
    """What the linked-networks page computed on every request before: every event, the whole graph."""
    from app.network import graph as network
    from app.network.services import load_events, load_links

    events = load_events(session, as_of=as_of)
    graph = network.build_graph(network.pairs_from_events(events), load_links(session))
    components = network.linked_networks(graph)
    for comp in components[:20]:
        sub = graph.subgraph(comp)
        [network.role_of(sub, n) for n in comp]
    sizes: dict[int, int] = {}
    for c in components:
        sizes[len(c)] = sizes.get(len(c), 0) + 1
    return {
        "persons": graph.number_of_nodes(),
        "networks": len(components),
        "sizes": sizes,
        "serial": len(network.serial_perpetrators(events, as_of)),
        "repeat": len(network.repeat_victims(events, as_of)),
    }


def baseline_right_to_know(session, as_of: date) -> set:
    """What the Right-to-Know page computed on every request before."""
    from app.network import graph as network
    from app.network.services import load_events, load_links

    links = load_links(session, types=network.INTIMATE_RELATIONSHIPS)
    linked = {p for link in links for p in (link.person_a_id, link.person_b_id)}
    events = load_events(session, as_of=as_of, multi_victim_suspects_only=True, also_suspects=linked)
    return {(c.suspect_id, c.new_victim_id) for c in network.new_partner_candidates(events, as_of, links=links)}


# ---- measurements in a fresh process (for their peak memory) -------------------------------------


def child(args) -> None:
    """Run one measurement in this fresh process and print it as JSON."""
    from app.audit.services import Actor
    from app.extensions import db

    app = make_app(args.url, json.loads(args.options), Path(args.instance))
    as_of = date.fromisoformat(args.as_of)
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        before = peak_mib()
        out: dict = {}
        if args.child == "compute":
            from app.network.findings import compute_findings

            started = time.perf_counter()
            run = compute_findings(trigger="manual", actor=Actor("benchmark"), as_of=as_of)
            out = {"seconds": time.perf_counter() - started, "networks": run.networks, "persons": run.persons}
        else:
            times, found = [], None
            for _ in range(args.repeat):
                started = time.perf_counter()
                if args.child == "baseline-linked":
                    found = baseline_linked_networks(db.session, as_of)
                else:
                    found = sorted(baseline_right_to_know(db.session, as_of))
                db.session.rollback()
                times.append(time.perf_counter() - started)
            out = {"times": times, "found": found}
    out["maxrss_mib"] = peak_mib()
    out["growth_mib"] = out["maxrss_mib"] - before  # what the work added to the process
    print("RESULT " + json.dumps(out, default=str))


def peak_mib() -> float:
    """This process's peak resident memory since it started (VmHWM). Not ru_maxrss: Linux keeps
    that across fork and exec, so a child of a large benchmark process would report the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(kind: str, url: str, options: dict, instance: Path, as_of: date, repeat: int = 1) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--url", url, "--options", json.dumps(options)]
    command += ["--instance", str(instance), "--as-of", as_of.isoformat(), "--repeat", str(repeat)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (this very script)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise SystemExit(f"{kind} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


REASON_FORM = "Why are you opening"


def time_pages(url: str, options: dict, instance: Path, pages: dict[str, str], requests: int) -> dict:
    from app import create_app
    from app.audit.services import Actor
    from app.auth import services as auth_services
    from app.extensions import db

    app = create_app(
        {
            "ENV": "testing",
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "WTF_CSRF_ENABLED": False,
            "LOG_LEVEL": logging.WARNING,  # one line per request would drown the report
        }
    )
    with app.app_context():
        auth_services.create_user("bench", ["supervisor", "analyst"], PASSWORD, actor=Actor("benchmark"))
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"username": "bench", "password": PASSWORD}).status_code == 302
    out = {}
    for label, path in pages.items():
        response = client.get(path)
        if REASON_FORM in response.get_data(as_text=True):
            # A person's record asks why it is opened, once per session (README "Security"): state a
            # reason as a user would, so that what is timed is the page, not the question.
            ref = path.rstrip("/").rsplit("/", 1)[-1]
            data = {"reason": "tasking", "detail": "", "object_type": "person", "object_ref": ref, "next": path}
            assert client.post("/audit/reason", data=data).status_code == 302
            response = client.get(path)
            assert REASON_FORM not in response.get_data(as_text=True), f"{path} still asks for a reason"
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        out[label] = (statistics.median(times), percentile(times, 95))
        if "picture" in label or "profile" in label:
            from app.network.services import _drawn

            times = []
            for _ in range(requests):
                _drawn.cache_clear()  # a first view: the layout is worked out in the request
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            out[f"{label}, first view"] = (statistics.median(times), percentile(times, 95))
    return out


def incremental_updates(app, as_of: date, repeats: int = 9) -> list[float]:
    """An event recorded through the service between persons of two different linked networks."""
    from app.audit.services import Actor
    from app.extensions import db
    from app.network.models import LinkedNetwork, NetworkMember
    from app.offenders.events.services import create_event
    from app.offenders.models import Person

    times = []
    with app.app_context():
        keys = list(
            db.session.scalars(sa.select(LinkedNetwork.id).order_by(LinkedNetwork.size.desc()).limit(2 * repeats))
        )
        for a, b in zip(keys[0::2], keys[1::2], strict=False):
            suspect = db.session.scalar(
                sa.select(NetworkMember.person_id).where(NetworkMember.network_id == a).limit(1)
            )
            victim = db.session.scalar(sa.select(NetworkMember.person_id).where(NetworkMember.network_id == b).limit(1))
            values = {
                "occurred_on": as_of,
                "offence": "common_assault",
                "suspect_ref": db.session.get(Person, suspect).ref,
                "victim_ref": db.session.get(Person, victim).ref,
                "relationship_type": "partner",
            }
            started = time.perf_counter()
            create_event(values, actor=Actor("benchmark"))
            times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return times


def stored_findings(app) -> dict:
    from app.extensions import db
    from app.network.models import LinkedNetwork, RepeatVictimFinding, RightToKnowFinding, SerialFinding

    with app.app_context():
        sizes = dict(
            db.session.execute(sa.select(LinkedNetwork.size, sa.func.count()).group_by(LinkedNetwork.size)).all()
        )
        out = {
            "persons": sum(size * n for size, n in sizes.items()),
            "networks": sum(sizes.values()),
            "sizes": {str(k): v for k, v in sizes.items()},
            "serial": db.session.scalar(sa.select(sa.func.count()).select_from(SerialFinding)),
            "repeat": db.session.scalar(sa.select(sa.func.count()).select_from(RepeatVictimFinding)),
            "rtk": sorted(
                [s, v]
                for s, v in db.session.execute(
                    sa.select(RightToKnowFinding.suspect_id, RightToKnowFinding.new_partner_id)
                )
            ),
        }
        hub = db.session.scalar(
            sa.text(
                "SELECT p.ref FROM network_members m JOIN persons p ON p.id = m.person_id "
                "JOIN network_components c ON c.id = m.network_id WHERE c.size <= 150 "
                "ORDER BY c.size DESC, m.harm_days DESC, m.person_id LIMIT 1"
            )
        )
        db.session.remove()
    return out | {"hub": hub}


# ---- one engine ------------------------------------------------------------------------------------


def bench_engine(label: str, url: str, options: dict, args, workdir: Path) -> dict:
    today = date.today()
    instance = workdir / "instance"
    app = make_app(url, options, instance)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    started = time.perf_counter()
    counts = build_dataset(app, args.scale, args.seed, today)
    print(
        f"== {label}: {counts['persons']:,} persons, {counts['events']:,} events, {counts['relationships']:,} "
        f"family relationships written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    report: dict = {"label": label, "counts": counts}
    for kind in () if args.skip_baseline else ("baseline-linked", "baseline-rtk"):
        result = in_child(kind, url, options, instance, today, args.baseline_requests)
        report[kind] = result
        ms = [t * 1000 for t in result["times"]]
        print(
            f"baseline {kind.removeprefix('baseline-')}: p50 {statistics.median(ms):,.0f} ms, p95 "
            f"{percentile(ms, 95):,.0f} ms over {len(ms)}, peak {result['maxrss_mib']:,.0f} MiB "
            f"(+{result['growth_mib']:,.0f} MiB for the work)",
            flush=True,
        )
    computed = in_child("compute", url, options, instance, today)
    report["compute"] = computed
    print(
        f"full computation: {computed['seconds']:.1f} s, peak {computed['maxrss_mib']:,.0f} MiB "
        f"(+{computed['growth_mib']:,.0f} MiB for the work; {computed['networks']:,} networks)",
        flush=True,
    )
    stored = stored_findings(app)
    base = report["baseline-linked"]["found"] if "baseline-linked" in report else None
    same = base is not None and (
        base["persons"] == stored["persons"]
        and base["networks"] == stored["networks"]
        and {str(k): v for k, v in base["sizes"].items()} == stored["sizes"]
        and base["serial"] == stored["serial"]
        and base["repeat"] == stored["repeat"]
        and sorted(report["baseline-rtk"]["found"]) == stored["rtk"]
    )
    report["same"] = same if base is not None else None
    if base is not None:
        print(f"stored findings equal the per-request computation's: {'yes' if same else 'NO'}", flush=True)
    pages = {
        "linked networks": "/persons/network/linked",
        "Right-to-Know (12 months)": "/persons/network/right-to-know",
        "Right-to-Know, Clare's Law": "/referrals/clares-law/right-to-know?within=12",
        f"network picture ({stored['hub']})": f"/persons/network/of/{stored['hub']}",
        "profile with its network": f"/persons/{stored['hub']}",
    }
    report["pages"] = time_pages(url, options, instance, pages, args.requests)
    for page, (p50, p95) in report["pages"].items():
        print(f"page {page}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    report["incremental"] = incremental_updates(app, today)
    print(
        f"incremental update (event joining two networks): median {statistics.median(report['incremental']):.1f} ms",
        flush=True,
    )
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    return report


def summary(reports: list[dict], national: bool) -> bool:
    page_target = 300.0 if national else 150.0
    compute_target = 240.0 if national else 10.0
    ok = True
    print("\n| | " + " | ".join(r["label"] for r in reports) + " |")
    print("|---|" + "---|" * len(reports))

    def row(name, cells):
        print(f"| {name} | " + " | ".join(cells) + " |")

    row("persons / events", [f"{r['counts']['persons']:,} / {r['counts']['events']:,}" for r in reports])
    with_baseline = all("baseline-linked" in r for r in reports)
    for kind, name in (
        () if not with_baseline else (("baseline-linked", "linked networks"), ("baseline-rtk", "Right-to-Know"))
    ):
        cells = []
        for r in reports:
            times = [t * 1000 for t in r[kind]["times"]]
            cells.append(
                f"{statistics.median(times):,.0f} / {percentile(times, 95):,.0f} ms (+{r[kind]['growth_mib']:,.0f} MiB)"
            )
        row(f"baseline: {name} computed per request, p50 / p95 (memory the work added)", cells)
    row(
        "full computation (nightly job), time (peak memory)",
        [f"{r['compute']['seconds']:.1f} s ({r['compute']['maxrss_mib']:,.0f} MiB)" for r in reports],
    )
    for page in reports[0]["pages"]:
        row(f"page: {page}, p50 / p95", [f"{r['pages'][page][0]:.1f} / {r['pages'][page][1]:.1f} ms" for r in reports])
    for kind, page in (
        ()
        if not with_baseline
        else (
            ("baseline-linked", "linked networks"),
            ("baseline-rtk", "Right-to-Know (12 months)"),
        )
    ):
        row(
            f"ratio: {page}, baseline p95 / stored p95",
            [f"{percentile(r[kind]['times'], 95) * 1000 / r['pages'][page][1]:,.0f}×" for r in reports],
        )
    row("incremental update, median", [f"{statistics.median(r['incremental']):.1f} ms" for r in reports])
    if with_baseline:
        row("same findings as the per-request computation", ["yes" if r["same"] else "NO" for r in reports])
    for r in reports:
        worst = max(p95 for _p50, p95 in r["pages"].values())
        memory = r["compute"]["maxrss_mib"] <= 2048 or not national
        met = worst <= page_target and r["compute"]["seconds"] <= compute_target and memory and r["same"] is not False
        ok &= met
        print(
            f"\n{r['label']}: pages p95 at most {worst:.1f} ms (target {page_target:.0f}), computation "
            f"{r['compute']['seconds']:.1f} s (target {compute_target:.0f} s)"
            + (f", {r['compute']['maxrss_mib']:,.0f} MiB (target 2,048)" if national else "")
            + f": {'targets met' if met else 'TARGET MISSED'}"
        )
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=FORCE_SCALE)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--baseline-requests", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--skip-baseline", action="store_true", help="measure the stored findings only")
    for name in ("--child", "--url", "--options", "--instance", "--as-of"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    for line in machine_lines():
        print(line)
    print(f"command: {' '.join(sys.argv)}")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    url = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL", "")
    if "postgresql" in engines and not url.startswith(("postgresql", "postgres")):
        print("PostgreSQL: not run (neither DATABASE_URL nor TEST_DATABASE_URL names a PostgreSQL server)")
        engines.remove("postgresql")
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for engine in engines:
            context = sqlite_database(workdir) if engine == "sqlite" else postgresql_database(url)
            with context as (db_url, options, label):
                reports.append(bench_engine(label, db_url, options, args, workdir))
    if not reports:
        print("nothing measured")
        return 1
    ok = summary(reports, national=args.scale > 4 * FORCE_SCALE)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
