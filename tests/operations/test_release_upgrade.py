"""Upgrading a database that holds a force's records, from the previous release to today's code.

The previous release is the last tag in RELEASES. Its own code (kept in `releases/<tag>.tar.xz`,
made with `git archive`, because a CI clone may carry no tags) creates the schema, loads the demo
data, creates users, logs breaches through its API (so there are tasks, breaches and re-scores)
and ranks; then today's `flask db upgrade` runs on
that database. Every record of every table the release had must still be there and read the same
(compared column by column without the app's models, then a sample read through today's
models), the audit log must still refuse changes, and `rank` must give the same v1 list for the
same as-of date. It runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

Downgrades are not supported: the way back from a failed upgrade is the backup taken before it.
If a future migration changes stored values on purpose, this test fails until it is told how.
"""

import io
import json
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.processes import REPO, child_env, run_flask, scratch_database
from tests.snapshots import differences, snapshot

pytestmark = pytest.mark.release_upgrade

# Tables that must hold records before the upgrade, or the test would prove little.
MUST_HOLD_RECORDS = (
    "persons",
    "da_events",
    "orders",
    "order_conditions",
    "levers",
    "breaches",
    "tasks",
    "users",
    "api_tokens",
    "score_runs",
    "score_rows",
    "audit_entries",
)
# Read again through today's models after the upgrade: a sample of each.
READ_THROUGH_MODELS = (
    "persons",
    "da_events",
    "orders",
    "breaches",
    "tasks",
    "score_runs",
    "score_rows",
    "audit_entries",
)
PASSWORD = "correct horse battery staple"
BREACHES = 3
# What a release archive holds: enough of the release to build and fill a database with its own code.
RELEASE_PATHS = ("app", "migrations", "wsgi.py", "requirements.txt")

# Run inside the previous release's tree: logs breaches through its API, with its own code.
LOG_BREACHES = """
import sys
from wsgi import create_app

token, when, refs = sys.argv[1], sys.argv[2], sys.argv[3:]
client = create_app().test_client()
for n, ref in enumerate(refs):
    body = {"order_ref": ref, "occurred_at": when, "conditions": [1], "narrative": f"Synthetic breach {n}",
            "arrested": n % 2 == 0}
    answer = client.post("/api/v1/breaches", json=body, headers={"Authorization": f"Bearer {token}"})
    if answer.status_code != 201:
        sys.exit(f"breach on {ref}: {answer.status_code} {answer.get_data(as_text=True)}")
"""


def previous_release() -> str:
    tags = [line.strip() for line in (REPO / "RELEASES").read_text().splitlines()]
    tags = [tag for tag in tags if tag and not tag.startswith("#")]
    assert tags, "RELEASES lists no release"
    return tags[-1]


@pytest.fixture(scope="module")
def release_tree(tmp_path_factory):
    """The previous release's files, from its archive in `releases/` (a clone may carry no tags)."""
    tag = previous_release()
    archive = REPO / "releases" / f"{tag}.tar.xz"
    if not archive.is_file():
        pytest.fail(
            f"{archive.relative_to(REPO)} is missing: each release listed in RELEASES keeps its code there "
            f"(git archive --format=tar {tag} app migrations wsgi.py requirements.txt | xz -9 > {archive.name})"
        )
    tree = tmp_path_factory.mktemp(tag)
    with tarfile.open(archive, mode="r:xz") as tar:
        tar.extractall(tree, filter="data")
    return tree


def test_the_release_archive_is_the_tagged_release():
    """Where the tag is present, the archive holds exactly the tagged code (it cannot drift)."""
    tag = previous_release()
    if (
        shutil.which("git") is None
        or subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"],
            capture_output=True,
            check=False,
        ).returncode
    ):
        pytest.skip(f"this checkout has no tag {tag} to compare the archive with")
    tagged = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", tag, *RELEASE_PATHS], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tagged)) as tar:
        want = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    with tarfile.open(REPO / "releases" / f"{tag}.tar.xz", mode="r:xz") as tar:
        have = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert have == want


def orders_in_force(url: str, day, limit: int) -> list[str]:
    """References of orders in force on `day` that have a condition 1 (read with plain SQL: the old schema)."""
    query = sa.text(
        "SELECT o.ref FROM orders o JOIN order_conditions c ON c.order_id = o.id AND c.number = 1 "
        "WHERE o.starts_on <= :day AND (o.ends_on IS NULL OR o.ends_on >= :day) AND o.revoked_on IS NULL "
        "ORDER BY o.ref"
    ).bindparams(sa.bindparam("day", type_=sa.Date))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        refs = list(conn.scalars(query, {"day": day}))[:limit]
    engine.dispose()
    assert len(refs) == limit, f"the demo data has only {len(refs)} order(s) in force on {day}"
    return refs


def fill_through_the_release(tree, url: str, as_of) -> list[dict]:
    """The previous release's own code builds and fills the database; returns its `rank --json` list."""
    run_flask(url, "db", "upgrade", cwd=tree)
    run_flask(url, "demo-data", cwd=tree)
    run_flask(url, "users", "create", "officer1", "--role", "officer", "--password-stdin", cwd=tree, stdin=PASSWORD)
    run_flask(url, "users", "create", "sup1", "--role", "supervisor", "--password-stdin", cwd=tree, stdin=PASSWORD)
    token = run_flask(url, "users", "token", "officer1", cwd=tree).stdout.strip()
    refs = orders_in_force(url, as_of, BREACHES)
    done = subprocess.run(
        [sys.executable, "-c", LOG_BREACHES, token, f"{as_of}T12:00:00Z", *refs],
        cwd=tree,
        env=child_env(url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ranked = json.loads(run_flask(url, "rank", "--as-of", as_of.isoformat(), "--json", cwd=tree).stdout)
    assert ranked, "the previous release ranked nobody"
    return ranked


# Rows today's migrations seed as catalogue data, not records the release stored: scoring model v2,
# seeded by its migration as a new published version (decision 41). Each is checked to be new (the
# release's own rows must still be there unchanged); every other table holds exactly what it held.
SEEDED_BY_UPGRADE = {"scoring_models": 1}


def set_aside_seeded(before, after) -> None:
    for table, count in SEEDED_BY_UPGRADE.items():
        added = [key for key in after[table].rows if key not in before[table].rows]
        assert len(added) == count, f"{table}: {len(added)} row(s) seeded by the upgrade, {count} expected"
        for key in added:
            del after[table].rows[key]


def _comparable(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, Decimal):
        return float(value)
    return value


def read_through_todays_models(url: str, before) -> None:
    """A sample of rows of each table, loaded by today's models, gives the values the release stored."""
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        mappers = {m.local_table.name: m for m in db.Model.registry.mappers if isinstance(m.local_table, sa.Table)}
        for table in READ_THROUGH_MODELS:
            mapper, old = mappers[table], before[table]
            keys = sorted(old.rows)
            for key in {*keys[:: max(1, len(keys) // 25)], keys[-1]}:
                record = db.session.get(mapper.class_, key[0] if len(key) == 1 else key)
                assert record is not None, f"{table} {key} cannot be loaded by today's models"
                stored = dict(zip(old.columns, old.rows[key], strict=True))
                for attr in mapper.column_attrs:
                    name = attr.columns[0].name
                    if name in stored:
                        now, was = _comparable(getattr(record, attr.key)), _comparable(stored[name])
                        assert now == was, f"{table} {key} {name}: {was!r} before, {now!r} through today's models"
            db.session.expunge_all()
        db.session.remove()
        db.engine.dispose()


def assert_audit_log_refuses_changes(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    for statement in ("UPDATE audit_entries SET summary = 'changed'", "DELETE FROM audit_entries"):
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text(statement))
    engine.dispose()


def rank_today(url: str, as_of) -> list[dict]:
    # Today's ranking must be the v1 model. `--model` arrives with scoring model v2; until then the
    # default model is v1, so the option is passed only when this code's `rank` accepts it.
    model = ["--model", "1"] if "--model" in run_flask(url, "rank", "--help").stdout else []
    return json.loads(run_flask(url, "rank", "--as-of", as_of.isoformat(), "--json", *model).stdout)


def test_todays_upgrade_keeps_every_record_of_a_database_filled_by_the_previous_release(release_tree, tmp_path):
    as_of = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    with scratch_database(tmp_path, "upgrade") as url:
        ranked_before = fill_through_the_release(release_tree, url, as_of)
        before = snapshot(url)
        empty = [table for table in MUST_HOLD_RECORDS if not len(before[table])]
        assert not empty, f"the previous release left these tables empty: {empty}"
        assert len(before["breaches"]) == BREACHES

        run_flask(url, "db", "upgrade")

        after = snapshot(url, like=before)
        set_aside_seeded(before, after)
        changed = differences(before, after)
        assert not changed, "the upgrade lost or changed records:\n" + "\n".join(changed)
        read_through_todays_models(url, before)
        assert_audit_log_refuses_changes(url)
        assert rank_today(url, as_of) == ranked_before
