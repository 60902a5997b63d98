"""custody.csv (DESIGN.md import contract): each row checked, then the file checked whole against
the periods already held, so that no person's periods overlap; written through the custody service.

A row is keyed on (person_ref, custody_from): the same key again updates that period (the force's
records are the source of truth), a new key adds one. Overlaps are reported on the row that makes
them, by line and column, and then nothing at all is written.
"""

from collections import Counter
from datetime import date
from itertools import pairwise

from app.imports.parsing import ParsedFile, RowChecker, RowError
from app.offenders.custody import services as custody
from app.offenders.custody.models import CUSTODY_KINDS

NAME = "custody.csv"


def parse(parsed: ParsedFile, raw_rows, ctx, today: date, check_person_ref) -> None:
    """Check every row, then the file whole (overlaps within it and with the periods held)."""
    seen: dict = {}
    for line, raw in raw_rows:
        c = RowChecker(parsed.name, line, raw, parsed.errors, today)
        before = len(parsed.errors)
        row = {
            "person_ref": check_person_ref(c, ctx, "person_ref"),
            "custody_from": c.day("custody_from", required=True),
            "custody_to": c.day("custody_to"),
            "kind": c.choice("kind", CUSTODY_KINDS, required=True),
            "expected_release_on": c.day("expected_release_on", not_future=False),
        }
        if len(parsed.errors) == before:
            for column, message in custody.check_values(row, now=today).items():
                c.error(column, message)
        if len(parsed.errors) == before:
            key = (row["person_ref"], row["custody_from"])
            if key in seen:
                c.error("custody_from", f"a period of {key[0]} from {key[1]} appears again (first on line {seen[key]})")
                continue
            seen[key] = line
            parsed.rows.append(row | {"_line": line})
    if not parsed.errors:
        _check_overlaps(parsed, ctx)


def _check_overlaps(parsed: ParsedFile, ctx) -> None:
    """Each person's periods, as they would be after the import, must not overlap."""
    ids = {row["person_ref"]: ctx.person_ids.get(row["person_ref"]) for row in parsed.rows}
    held = custody.held_spans({pid for pid in ids.values() if pid is not None})
    by_person: dict[str, dict] = {}
    for row in parsed.rows:
        by_person.setdefault(row["person_ref"], {})[row["custody_from"]] = row
    for ref, rows in by_person.items():
        periods = {start: ("held", span) for start, span in held.get(ids[ref], {}).items()}
        for start, row in rows.items():  # a row with a held period's key replaces it
            periods[start] = ("file", custody.Span(start, row["custody_to"]))
        ordered = sorted(periods.items())
        for (_, (first_source, first)), (second_start, (second_source, second)) in pairwise(ordered):
            if not custody.overlapping(first, second):
                continue
            # Name the row of this file that makes the overlap: the later one, or the earlier if
            # only it comes from the file.
            row = rows[second_start] if second_source == "file" else rows[first.starts_on]
            column = "custody_from" if second_source == "file" else "custody_to"
            other = "a period already held" if "held" in (first_source, second_source) else "another row of this file"
            parsed.errors.append(RowError(NAME, row["_line"], column, _overlap_reason(ref, first, second, other)))


def _overlap_reason(ref: str, first, second, other: str) -> str:
    return (
        f"the periods of {ref} {custody.describe(first)} and {custody.describe(second)} overlap ({other}); "
        "one person's periods in custody cannot overlap"
    )


def write(rows: list[dict], person_ids: dict[str, int]) -> tuple[Counter, dict, set[int]]:
    for row in rows:
        row["person_id"] = person_ids[row["person_ref"]]
    return custody.write_imported(rows)
