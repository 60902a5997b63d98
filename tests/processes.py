"""Test helpers that work with real processes: `flask` commands, scratch databases, a PostgreSQL we can stop."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
# Settings of the test run that must not leak into a child process's configuration.
_SCRUBBED = ("DATABASE_URL", "TEST_DATABASE_URL", "FLASK_APP", "PYTHONPATH", "SECRET_KEY", "LOG_FORMAT")


def child_env(url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update({"ACHILLES_ENV": "testing", "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run_flask(url: str, *args: str, cwd: Path = REPO, stdin: str | None = None, check: bool = True, **env):
    """Run `flask --app wsgi ARGS` in `cwd` (today's code, or an older release's tree) against `url`."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=cwd,
        env=child_env(url, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"flask {' '.join(args)} in {cwd} failed:\n{done.stdout}\n{done.stderr}"
    return done


def postgres_base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")


@contextlib.contextmanager
def scratch_database(directory: Path, label: str):
    """A new, empty database on the engine under test (a file, or a database in the test cluster)."""
    base = postgres_base_url()
    if not base:
        yield f"sqlite:///{directory / f'{label}.sqlite'}"
        return
    name = f"achilles_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """A PostgreSQL server of our own, so a test can stop it (the suite's server must keep running)."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="achilles-pg-"))
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._pg(str(self.bin / "initdb"), "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        data, log = f"{self.dir}/data", f"{self.dir}/log"
        self._pg(str(self.bin / "pg_ctl"), "-D", data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg(str(self.bin / "pg_ctl"), "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
