"""Helpers every part's routes and forms share: service errors onto form fields, a form's version
number, safe return addresses, page numbers, CSV cells a spreadsheet never runs, common fields."""

from urllib.parse import unquote, urlsplit

from flask import request
from wtforms import DateField, DateTimeLocalField, RadioField, SelectField, SelectMultipleField, TimeField
from wtforms.widgets import CheckboxInput, ListWidget

# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_PAGE = 100_000


def show_errors(form, errors: dict[str, str], aliases: dict[str, str] | None = None) -> None:
    """Put a service's {field: message} errors on the form: on the named field, else on the field
    that `aliases` names for it, else at the top of the form."""
    for name, message in errors.items():
        target = form._fields.get(name) or form._fields.get((aliases or {}).get(name, ""))
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


def form_version(field) -> int:
    """The record version a form was rendered with (its hidden field), or -1 when it is missing or
    not a plain number, which no record has: the save is then refused as an edit conflict."""
    data = field.data
    text = data.strip() if isinstance(data, str) else str(data if data is not None else "")
    return int(text) if text.isdigit() and len(text) < 10 else -1


def safe_next(value: str | None) -> str | None:
    """A return address on this site only: a path, never another host. Control characters and
    backslashes are refused outright, because browsers drop or rewrite them (`/\\t/evil.example`
    would become `//evil.example`)."""
    value = (value or "").strip()
    if len(value) >= 500:
        return None
    # Checked as written and percent-decoded once, so `/%09/evil.example` is refused as well.
    # (a decoded space is allowed: `?q=Jo%20Ryan` is a search, not a trick).
    for form, lowest in ((value, 0x21), (unquote(value), 0x20)):
        if not form.startswith("/") or form.startswith("//"):
            return None
        if "\\" in form or any(ord(ch) < lowest or ord(ch) == 0x7F for ch in form):
            return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def page_number(arg: str = "page") -> int | None:
    """The page asked for in the query string (1 when absent), or None when it is not a page number."""
    raw = request.args.get(arg, "1").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < MAX_PAGE else None


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as typed: text that could start a formula gets a leading
    apostrophe; numbers are written as they are (a negative number is a number, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def strip(value):
    """A form filter: surrounding spaces off."""
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChoiceField(SelectField):
    """A select whose wrong value gets a plain message instead of "Not a valid choice"."""

    def __init__(self, label=None, validators=None, what="an option", **kwargs):
        super().__init__(label, validators, invalid_choice_message=f"Choose {what} from the list.", **kwargs)


class ChoiceRadio(RadioField):
    def __init__(self, label=None, validators=None, what="an option", **kwargs):
        super().__init__(label, validators, invalid_choice_message=f"Choose {what}.", **kwargs)


# No record Achilles holds is dated outside these years; near year 1 or 9999 date arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class PlausibleDate(DateField):
    """A date field that refuses a year outside FIRST_YEAR to LAST_YEAR (year 1 or 9999 is a typo
    or a probe, and overflows date arithmetic)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.check_year()

    def check_year(self):
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            self.data = None
            raise ValueError(f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")


class Day(PlausibleDate):
    """A date field whose unreadable or implausible value gets a message that says what to type."""

    def process_formdata(self, valuelist):
        try:
            DateField.process_formdata(self, valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 2026-11-28.") from None
        self.check_year()


class Clock(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a time as hours and minutes, for example 17:00.") from None


class Moment(DateTimeLocalField):
    """A date and time (the browser's datetime-local input) whose unreadable value says what to type."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        kwargs.setdefault("invalid_value_message", "Enter a real date and time, for example 2026-11-28 17:05.")
        super().__init__(label, validators, **kwargs)


class SortChoice:
    """The column a user chose to sort a list by: `sort` (one of the list's keys) and `order` ("asc"
    or "desc") from the query string; an unknown key means the list's own order. The other query
    arguments (a filter, say) are kept for the sorting and paging links."""

    def __init__(self, keys, *, default: str | None = None, args=None):
        args = request.args if args is None else args
        sort = args.get("sort", "")
        self.sort = sort if sort in keys else default
        self.chosen = sort in keys
        self.descending = args.get("order") == "desc"
        self.args = {k: v for k, v in args.items() if k not in ("page", "sort", "order")}

    def sort_args(self, key: str) -> dict:
        """The query string that sorts by `key` (the other way round if it is already sorted by it)."""
        order = "desc" if self.sort == key and not self.descending else "asc"
        return {**self.args, "sort": key, "order": order}

    def aria_sort(self, key: str) -> str:
        if self.sort != key:
            return "none"
        return "descending" if self.descending else "ascending"

    @property
    def query(self) -> dict:
        """The query string of this list as sorted (for the paging links), without the page."""
        extra = {"sort": self.sort, "order": "desc" if self.descending else "asc"} if self.sort else {}
        return {**self.args, **extra}


class ListPage(SortChoice):
    """One page of a list worked out in memory (findings that are not one query), sorted by a column
    the user chose (SortChoice)."""

    def __init__(self, rows: list, *, keys: dict, default: str | None = None, per_page: int = 50, args=None):
        args = request.args if args is None else args
        super().__init__(keys, default=default, args=args)
        if self.sort is not None and self.chosen:
            rows = sorted(rows, key=keys[self.sort], reverse=self.descending)
        self.total = len(rows)
        self.pages = max(1, -(-self.total // per_page))
        raw = args.get("page", "1").strip()
        page = int(raw) if raw.isdigit() and 0 < int(raw) < MAX_PAGE else 1
        self.page = min(page, self.pages)
        self.rows = rows[(self.page - 1) * per_page : self.page * per_page]

    def page_args(self, page: int) -> dict:
        return {**self.query, "page": page}


def plain_value(value) -> str:
    """An audited value in words: conditions as "1. text; 2. text", lists joined, None as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}. {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
