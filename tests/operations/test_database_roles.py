"""The runbook's PostgreSQL roles (deploy/postgresql/*.sql): the owner migrates, the app role runs the whole
app, and the app role cannot change the audit log, drop, truncate or alter anything. PostgreSQL only.
"""

import shutil
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.operations import heartbeat
from tests.processes import REPO, postgres_base_url, run_flask

pytestmark = pytest.mark.skipif(not postgres_base_url(), reason="PostgreSQL roles: only on the PostgreSQL run")

REFUSED_TO_THE_APP = [
    "UPDATE audit_entries SET summary = 'changed'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
    "TRUNCATE persons",
    "DROP TABLE persons",
    "ALTER TABLE persons ADD COLUMN note text",
    "CREATE TABLE scratch (id integer)",
    "UPDATE alembic_version SET version_num = 'x'",
    "DROP TRIGGER audit_entries_no_update ON audit_entries",
]


@pytest.fixture
def roles():
    base = sa.make_url(postgres_base_url())
    suffix = uuid.uuid4().hex[:6]
    names = {"owner": f"achilles_owner_{suffix}", "app": f"achilles_app_{suffix}", "db": f"achilles_{suffix}"}

    def psql(sql_file: str, user: str, dbname: str, **variables: str) -> None:
        args = [shutil.which("psql") or "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        args += [f"--host={base.host}", f"--port={base.port}", f"--username={user}", f"--dbname={dbname}"]
        for name, value in variables.items():
            args += ["-v", f"{name}={value}"]
        done = subprocess.run([*args, "-f", str(REPO / sql_file)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr

    def url(role: str, dbname: str | None = None) -> str:
        return f"postgresql+psycopg://{names[role]}@{base.host}:{base.port}/{dbname or names['db']}"

    psql("deploy/postgresql/roles.sql", "postgres", "postgres", locale="C.UTF-8", **names)
    yield names, psql, url
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        for dbname in (names["db"], names["db"] + "_restored"):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{names["app"]}", "{names["owner"]}"'))
    admin.dispose()


def test_the_owner_migrates_and_the_app_role_runs_the_app(roles, tmp_path):
    names, psql, url = roles
    run_flask(url("owner"), "db", "upgrade")
    for _ in range(2):  # after every upgrade; a second run changes nothing
        psql("deploy/postgresql/grants.sql", names["owner"], names["db"], app=names["app"])

    app_url = url("app")
    run_flask(app_url, "demo-data", "--scale", "0.05")
    run_flask(app_url, "users", "create", "sup1", "--role", "supervisor", "--password-stdin", stdin="a long passphrase")
    run_flask(app_url, "rank")
    run_flask(app_url, "scheduler", "run-job", "nightly_rank")
    run_flask(app_url, "scheduler", "run-job", "prune_login_attempts")
    run_flask(app_url, "backup", str(tmp_path / "achilles.dump"))  # needs no more than the app role has

    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": app_url, "READY_REQUIRE_SCHEDULER": True})
    heartbeat.beat(app, datetime.now(UTC))
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        db.engine.dispose()


def test_the_app_role_cannot_change_the_audit_log_or_the_schema(roles):
    names, psql, url = roles
    run_flask(url("owner"), "db", "upgrade")
    psql("deploy/postgresql/grants.sql", names["owner"], names["db"], app=names["app"])
    engine = sa.create_engine(url("app"), poolclass=sa.pool.NullPool)
    for statement in REFUSED_TO_THE_APP:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner") as refused:
                conn.execute(sa.text(statement))
            assert "append-only" not in str(refused.value), f"{statement}: only the trigger stopped it"
    engine.dispose()


def test_a_backup_restores_as_the_owner_into_a_new_database_the_app_role_can_then_use(roles, tmp_path):
    names, psql, url = roles
    run_flask(url("owner"), "db", "upgrade")
    psql("deploy/postgresql/grants.sql", names["owner"], names["db"], app=names["app"])
    run_flask(url("app"), "demo-data", "--scale", "0.05")
    run_flask(url("app"), "backup", str(tmp_path / "achilles.dump"))

    restored = names["db"] + "_restored"
    admin = sa.create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:  # the runbook: createdb -O achilles_owner ... achilles_restored
        conn.execute(sa.text(f'CREATE DATABASE "{restored}" OWNER "{names["owner"]}" TEMPLATE template0'))
        conn.execute(sa.text(f'REVOKE ALL ON DATABASE "{restored}" FROM PUBLIC'))
        conn.execute(sa.text(f'GRANT CONNECT ON DATABASE "{restored}" TO "{names["app"]}"'))
    admin.dispose()
    run_flask(url("owner", restored), "restore", str(tmp_path / "achilles.dump"))
    psql("deploy/postgresql/grants.sql", names["owner"], restored, app=names["app"])

    assert run_flask(url("app", restored), "rank").returncode == 0
    engine = sa.create_engine(url("app", restored), poolclass=sa.pool.NullPool)
    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        conn.execute(sa.text("DELETE FROM audit_entries"))
    engine.dispose()
