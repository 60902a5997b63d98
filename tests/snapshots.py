"""Every record of a database, read without the app's models, to compare a database before and after an
operation (an upgrade, a backup and restore). Values are compared as the database driver returns them.
"""

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

IGNORED_TABLES = {"alembic_version"}


@dataclass
class TableRows:
    columns: list[str]
    rows: dict | Counter  # primary key -> row, or a multiset of rows for a table without one

    def __len__(self) -> int:
        return sum(self.rows.values()) if isinstance(self.rows, Counter) else len(self.rows)


def snapshot(url: str, like: dict[str, TableRows] | None = None) -> dict[str, TableRows]:
    """Every row of every table; with `like`, only those tables and columns (missing ones fail the test)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    metadata = sa.MetaData()
    try:
        with engine.connect() as conn:
            metadata.reflect(conn)
            names = sorted(like) if like is not None else sorted(set(metadata.tables) - IGNORED_TABLES)
            return {name: _read(conn, metadata, name, like[name].columns if like else None) for name in names}
    finally:
        engine.dispose()


def _read(conn, metadata: sa.MetaData, name: str, columns: list[str] | None) -> TableRows:
    assert name in metadata.tables, f"table {name} is gone"
    table = metadata.tables[name]
    columns = columns or [c.name for c in table.columns]
    missing = [c for c in columns if c not in table.c]
    assert not missing, f"{name} lost column(s) {missing}"
    key = [c.name for c in table.primary_key.columns]
    result = conn.execute(sa.select(*(table.c[c] for c in columns)).order_by(*(table.c[c] for c in key or columns)))
    if not key:
        return TableRows(columns, Counter(tuple(row) for row in result))
    positions = [columns.index(c) for c in key]
    rows = {}
    for row in result:
        rows[tuple(row[i] for i in positions)] = tuple(row)
    return TableRows(columns, rows)


def differences(before: dict[str, TableRows], after: dict[str, TableRows], limit: int = 3) -> list[str]:
    """What changed, in words: missing tables, changed counts, and the first few differing rows of each table."""
    found = []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            found.append(f"{name}: table missing")
            continue
        if len(old) != len(new):
            found.append(f"{name}: {len(old)} rows before, {len(new)} after")
        if isinstance(old.rows, Counter):
            if old.rows != new.rows:
                found.append(f"{name}: rows differ, e.g. {list((old.rows - new.rows).elements())[:limit]}")
            continue
        changed = [key for key in old.rows if old.rows[key] != new.rows.get(key)]
        for key in changed[:limit]:
            if key not in new.rows:
                found.append(f"{name} row {key}: missing")
                continue
            pairs = zip(old.columns, old.rows[key], new.rows[key], strict=True)
            found.append(f"{name} row {key}: { ({col: (was, now) for col, was, now in pairs if was != now}) }")
        if len(changed) > limit:
            found.append(f"{name}: and {len(changed) - limit} more changed or missing rows")
    return found
