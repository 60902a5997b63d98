"""Benchmark the Right-to-Know rule (app.network.graph.new_partner_candidates) at force scale, as a
ratio against the rule it replaced (only each perpetrator's latest event), measured in one run.

No database: the force-scale demo events are generated (app.imports.demo, seed 2022) and read
into plain records, with one recorded new partner for one perpetrator in fifty, then both rules
run on the events of perpetrators with two or more victims (what the page loads).

    .venv/bin/python scripts/bench_new_partners.py [--scale 22.5] [--repeats 5]
"""

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.imports import demo
from app.network import graph

DEFAULT_HARM = {"abh": 365, "common_assault": 10, "rape": 1825, "strangulation": 365, "gbh": 730}


def latest_event_rule(events, as_of, since):
    """The replaced rule, kept here as the baseline: a suspect's latest event, if it names a partner
    first harmed after someone else."""
    by_suspect = defaultdict(list)
    for e in events:
        if e.occurred_on <= as_of:
            by_suspect[e.suspect_id].append(e)
    found = []
    for evs in by_suspect.values():
        evs.sort(key=lambda e: (e.occurred_on, e.event_id))
        latest = evs[-1]
        if (since and latest.occurred_on < since) or latest.relationship not in graph.INTIMATE_RELATIONSHIPS:
            continue
        first_on = min(e.occurred_on for e in evs if e.victim_id == latest.victim_id)
        if any(e.victim_id != latest.victim_id and e.occurred_on < first_on for e in evs):
            found.append(latest.suspect_id)
    return found


def load(scale: float, as_of: date):
    with tempfile.TemporaryDirectory() as tmp:
        demo.write_csvs(tmp, scale=scale, seed=2022, today=as_of)
        ids: dict[str, int] = {}
        with open(Path(tmp) / "persons.csv", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), 1):
                ids[row["person_ref"]] = n
        events = []
        with open(Path(tmp) / "events.csv", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), 1):
                events.append(
                    graph.EventRecord(
                        n,
                        ids[row["suspect_ref"]],
                        ids[row["victim_ref"]],
                        date.fromisoformat(row["occurred_on"]),
                        DEFAULT_HARM.get(row["offence"], 5),
                        row["relationship"] or None,
                        None,
                        row["offence"],
                    )
                )
    victims = defaultdict(set)
    for e in events:
        victims[e.suspect_id].add(e.victim_id)
    several = {s for s, vs in victims.items() if len(vs) >= 2}
    rng = random.Random(2022)
    links, next_id = [], len(ids) + 1
    for suspect in sorted(victims):
        if rng.random() < 0.02:
            links.append(
                graph.LinkRecord(suspect, next_id, "partner", since=as_of - timedelta(days=rng.randint(5, 200)))
            )
            next_id += 1
    linked = {link.person_a_id for link in links}
    loaded = [e for e in events if e.suspect_id in several or e.suspect_id in linked]
    return events, loaded, links


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=demo.FORCE_SCALE)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    as_of = date(2026, 12, 1)
    since = graph.cutoff(as_of, 12)
    events, loaded, links = load(args.scale, as_of)
    print(f"{len(events):,} events; {len(loaded):,} loaded for the rule; {len(links):,} recorded new partners")
    old, old_found = timed(lambda: latest_event_rule(loaded, as_of, since), args.repeats)
    new, new_found = timed(lambda: graph.new_partner_candidates(loaded, as_of, links=links, since=since), args.repeats)
    print(f"baseline, latest event only: {old * 1000:.0f} ms, {len(old_found):,} candidates")
    print(
        f"every partner after an earlier victim, with relationships: {new * 1000:.0f} ms, {len(new_found):,} candidates"
    )
    print(f"ratio new / baseline: {new / old:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
