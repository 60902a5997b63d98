"""The import contract of DESIGN.md: check every file whole, then write all of it or nothing.

Import is idempotent on references: a row whose reference is already held with the same values
changes nothing; with different values it updates the record (the force's records system is the
source of truth) and the change is written to the audit log with its before and after values.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.audit.services import Actor
from app.base import PNC_PATTERN, id_list, local_today, utcnow
from app.base import today as utc_today
from app.catalogue import (
    DASH_RISKS,
    EVENT_OUTCOMES,
    GENDERS,
    RELATIONSHIPS,
    LeverType,
    OffenceCategory,
    OrderType,
)
from app.extensions import db
from app.imports import custody as custody_file
from app.imports.parsing import FILE_ORDER, FILES, ParsedFile, RowChecker, RowError, read_csv
from app.network import findings as network_findings
from app.offenders.merge import services as merge
from app.offenders.models import DAEvent, Lever, Person, PersonCategory
from app.orders.models import Order, OrderCondition, breach_conditions
from app.ranking import services as ranking

PERSON_FIELDS = ("surname", "forenames", "date_of_birth", "gender", "pnc_id", "district")
EVENT_FIELDS = (
    "occurred_on",
    "offence",
    "suspect_id",
    "victim_id",
    "relationship_type",
    "dash_risk",
    "district",
    "outcome",
)
ORDER_FIELDS = ("order_type", "subject_id", "starts_on", "ends_on")
MAX_AUDITED_CHANGES = 1000


@dataclass
class ImportResult:
    files: list[str] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rescored: int = 0  # persons whose scores the import changed, re-scored at once

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_lines(self) -> list[str]:
        lines = []
        for name in self.files:
            c = self.counts.get(name, Counter())
            lines.append(
                f"{name}: {c['rows']} {'row' if c['rows'] == 1 else 'rows'}; {c['created']} created, "
                f"{c['updated']} updated, {c['unchanged']} unchanged"
            )
        if self.rescored:
            lines.append(f"{self.rescored} person(s) re-scored: the target list is up to date.")
        return lines


class _Context:
    """What the checks need to know about the database: catalogues and the references held."""

    def __init__(self):
        self.offences = set(db.session.scalars(sa.select(OffenceCategory.code)))
        self.order_types = set(db.session.scalars(sa.select(OrderType.code)))
        levers = db.session.execute(sa.select(LeverType.code, LeverType.derived)).all()
        self.levers = {code for code, derived in levers if not derived}
        self.derived_levers = {code for code, derived in levers if derived}
        self.person_ids: dict[str, int] = dict(db.session.execute(sa.select(Person.ref, Person.id)).all())
        self.pnc_owner: dict[str, str] = dict(
            db.session.execute(sa.select(Person.pnc_id, Person.ref).where(Person.pnc_id.is_not(None))).all()
        )
        self.file_person_refs: set[str] = set()

    def person_known(self, ref: str) -> bool:
        return ref in self.file_person_refs or ref in self.person_ids


def _check_duplicate(c: RowChecker, seen: dict, key, column: str, label: str) -> bool:
    if key in seen:
        c.error(column, f"{label} appears again (first on line {seen[key]})")
        return True
    seen[key] = c.line
    return False


def _check_person_ref(c: RowChecker, ctx: _Context, column: str) -> str | None:
    ref = c.ref(column)
    if ref is not None and not ctx.person_known(ref):
        c.error(column, f"names person {ref!r}, who is neither in persons.csv nor already held")
        return None
    return ref


def _parse_persons(parsed: ParsedFile, raw_rows, ctx: _Context, today: date) -> None:
    seen, seen_pnc = {}, {}
    for line, raw in raw_rows:
        c = RowChecker(parsed.name, line, raw, parsed.errors, today)
        before = len(parsed.errors)
        row = {
            "ref": c.ref("person_ref"),
            "surname": c.text("surname", required=True, max_length=100),
            "forenames": c.text("forenames", required=True, max_length=200),
            "date_of_birth": c.day("date_of_birth"),
            "gender": c.choice("gender", GENDERS),
            "pnc_id": c.text("pnc_id", max_length=20),
            "district": c.text("district", max_length=100),
        }
        if row["pnc_id"] is not None:
            row["pnc_id"] = row["pnc_id"].upper()
            if not PNC_PATTERN.match(row["pnc_id"]):
                c.error("pnc_id", f"{row['pnc_id']!r} is not a PNC ID such as 2019/1234567A")
            else:
                _check_duplicate(c, seen_pnc, row["pnc_id"], "pnc_id", f"PNC ID {row['pnc_id']}")
                owner = ctx.pnc_owner.get(row["pnc_id"])
                if owner is not None and owner != row["ref"]:
                    c.error("pnc_id", f"PNC ID {row['pnc_id']} is already held for person {owner}")
        if row["ref"] is not None:
            _check_duplicate(c, seen, row["ref"], "person_ref", f"person_ref {row['ref']}")
            ctx.file_person_refs.add(row["ref"])
        if len(parsed.errors) == before:
            parsed.rows.append(row | {"_line": line})


def _parse_events(parsed: ParsedFile, raw_rows, ctx: _Context, today: date, manual_event_refs: set[str]) -> None:
    seen = {}
    for line, raw in raw_rows:
        c = RowChecker(parsed.name, line, raw, parsed.errors, today)
        before = len(parsed.errors)
        row = {
            "ref": c.ref("event_ref"),
            "occurred_on": c.day("occurred_on", required=True),
            "offence": c.choice("offence", ctx.offences, required=True),
            "suspect_ref": _check_person_ref(c, ctx, "suspect_ref"),
            "victim_ref": _check_person_ref(c, ctx, "victim_ref"),
            "relationship_type": c.choice("relationship", RELATIONSHIPS, required=True),
            "dash_risk": c.choice("dash_risk", DASH_RISKS),
            "district": c.text("district", max_length=100),
            "outcome": c.choice("outcome", EVENT_OUTCOMES),
        }
        if row["suspect_ref"] and row["suspect_ref"] == row["victim_ref"]:
            c.error("victim_ref", "is the same person as suspect_ref")
        if row["ref"] is not None:
            _check_duplicate(c, seen, row["ref"], "event_ref", f"event_ref {row['ref']}")
            if row["ref"] in manual_event_refs:
                c.error("event_ref", f"{row['ref']} is an event recorded in Achilles; an import cannot overwrite it")
        if len(parsed.errors) == before:
            parsed.rows.append(row | {"_line": line})


def _parse_orders(parsed: ParsedFile, raw_rows, ctx: _Context, today: date, breached: dict[str, int]) -> None:
    seen = {}
    for line, raw in raw_rows:
        c = RowChecker(parsed.name, line, raw, parsed.errors, today)
        before = len(parsed.errors)
        conditions_text = c.text("conditions", max_length=20000) or ""
        row = {
            "ref": c.ref("order_ref"),
            "order_type": c.choice("order_type", ctx.order_types, required=True),
            "subject_ref": _check_person_ref(c, ctx, "subject_ref"),
            "protected_ref": _check_person_ref(c, ctx, "protected_ref"),
            "starts_on": c.day("starts_on", required=True, not_future=False),
            "ends_on": c.day("ends_on", not_future=False),
            "conditions": [part.strip() for part in conditions_text.split(";") if part.strip()],
        }
        if row["subject_ref"] and row["subject_ref"] == row["protected_ref"]:
            c.error("protected_ref", "is the same person as subject_ref")
        if row["starts_on"] and row["ends_on"] and row["ends_on"] < row["starts_on"]:
            c.error("ends_on", f"{row['ends_on']} is before starts_on {row['starts_on']}")
        if any(len(text) > 2000 for text in row["conditions"]):
            c.error("conditions", "a condition is longer than 2000 characters")
        if row["ref"] is not None:
            _check_duplicate(c, seen, row["ref"], "order_ref", f"order_ref {row['ref']}")
            highest_breached = breached.get(row["ref"], 0)
            if highest_breached > len(row["conditions"]):
                c.error(
                    "conditions",
                    f"lists {len(row['conditions'])} conditions, but a breach is logged against condition "
                    f"{highest_breached} of this order; conditions with breaches cannot be removed by import",
                )
        if len(parsed.errors) == before:
            parsed.rows.append(row | {"_line": line})


def _parse_levers(parsed: ParsedFile, raw_rows, ctx: _Context, today: date) -> None:
    seen = {}
    for line, raw in raw_rows:
        c = RowChecker(parsed.name, line, raw, parsed.errors, today)
        before = len(parsed.errors)
        lever = c.text("lever", required=True, max_length=64)
        if lever is not None:
            lever = lever.lower()
            if lever in ctx.derived_levers:
                c.error("lever", f"{lever} is worked out from breaches and cannot be imported")
            elif lever not in ctx.levers:
                c.error("lever", f"{lever!r} is not one of: {', '.join(sorted(ctx.levers))}")
        row = {
            "person_ref": _check_person_ref(c, ctx, "person_ref"),
            "lever": lever,
            "active": c.boolean("active"),
            "noted_on": c.day("noted_on", required=True),
            "detail": c.text("detail"),
        }
        if len(parsed.errors) == before:
            key = (row["person_ref"], row["lever"], row["noted_on"])
            if not _check_duplicate(
                c, seen, key, "noted_on", f"lever {lever} for {row['person_ref']} noted on {row['noted_on']}"
            ):
                parsed.rows.append(row | {"_line": line})


def check_files(
    files: dict[str, bytes], today: date | None = None
) -> tuple[dict[str, ParsedFile], list[RowError], list[str]]:
    """Parse and check every file against the contract and the database. Writes nothing."""
    today = today or utc_today()
    warnings = [
        f"{name} is not part of the import contract and was ignored" for name in sorted(files) if name not in FILES
    ]
    ctx = _Context()
    parsed: dict[str, ParsedFile] = {}
    raw: dict[str, list] = {}
    errors: list[RowError] = []
    for name in FILE_ORDER:
        if name in files:
            parsed[name] = ParsedFile(name)
            raw[name], header_errors = read_csv(name, files[name], today)
            parsed[name].errors.extend(header_errors)
    # persons first: the other files may name persons it introduces.
    if "persons.csv" in parsed:
        _parse_persons(parsed["persons.csv"], raw["persons.csv"], ctx, today)
    if "events.csv" in parsed:
        manual_refs = set(db.session.scalars(sa.select(DAEvent.ref).where(DAEvent.source != "import")))
        _parse_events(parsed["events.csv"], raw["events.csv"], ctx, today, manual_refs)
    if "orders.csv" in parsed:
        breached = dict(
            db.session.execute(
                sa.select(Order.ref, sa.func.max(OrderCondition.number))
                .join(OrderCondition, OrderCondition.order_id == Order.id)
                .join(breach_conditions, breach_conditions.c.condition_id == OrderCondition.id)
                .group_by(Order.ref)
            ).all()
        )
        _parse_orders(parsed["orders.csv"], raw["orders.csv"], ctx, today, breached)
    if "levers.csv" in parsed:
        _parse_levers(parsed["levers.csv"], raw["levers.csv"], ctx, today)
    if custody_file.NAME in parsed:
        custody_file.parse(parsed[custody_file.NAME], raw[custody_file.NAME], ctx, today, _check_person_ref)
    for p in parsed.values():
        errors.extend(p.errors)
    if not parsed:
        errors.append(RowError("(none)", 0, "", f"no import file found; expected any of {', '.join(FILES)}"))
    return (
        parsed,
        sorted(errors, key=lambda e: (FILE_ORDER.index(e.file) if e.file in FILES else 9, e.line, e.column)),
        warnings,
    )


def import_files(files: dict[str, bytes], *, actor: Actor, today: date | None = None) -> ImportResult:
    """Check every file, then write them all in one transaction, or write nothing."""
    parsed, errors, warnings = check_files(files, today)
    result = ImportResult(files=[n for n in FILE_ORDER if n in parsed], errors=errors, warnings=warnings)
    if errors:
        db.session.rollback()
        return result
    writer = _Writer()
    try:
        for name in result.files:
            result.counts[name] = getattr(writer, "write_" + name.removesuffix(".csv"))(parsed[name].rows)
        result.rescored = rescore_touched(writer, actor)
        audit.record(
            "import",
            "Imported " + "; ".join(result.summary_lines()),
            object_type="import",
            data={
                "files": {
                    name: dict(result.counts[name]) | {"sha256": hashlib.sha256(files[name]).hexdigest()}
                    for name in result.files
                },
                "changes": writer.changes,
                "rescored": result.rescored,
            },
            actor=actor,
        )
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        result.errors.append(
            RowError("(database)", 0, "", f"the database refused the import, nothing was written: {exc.orig or exc}")
        )
    else:
        network_findings.after_import(actor=actor)  # a failure is recorded and alerted, never raised
    return result


# An import touching this many persons ranks everyone instead (cheaper than naming them all).
IMPORT_FULL_RUN_AT = 5000


def rescore_touched(writer: "_Writer", actor: Actor) -> int:
    """Re-score, in the import's transaction, every person whose scoring facts it created or changed
    (and the abusers of a person whose record changed: a date of birth decides who counts for V).
    Returns how many persons that was; a very large import ranks everyone in one full run."""
    touched = set(writer.touched)
    if writer.updated_persons:
        touched.update(
            db.session.scalars(
                sa.select(DAEvent.suspect_id).where(DAEvent.victim_id.in_(id_list("updated", writer.updated_persons)))
            )
        )
    if not touched:
        return 0
    if len(touched) >= IMPORT_FULL_RUN_AT:
        model = ranking.current_model()
        day = local_today()
        scores = ranking.compute_ranking(day, model)
        ranking.record_run(scores, as_of=day, model=model, trigger="import", actor=actor, commit=False)
    else:
        ranking.rescore_persons(touched, trigger="import", actor=actor, commit=False)
    return len(touched)


def import_directory(path: str | Path, *, actor: Actor, today: date | None = None) -> ImportResult:
    directory = Path(path)
    if not directory.is_dir():
        return ImportResult(errors=[RowError(str(path), 0, "", "is not a directory")])
    files = {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.suffix.lower() == ".csv"}
    return import_files(files, actor=actor, today=today)


class _Writer:
    """Writes checked rows. New rows go in bulk; changed rows are updated one by one and audited."""

    def __init__(self):
        self.now = utcnow()
        self.changes: dict[str, dict] = {}
        self.person_ids: dict[str, int] = {}
        self._audited = 0
        # Persons whose scoring facts the import created or changed, re-scored before the commit;
        # and persons whose own record changed (a date of birth counts for their abusers' V).
        self.touched: set[int] = set()
        self.updated_persons: set[int] = set()

    def _note_change(self, file: str, ref: str, before: dict, after: dict) -> None:
        if self._audited < MAX_AUDITED_CHANGES:
            self.changes.setdefault(file, {})[ref] = audit.changes(audit.jsonable(before), audit.jsonable(after))
        self._audited += 1

    def _refresh_person_ids(self) -> None:
        self.person_ids = dict(db.session.execute(sa.select(Person.ref, Person.id)).all())
        self.person_ids.update(merge.redirects())  # a reference merged away names the kept person

    def _ids(self) -> dict[str, int]:
        if not self.person_ids:
            self._refresh_person_ids()
        return self.person_ids

    def _upsert(self, file: str, model, fields, rows: list[dict], extra_new: dict) -> Counter:
        """Insert new refs in bulk; update refs whose values differ; count the rest unchanged."""
        counts = Counter(rows=len(rows))
        columns = [getattr(model, f) for f in fields]
        existing = {}
        for chunk in _chunks([r["ref"] for r in rows], 5000):
            for r in db.session.execute(sa.select(model.ref, model.id, *columns).where(model.ref.in_(chunk))):
                existing[r[0]] = r[1:]
        new = []
        for row in rows:
            values = {f: row[f] for f in fields}
            held = existing.get(row["ref"])
            if held is None:
                new.append(
                    {
                        "ref": row["ref"],
                        **values,
                        **extra_new,
                        "version_id": 1,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                continue
            before = dict(zip(fields, held[1:], strict=True))
            if before == values:
                counts["unchanged"] += 1
                continue
            self._note_touched(model, held[0], before, values)
            obj = db.session.get(model, held[0])
            for f, v in values.items():
                setattr(obj, f, v)
            self._note_change(file, row["ref"], before, values)
            counts["updated"] += 1
        for chunk in _chunks(new, 5000):
            db.session.execute(_bulk_insert(model), chunk)
        counts["created"] = len(new)
        if model is DAEvent:
            self.touched.update(row["suspect_id"] for row in new)
        db.session.flush()
        return counts

    def _note_touched(self, model, record_id: int, before: dict, after: dict) -> None:
        if model is DAEvent:
            self.touched.update((before["suspect_id"], after["suspect_id"]))
        elif model is Person:
            self.updated_persons.add(record_id)

    def write_persons(self, rows: list[dict]) -> Counter:
        counts = self._upsert("persons.csv", Person, PERSON_FIELDS, rows, {})
        self._refresh_person_ids()
        return counts

    def write_events(self, rows: list[dict]) -> Counter:
        ids = self._ids()
        for row in rows:
            row["suspect_id"] = ids[row["suspect_ref"]]
            row["victim_id"] = ids[row["victim_ref"]]
        counts = self._upsert("events.csv", DAEvent, EVENT_FIELDS, rows, {"source": "import"})
        # Data-subject categories follow from the events: suspects and victims.
        wanted = {(r["suspect_id"], "suspect") for r in rows} | {(r["victim_id"], "victim") for r in rows}
        held = set(db.session.execute(sa.select(PersonCategory.person_id, PersonCategory.category)).all())
        missing = [{"person_id": pid, "category": cat} for pid, cat in sorted(wanted - held)]
        for chunk in _chunks(missing, 5000):
            db.session.execute(_bulk_insert(PersonCategory), chunk)
        return counts

    def write_orders(self, rows: list[dict]) -> Counter:
        ids = self._ids()
        counts = Counter(rows=len(rows))
        held = {
            o.ref: o
            for o in db.session.scalars(
                sa.select(Order)
                .where(Order.ref.in_([r["ref"] for r in rows]))
                .options(selectinload(Order.protected_persons), selectinload(Order.conditions))
            )
        }
        protected = {}
        for chunk in _chunks(sorted({ids[r["protected_ref"]] for r in rows}), 5000):
            protected.update((p.id, p) for p in db.session.scalars(sa.select(Person).where(Person.id.in_(chunk))))
        # No autoflush: otherwise each lookup would write the previous order on its own.
        with db.session.no_autoflush:
            for row in rows:
                self._write_order(row, ids, held, protected, counts)
        db.session.flush()
        return counts

    def _write_order(self, row: dict, ids: dict, held: dict, protected: dict, counts: Counter) -> None:
        subject_id, protected_id = ids[row["subject_ref"]], ids[row["protected_ref"]]
        order = held.get(row["ref"])
        self.touched.add(subject_id)  # unchanged orders too: cheap, and the subject is re-scored once
        if order is None:
            order = Order(
                ref=row["ref"],
                order_type=row["order_type"],
                subject_id=subject_id,
                starts_on=row["starts_on"],
                ends_on=row["ends_on"],
            )
            order.protected_persons = [protected[protected_id]]
            order.conditions = [OrderCondition(number=i, text=t) for i, t in enumerate(row["conditions"], 1)]
            db.session.add(order)
            counts["created"] += 1
            return
        before = audit.snapshot(order, ORDER_FIELDS) | {
            "protected_refs": [p.ref for p in order.protected_persons],
            "conditions": [c.text for c in order.conditions],
        }
        after = {
            "order_type": row["order_type"],
            "subject_id": subject_id,
            "starts_on": row["starts_on"].isoformat(),
            "ends_on": row["ends_on"].isoformat() if row["ends_on"] else None,
            "protected_refs": [row["protected_ref"]],
            "conditions": row["conditions"],
        }
        if before == after:
            counts["unchanged"] += 1
            return
        order.order_type, order.subject_id = row["order_type"], subject_id
        order.starts_on, order.ends_on = row["starts_on"], row["ends_on"]
        if before["protected_refs"] != after["protected_refs"]:
            order.protected_persons = [protected[protected_id]]
        by_number = {c.number: c for c in order.conditions}
        for number, text in enumerate(row["conditions"], 1):
            if number in by_number:
                by_number[number].text = text
            else:
                order.conditions.append(OrderCondition(number=number, text=text))
        order.conditions = [c for c in order.conditions if c.number <= len(row["conditions"])]
        self.touched.add(before["subject_id"])
        self._note_change("orders.csv", row["ref"], before, after)
        counts["updated"] += 1

    def write_levers(self, rows: list[dict]) -> Counter:
        ids = self._ids()
        counts = Counter(rows=len(rows))
        held = {
            (pid, lever, noted): (lid, active, detail)
            for lid, pid, lever, noted, active, detail in db.session.execute(
                sa.select(Lever.id, Lever.person_id, Lever.lever, Lever.noted_on, Lever.active, Lever.detail)
            )
        }
        new = []
        for row in rows:
            key = (ids[row["person_ref"]], row["lever"], row["noted_on"])
            current = held.get(key)
            if current is None:
                self.touched.add(key[0])
                new.append(
                    {
                        "person_id": key[0],
                        "lever": row["lever"],
                        "noted_on": row["noted_on"],
                        "active": row["active"],
                        "detail": row["detail"],
                        "version_id": 1,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
            elif (current[1], current[2]) == (row["active"], row["detail"]):
                counts["unchanged"] += 1
            else:
                lever = db.session.get(Lever, current[0])
                self.touched.add(key[0])
                self._note_change(
                    "levers.csv",
                    f"{row['person_ref']}/{row['lever']}/{row['noted_on']}",
                    {"active": current[1], "detail": current[2]},
                    {"active": row["active"], "detail": row["detail"]},
                )
                lever.active, lever.detail = row["active"], row["detail"]
                counts["updated"] += 1
        for chunk in _chunks(new, 5000):
            db.session.execute(_bulk_insert(Lever), chunk)
        counts["created"] = len(new)
        db.session.flush()
        return counts

    def write_custody(self, rows: list[dict]) -> Counter:
        counts, changes, touched = custody_file.write(rows, self._ids())
        for ref, change in changes.items():
            if self._audited < MAX_AUDITED_CHANGES:
                self.changes.setdefault(custody_file.NAME, {})[ref] = change
            self._audited += 1
        self.touched |= touched
        return counts


def _bulk_insert(model):
    # render_nulls keeps rows with different empty columns in one batch (otherwise SQLAlchemy
    # splits them by the columns present, and PostgreSQL gets tens of thousands of statements).
    return sa.insert(model).execution_options(render_nulls=True)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
