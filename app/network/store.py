"""Writing the network findings: rows built from a computation, the fastest insert each engine
offers, and the lock that keeps a full computation and an incremental update from crossing.

Only app.network writes these tables (app/network/models.py).
"""

import json
import zlib
from datetime import date

import sqlalchemy as sa

from app.base import id_list, utcnow
from app.network.graph import NewPartnerCandidate
from app.network.models import (
    LinkedNetwork,
    NetworkMember,
    RepeatVictimFinding,
    RightToKnowFinding,
    SerialFinding,
)
from app.network.table import Findings, NetworkRows

LOCK_KEY = zlib.crc32(b"achilles-network-findings")
_JSON_COLUMNS = {"earlier_victim_ids", "earlier"}


def lock(session) -> None:
    """Serialise writers of the findings until the transaction ends. PostgreSQL: a transaction
    advisory lock. SQLite serialises writers itself (the first write takes the database lock)."""
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))


def candidate_why(c: NewPartnerCandidate) -> str:
    """The rule's own explanation when it gives one, else the facts it matched, in words."""
    given = getattr(c, "why", None)
    if given:
        return str(given)
    victims = len(c.earlier_victim_ids)
    came = {
        "event": "first harming this",
        "relationship": "a recorded relationship with this",
        "recorded": "a relationship was recorded with this",
    }.get(c.known_from, "this")
    return (
        f"harmed {victims} earlier victim{'s' if victims != 1 else ''} ({c.earlier_events} "
        f"event{'s' if c.earlier_events != 1 else ''}) before {came} "
        f"{(c.relationship or 'person').replace('_', '-')} from {c.partner_since.isoformat()}"
    )


def earlier_json(c: NewPartnerCandidate) -> list[dict]:
    """The earlier victims with their harm, as stored (app.network.stored reads them back)."""
    return [
        {
            "victim_id": v.victim_id,
            "events": v.events,
            "first_on": v.first_on.isoformat(),
            "last_on": v.last_on.isoformat(),
            "harm_days": v.harm_days,
            "offences": list(v.offences),
        }
        for v in c.earlier
    ]


class Rows:
    """Rows for one table: the column names once, then a tuple of values per row (a dict per row
    would cost several times the memory at national scale)."""

    def __init__(self, columns: tuple[str, ...], values: list[tuple]):
        self.columns, self.values = columns, values

    def __len__(self) -> int:
        return len(self.values)

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, v, strict=True)) for v in self.values]


def finding_rows(found: Findings, as_of: date) -> dict[type, Rows]:
    """The rows of the three finding tables for a computation's findings."""
    serial = Rows(("person_id", "victims", "as_of"), [(p, len(vs), as_of) for p, vs in sorted(found.serial.items())])
    repeat = Rows(
        ("person_id", "suspects", "recent_events", "reasons", "as_of"),
        [(v, len(r.suspects), r.recent_events, "; ".join(r.reasons), as_of) for v, r in sorted(found.repeat.items())],
    )
    candidates = Rows(
        (
            "suspect_id",
            "new_partner_id",
            "partner_since",
            "known_from",
            "last_seen_on",
            "events_against",
            "latest_event_id",
            "latest_on",
            "relationship",
            "new_partner_first_on",
            "earlier_victim_ids",
            "earlier_events",
            "earlier_harm_days",
            "earlier",
            "why",
            "as_of",
        ),
        [
            (
                c.suspect_id,
                c.new_victim_id,
                c.partner_since,
                c.known_from,
                c.last_seen_on,
                c.events_against,
                c.latest_event_id,
                c.latest_on,
                c.relationship,
                c.new_victim_first_on,
                list(c.earlier_victim_ids),
                c.earlier_events,
                c.earlier_harm_days,
                earlier_json(c),
                candidate_why(c),
                as_of,
            )
            for c in found.candidates
        ],
    )
    return {SerialFinding: serial, RepeatVictimFinding: repeat, RightToKnowFinding: candidates}


def network_table_rows(rows: NetworkRows, as_of: date) -> dict[type, Rows]:
    now = utcnow()
    networks = Rows(
        ("id", "size", "suspects", "victims", "events", "harm_days", "as_of", "computed_at"),
        [(*row, as_of, now) for row in rows.networks],
    )
    members = Rows(("person_id", "network_id", "role", "harm_days"), rows.members)
    return {LinkedNetwork: networks, NetworkMember: members}


def insert(session, model, rows: Rows) -> None:
    """Insert rows in the session's transaction: COPY on PostgreSQL, else a Core executemany."""
    if not len(rows):
        return
    connection = session.connection()
    table = model.__table__
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), 20_000):
            part = Rows(rows.columns, rows.values[start : start + 20_000])
            session.execute(sa.insert(table), part.dicts())
        return
    json_at = [n for n, c in enumerate(rows.columns) if c in _JSON_COLUMNS]
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(rows.columns)}) FROM STDIN") as copy:
            for values in rows.values:
                if json_at:
                    values = list(values)
                    for n in json_at:
                        values[n] = json.dumps(values[n])
                copy.write_row(values)
    finally:
        cursor.close()


def delete_everything(session) -> None:
    """Every stored finding, in an order the foreign keys accept (DELETE, not TRUNCATE: readers
    keep seeing the old rows until the new ones commit)."""
    for model in (NetworkMember, LinkedNetwork, SerialFinding, RepeatVictimFinding, RightToKnowFinding):
        session.execute(sa.delete(model.__table__))


def delete_for(session, persons: list[int], networks: list[int]) -> None:
    """The stored findings of these persons, and these networks with all their members."""
    if networks:
        keys = id_list("networks", networks)
        session.execute(sa.delete(NetworkMember.__table__).where(NetworkMember.network_id.in_(keys)))
        session.execute(sa.delete(LinkedNetwork.__table__).where(LinkedNetwork.id.in_(keys)))
    if persons:
        ids = id_list("persons", persons)
        session.execute(sa.delete(NetworkMember.__table__).where(NetworkMember.person_id.in_(ids)))
        session.execute(sa.delete(SerialFinding.__table__).where(SerialFinding.person_id.in_(ids)))
        session.execute(sa.delete(RepeatVictimFinding.__table__).where(RepeatVictimFinding.person_id.in_(ids)))
        session.execute(sa.delete(RightToKnowFinding.__table__).where(RightToKnowFinding.suspect_id.in_(ids)))


def write(session, tables: dict[type, Rows]) -> None:
    for model in (LinkedNetwork, NetworkMember, SerialFinding, RepeatVictimFinding, RightToKnowFinding):
        if model in tables:
            insert(session, model, tables[model])
