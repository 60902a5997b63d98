"""Reading and checking the import CSVs: plain Python, no database, no request.

Each file is parsed whole into typed rows plus a list of errors that name file, line, column and
reason. Nothing here writes anything; `services.py` decides, after every file is checked.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from app.base import ACHILLES_REF_PREFIX, REF_PATTERN

FILES = {
    "persons.csv": ["person_ref", "surname", "forenames", "date_of_birth", "gender", "pnc_id", "district"],
    "events.csv": [
        "event_ref",
        "occurred_on",
        "offence",
        "suspect_ref",
        "victim_ref",
        "relationship",
        "dash_risk",
        "district",
        "outcome",
    ],
    "orders.csv": ["order_ref", "order_type", "subject_ref", "protected_ref", "starts_on", "ends_on", "conditions"],
    "levers.csv": ["person_ref", "lever", "active", "noted_on", "detail"],
    "custody.csv": ["person_ref", "custody_from", "custody_to", "kind", "expected_release_on"],
}
# Files are written in this order, so references resolve.
FILE_ORDER = list(FILES)

MAX_TEXT = 2000


@dataclass(frozen=True, order=True)
class RowError:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class ParsedFile:
    name: str
    rows: list[dict] = field(default_factory=list)  # each row has "_line"
    errors: list[RowError] = field(default_factory=list)


class RowChecker:
    """Typed access to one CSV row; every failure becomes a RowError and the value None."""

    def __init__(self, file: str, line: int, raw: dict, errors: list[RowError], today: date):
        self.file, self.line, self.raw, self.errors, self.today = file, line, raw, errors, today

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.line, column, reason))

    def text(self, column: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
        value = (self.raw.get(column) or "").strip()
        if not value:
            if required:
                self.error(column, "is required")
            return None
        if len(value) > max_length:
            self.error(column, f"is longer than {max_length} characters")
            return None
        return value

    def ref(self, column: str, *, required: bool = True) -> str | None:
        value = self.text(column, required=required, max_length=64)
        if value is not None and not REF_PATTERN.match(value):
            self.error(column, f"{value!r} is not a valid reference (letters, digits, / _ . - only)")
            return None
        # Records made in Achilles (breaches, their events, orders) get ACH- references; keeping
        # the prefix out of imports means the two can never collide.
        if value is not None and value.upper().startswith(ACHILLES_REF_PREFIX):
            self.error(column, f"{value!r}: references starting {ACHILLES_REF_PREFIX} are reserved for Achilles")
            return None
        return value

    def day(self, column: str, *, required: bool = False, not_future: bool = True) -> date | None:
        value = self.text(column, required=required, max_length=10)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value)
            if len(value) != 10:
                raise ValueError
        except ValueError:
            self.error(column, f"{value!r} is not a date in the form YYYY-MM-DD")
            return None
        if parsed.year < 1900:
            self.error(column, f"{value} is before 1900")
            return None
        if not_future and parsed > self.today:
            self.error(column, f"{value} is in the future")
            return None
        return parsed

    def choice(self, column: str, allowed, *, required: bool = False) -> str | None:
        value = self.text(column, required=required, max_length=64)
        if value is None:
            return None
        value = value.lower()
        if value not in allowed:
            self.error(column, f"{value!r} is not one of: {', '.join(sorted(allowed))}")
            return None
        return value

    def boolean(self, column: str) -> bool | None:
        value = self.text(column, required=True, max_length=5)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            self.error(column, f"{value!r} must be true or false")
            return None
        return value.lower() == "true"


def read_csv(name: str, data: bytes, today: date) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Decode and split a CSV file; check its header. Returns (line number, raw row) pairs."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [RowError(name, line, "", "is not valid UTF-8 text")]
    if "\x00" in text:
        # PostgreSQL cannot store a NUL character, and no real record holds one.
        line = text[: text.index("\x00")].count("\n") + 1
        return [], [RowError(name, line, "", "contains a NUL character, which is not allowed")]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [RowError(name, 1, "", f"cannot be read as CSV ({exc})")]
    if header is None:
        return [], [RowError(name, 1, "", "is empty: the header row is missing")]
    header = [h.strip().lower() for h in header]
    expected = FILES[name]
    errors = []
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        errors.append(RowError(name, 1, ", ".join(missing), "column missing from the header row"))
    if unknown:
        errors.append(
            RowError(name, 1, ", ".join(c or "(blank)" for c in unknown), "column not in the import contract")
        )
    if duplicated:
        errors.append(RowError(name, 1, ", ".join(duplicated), "column appears more than once"))
    if errors:
        return [], errors
    rows = []
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            if len(values) != len(header):
                errors.append(RowError(name, line, "", f"has {len(values)} fields; the header has {len(header)}"))
                continue
            rows.append((line, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        errors.append(RowError(name, reader.line_num or line, "", f"cannot be read as CSV ({exc})"))
    return rows, errors
