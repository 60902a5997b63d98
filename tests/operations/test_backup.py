"""Backup and restore: `flask backup` of a populated database, `flask restore` into an empty one, and every
record comes back (audit log included) with the audit log still append-only. On both engines.
"""

import json
import stat
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.processes import run_flask, scratch_database
from tests.snapshots import differences, snapshot

PASSWORD = "correct horse battery staple"


def populate(url: str, client) -> None:
    """Records of every kind a force holds: the register, users, a breach with its task, score runs, audit."""
    run_flask(url, "demo-data", "--scale", "0.2")
    run_flask(url, "users", "create", "officer1", "--role", "officer", "--password-stdin", stdin=PASSWORD)
    token = run_flask(url, "users", "token", "officer1").stdout.strip()
    run_flask(url, "rank")
    day = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        order_ref = conn.scalar(
            sa.text(
                "SELECT o.ref FROM orders o JOIN order_conditions c ON c.order_id = o.id AND c.number = 1 "
                "WHERE o.starts_on <= :day AND (o.ends_on IS NULL OR o.ends_on >= :day) AND o.revoked_on IS NULL "
                "ORDER BY o.ref"
            ).bindparams(sa.bindparam("day", type_=sa.Date)),
            {"day": day},
        )
    engine.dispose()
    body = {"order_ref": order_ref, "occurred_at": f"{day}T12:00:00Z", "conditions": [1], "narrative": "Synthetic"}
    response = client.post(
        "/api/v1/breaches", json=body | {"arrested": False}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.get_json()


def assert_append_only(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    for statement in ("UPDATE audit_entries SET summary = 'changed'", "DELETE FROM audit_entries"):
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text(statement))
    engine.dispose()


def test_a_backup_restores_into_an_empty_database_with_every_record_and_an_append_only_audit_log(
    database, app, client, tmp_path
):
    populate(database.url, client)
    before = snapshot(database.url)
    for table in ("persons", "da_events", "orders", "breaches", "tasks", "users", "score_rows", "audit_entries"):
        assert len(before[table]), f"{table} is empty: the test would prove little"

    out = run_flask(database.url, "backup", str(tmp_path))
    (backup_file,) = [p for p in tmp_path.iterdir() if p.name.startswith("achilles-")]
    assert str(backup_file) in out.stdout
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600  # it holds the whole register

    with scratch_database(tmp_path, "restored") as target:
        restored = run_flask(target, "restore", str(backup_file))
        assert "append-only triggers audit_entries_no_" in restored.stdout
        after = snapshot(target, like=before)
        changed = differences(before, after)
        assert not changed, "the restore lost or changed records:\n" + "\n".join(changed)
        assert snapshot(target).keys() == before.keys()
        assert_append_only(target)
        # The restored database is usable by today's code at once: it ranks the same people.
        ranked = json.loads(run_flask(target, "rank", "--json").stdout)
        assert ranked == json.loads(run_flask(database.url, "rank", "--json").stdout)


def test_restore_refuses_a_database_that_holds_tables_and_changes_nothing(database, app, tmp_path):
    run_flask(database.url, "backup", str(tmp_path / "one.backup"))
    before = snapshot(database.url)
    refused = run_flask(database.url, "restore", str(tmp_path / "one.backup"), check=False)
    assert refused.returncode == 1
    assert "new" in refused.stderr and "Traceback" not in refused.stderr
    assert differences(before, snapshot(database.url)) == []


def test_backup_never_overwrites_a_file(database, app, tmp_path):
    existing = tmp_path / "existing.backup"
    existing.write_text("keep me")
    refused = run_flask(database.url, "backup", str(existing), check=False)
    assert refused.returncode == 1 and "already exists" in refused.stderr and "Traceback" not in refused.stderr
    assert existing.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database")
    with scratch_database(tmp_path, "target") as target:
        refused = run_flask(target, "restore", str(not_a_backup), check=False)
        assert refused.returncode == 1 and "is not a" in refused.stderr and "Traceback" not in refused.stderr
        missing = run_flask(target, "restore", str(tmp_path / "nowhere.backup"), check=False)
        assert missing.returncode == 2 and "does not exist" in missing.stderr
