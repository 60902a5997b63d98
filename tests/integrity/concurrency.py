"""Real races for tests, on SQLite as on PostgreSQL.

`race` runs callables at the same moment in threads (released together by a barrier). Each thread
makes its own requests, so Flask gives it its own app context, session and database connection.

Left alone, threads on a small machine often run one after the other, and a race test then passes
without the race ever happening. So, by default, each thread is also held just before its first
write to the database until every thread has reached its own: every one of them has read the
database (and, say, found no duplicate) before any of them writes. Nothing is mocked: the
statements, transactions and locks are the engine's own; only the timing is forced.
"""

import contextlib
import re
import threading
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db

WRITE = r"^\s*(INSERT|UPDATE|DELETE)\b"


@dataclass
class RaceResult:
    results: list
    writes_held: bool  # every thread reached its first write before any of them wrote


def race(*tasks, hold_first_write: bool = True, first_write: str = WRITE, timeout: float = 20.0) -> RaceResult:
    """Run `tasks` at once, one thread each; their return values in order. A thread's exception fails the test."""
    count = len(tasks)
    start = threading.Barrier(count)
    met = []
    writes = threading.Barrier(count, action=lambda: met.append(True))
    names = [f"race-{n}" for n in range(count)]
    reached: set[str] = set()
    pattern = re.compile(first_write, re.IGNORECASE)

    def hold(conn, cursor, statement, parameters, context, executemany):
        name = threading.current_thread().name
        if name in names and name not in reached and pattern.search(statement):
            reached.add(name)
            # A broken barrier means another thread finished without writing: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                writes.wait(timeout)

    results, failures = [None] * count, []

    def run(n, task):
        try:
            start.wait(timeout)
            results[n] = task()
        except BaseException as exc:  # reported by the caller's thread
            failures.append(exc)
        finally:
            if names[n] not in reached:
                writes.abort()  # this thread will never write: do not keep the others waiting

    engine = db.engine
    if hold_first_write:
        sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(n, task), name=names[n]) for n, task in enumerate(tasks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout * 3)
        assert not any(thread.is_alive() for thread in threads), "a racing thread did not finish"
    finally:
        if hold_first_write:
            sa.event.remove(engine, "before_cursor_execute", hold)
    if failures:
        raise failures[0]
    return RaceResult(results, bool(met))
