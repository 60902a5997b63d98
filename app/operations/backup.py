"""Backup and restore of the whole database: pg_dump/pg_restore on PostgreSQL, the online backup API on SQLite.

A backup is one file, readable by its owner only (it holds the whole register). PostgreSQL backups
are pg_dump's custom format (compressed; `pg_restore --list FILE` shows what is inside); SQLite
backups are a consistent copy of the database file taken while the app runs. A restore goes into
an empty database only, and checks what it restored: the schema revision and the audit log's
append-only triggers. Nothing here needs the app's models, so it works at any schema revision.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg.conninfo
import sqlalchemy as sa

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
TOOL_TIMEOUT = 6 * 3600  # seconds: a force-scale dump takes minutes; a hung tool must not hang forever


class BackupError(Exception):
    """The backup or restore could not be done; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    engine: str
    size: int


@dataclass
class RestoreResult:
    engine: str
    revision: str
    tables: int
    audit_entries: int
    audit_triggers: list[str] = field(default_factory=list)


def _engine_name(url: sa.URL) -> str:
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are for SQLite or PostgreSQL databases, not {url.get_backend_name()}.")
    return url.get_backend_name()


def backup_target(target: Path, url: sa.URL) -> Path:
    """TARGET itself, or a time-stamped file inside it when it is a directory."""
    if not target.is_dir():
        return target
    suffix = "dump" if _engine_name(url) == "postgresql" else "sqlite"
    return target / f"achilles-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{suffix}"


def _create_private(path: Path) -> None:
    """Create the backup file readable by its owner only; never overwrite an existing one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} already exists: choose a new file name (a backup never overwrites).") from None
    except OSError as exc:
        raise BackupError(f"Cannot create {path}: {exc.strerror}.") from None


def backup(url: sa.URL, target: Path) -> BackupResult:
    """Write a backup of the database at `url` to `target` (a new file, or a directory to put one in)."""
    engine = _engine_name(url)
    path = backup_target(target, url)
    _create_private(path)
    try:
        if engine == "postgresql":
            _pg_dump(url, path)
        else:
            _sqlite_copy(_sqlite_path(url), path, check_source=False)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return BackupResult(path, engine, path.stat().st_size)


def restore(url: sa.URL, source: Path) -> RestoreResult:
    """Restore the backup `source` into the empty database at `url`, then check what was restored."""
    engine = _engine_name(url)
    header = _header(source)
    if engine == "postgresql":
        if not header.startswith(PG_CUSTOM_HEADER):
            raise BackupError(f"{source} is not a PostgreSQL backup (pg_dump --format=custom).")
        _refuse_a_database_with_tables(url)
        _pg_restore(url, source)
    else:
        if not header.startswith(SQLITE_HEADER):
            raise BackupError(f"{source} is not a SQLite backup.")
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} already holds a database: restore into a new file (set DATABASE_URL to it).")
        if not path.exists():
            _create_private(path)
        _sqlite_copy(source, path, check_source=True)
    return _inspect(url)


def _header(source: Path) -> bytes:
    try:
        with source.open("rb") as handle:
            return handle.read(16)
    except OSError as exc:
        raise BackupError(f"Cannot read {source}: {exc.strerror}.") from None


# ---- SQLite ------------------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("DATABASE_URL must name a SQLite file (sqlite:////path/to/achilles.sqlite).")
    return Path(url.database).resolve()


def _sqlite_copy(source: Path, target: Path, *, check_source: bool) -> None:
    """Copy with SQLite's online backup API: consistent even while the app writes to the source."""
    try:
        # Read-only, so a mistyped path is an error rather than a new empty database.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        raise BackupError(f"Cannot open the SQLite database {source}.") from None
    try:
        if check_source:
            _integrity(src, source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            _integrity(dst, target)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}.") from None
    finally:
        src.close()


def _integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


# ---- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    directory = os.environ.get("PG_BIN_DIR")
    found = shutil.which(name, path=directory) if directory else shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools (the server's major version or newer), "
            "or set PG_BIN_DIR to their directory."
        )
    return found


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment that carries it (not argv, not ps)."""
    params = {"dbname": url.database, "host": url.host, "port": url.port, "user": url.username}
    params.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    conninfo = psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def _run_tool(args: list[str], env: dict) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(args[0]).name} did not finish within {TOOL_TIMEOUT // 3600} hours.") from None
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _pg_dump(url: sa.URL, path: Path) -> None:
    conninfo, env = _libpq(url)
    _run_tool([_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}", f"--dbname={conninfo}"], env)
    # pg_restore reads the archive's table of contents: a truncated or foreign file fails here.
    listing = _run_tool([_pg_tool("pg_restore"), "--list", str(path)], env)
    if "TABLE DATA public audit_entries" not in listing:
        raise BackupError(f"{path} was written but holds no audit log: is DATABASE_URL an Achilles database?")


def _refuse_a_database_with_tables(url: sa.URL) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"Cannot connect to the target database ({type(exc).__name__}).") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            f"The target database already holds {len(tables)} table(s): restore into a new, empty database "
            "(createdb, then point DATABASE_URL at it)."
        )


def _pg_restore(url: sa.URL, source: Path) -> None:
    conninfo, env = _libpq(url)
    # No owner and no privileges from the source cluster: the restoring role owns what it restores,
    # and deploy/postgresql/grants.sql then gives the app role its rights (docs/operations.md).
    _run_tool(
        [
            _pg_tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
    )


# ---- after a restore ---------------------------------------------------------------------------


def _audit_triggers(connection: sa.Connection) -> list[str]:
    if connection.dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass AND NOT tgisinternal ORDER BY 1"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries' ORDER BY 1"
    return list(connection.scalars(sa.text(query)))


def _inspect(url: sa.URL) -> RestoreResult:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            if "alembic_version" not in tables or "audit_entries" not in tables:
                raise BackupError("The restored database is not Achilles's: it has no schema revision or audit log.")
            revision = ", ".join(sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version"))))
            entries = connection.scalar(sa.text("SELECT count(*) FROM audit_entries"))
            triggers = _audit_triggers(connection)
    finally:
        engine.dispose()
    if not triggers:
        raise BackupError("The restored audit log has no append-only triggers: do not use this database.")
    return RestoreResult(_engine_name(url), revision, len(tables), entries, triggers)
