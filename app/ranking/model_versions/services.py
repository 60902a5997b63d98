"""Scoring model versions: reading their numbers in plain English, and publishing a new version.

A published version is never edited: saving the admin's form publishes version N+1 with a note,
and every stored run keeps the version it used, so an old score can always be recomputed. This
module also turns a stored score row and its run's numbers into the "why here" explanation.
"""

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import EditConflict, utcnow
from app.catalogue import LeverType, OffenceCategory, labels
from app.extensions import db
from app.ranking.models import ScoreRun, ScoringModel

# ---- the numbers of a model, by form field name --------------------------------------------------


@dataclass(frozen=True)
class BandTable:
    """One banded part of the harm score: a threshold and points per band."""

    section: str  # the key in params
    code: str  # R, F, G or V
    title: str
    key: str  # the threshold's key in each band
    threshold_label: str
    unit: str
    minimum: int  # the smallest threshold allowed
    maximum: int


BAND_TABLES = (
    BandTable("recency", "R", "Recency", "max_months", "Months since the latest event, at most", "months", 1, 1200),
    BandTable("frequency", "F", "Frequency", "min_events", "Events in the window, at least", "events", 1, 100_000),
    BandTable("gravity", "G", "Gravity", "below_days", "Total harm days, below", "days", 1, 10_000_000),
    BandTable(
        "victims", "V", "Victims", "min_victims", "Distinct victims in the window, at least", "victims", 1, 10_000
    ),
)
TABLES = {table.section: table for table in BAND_TABLES}
SPARE_ROWS = 2  # empty rows offered under each band table, to add a band
MAX_ROWS = 20

MAX_POINTS = 1000
MAX_HARM_DAYS = 100_000
MAX_NOTE = 2000


@dataclass(frozen=True)
class Setting:
    """A single number of the model, outside the band tables."""

    name: str  # form field name
    path: tuple[str, ...]  # where it lives in params
    label: str
    hint: str
    minimum: float
    maximum: float
    decimal: bool = False
    rules: tuple[int, ...] = (1, 2)  # the rule sets that read it


SETTINGS = (
    Setting("window_months", ("window_months",), "Window (months)", "Events older than this are not counted.", 1, 600),
    Setting(
        "days_per_month",
        ("days_per_month",),
        "Days per month",
        "Used to turn an event's age in days into months, for example 30.44.",
        28,
        31,
        decimal=True,
    ),
    Setting(
        "opportunity_cap",
        ("opportunity_cap",),
        "Opportunity cap (points)",
        "The most the levers together can add to the priority.",
        0,
        10_000,
    ),
    Setting(
        "breach_unactioned_days",
        ("breach_unactioned_days",),
        "Breach not yet actioned: within (days)",
        "A breach this recent with no arrest or charge counts as the 'breach not yet actioned' lever.",
        0,
        3650,
    ),
    Setting(
        "recent_breach_days",
        ("recent_breach_days",),
        "Recent breach flag: within (days)",
        "A breach this recent raises the 'recent breach' flag.",
        0,
        3650,
    ),
    Setting(
        "escalating-max_months",
        ("escalating", "max_months"),
        "Escalating flag: within (months)",
        "The period in which the events are counted.",
        1,
        600,
    ),
    Setting(
        "escalating-min_events",
        ("escalating", "min_events"),
        "Escalating flag: at least (events)",
        "This many events within that period raise the 'escalating' flag.",
        1,
        1000,
    ),
    Setting(
        "serial_min_victims",
        ("serial_min_victims",),
        "Serial flag: at least (victims)",
        "This many distinct victims in the window raise the 'serial perpetrator' flag.",
        2,
        100,
    ),
    Setting(
        "victim_min_age",
        ("victim_min_age",),
        "Victims counted from age (years)",
        "V and the serial flag count a victim aged at least this on one of the person's events against them "
        "(or whose date of birth is not recorded). The statutory definition of domestic abuse is 16.",
        10,
        25,
        rules=(2,),
    ),
    Setting(
        "release_due_days",
        ("release_due_days",),
        "Release due flag: within (days)",
        "A person in custody whose expected release falls within this many days raises the 'release due' flag.",
        0,
        365,
        rules=(2,),
    ),
)


def settings_for(rules: int) -> tuple[Setting, ...]:
    return tuple(setting for setting in SETTINGS if rules in setting.rules)


RULE_SETS = {
    1: 'v1 rules (DESIGN.md "Default scoring model (v1)"): calendar months, events, every victim',
    2: 'v2 rules (DESIGN.md "Scoring model v2"): street time, incidents, victims aged 16 or over, custody flags',
}


def band_field(section: str, row: int, key: str) -> str:
    return f"{section}-{row}-{key}"


def harm_field(code: str) -> str:
    return f"harm_days-{code}"


def lever_field(code: str) -> str:
    return f"lever_weights-{code}"


def _get(params: dict, path: tuple[str, ...]):
    value = params
    for part in path:
        value = value[part]
    return value


def flatten(params: dict) -> dict[str, int | float | None]:
    """Every number of a model by form field name (bands numbered from 1): for forms and audit diffs."""
    flat: dict[str, int | float | None] = {}
    for table in BAND_TABLES:
        for n, band in enumerate(params[table.section], 1):
            flat[band_field(table.section, n, table.key)] = band[table.key]
            flat[band_field(table.section, n, "points")] = band["points"]
    for code, days in sorted(params["harm_days"].items()):
        flat[harm_field(code)] = days
    for code, weight in sorted(params["lever_weights"].items()):
        flat[lever_field(code)] = weight
    for setting in SETTINGS:
        if setting.path[0] in params:
            flat[setting.name] = _get(params, setting.path)
    return flat


def _field_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_rows(params: dict, posted: Mapping[str, str] | None = None) -> dict[str, int]:
    """How many rows each band table shows: the version's bands plus spares (and any rows posted)."""
    rows = {}
    for table in BAND_TABLES:
        count = len(params[table.section]) + SPARE_ROWS
        for name in posted or {}:
            match = re.fullmatch(rf"{table.section}-([0-9]{{1,3}})-(?:{table.key}|points)", name)
            if match:
                count = max(count, int(match.group(1)))
        rows[table.section] = min(count, MAX_ROWS)
    return rows


def form_values(params: dict, offences: Mapping[str, int] | None = None, levers: Mapping[str, int] | None = None):
    """The text each field starts with: the version's numbers, or the catalogue's default for a
    code the version does not have yet (an offence or lever added to the catalogue since)."""
    values = {name: _field_text(value) for name, value in flatten(params).items()}
    for code, days in (offences or {}).items():
        values.setdefault(harm_field(code), _field_text(days))
    for code, weight in (levers or {}).items():
        values.setdefault(lever_field(code), _field_text(weight))
    return values


# ---- parsing and checking a new version ----------------------------------------------------------

WHOLE = re.compile(r"-?[0-9]{1,9}")
DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")


class ModelInvalid(ValueError):
    """The numbers cannot be published; `errors` maps each form field name to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _whole(text: str | None, what: str, minimum: float, maximum: float) -> tuple[int | None, str | None]:
    text = (text or "").strip()
    if not text:
        return None, f"Enter {what}."
    if not WHOLE.fullmatch(text):
        return None, f"{what[0].upper()}{what[1:]} must be a whole number, such as 10."
    value = int(text)
    if value < 0:
        return None, f"{what[0].upper()}{what[1:]} cannot be negative."
    if value < minimum or value > maximum:
        return None, f"{what[0].upper()}{what[1:]} must be from {minimum:,.0f} to {maximum:,.0f}."
    return value, None


def _decimal(text: str | None, what: str, minimum: float, maximum: float) -> tuple[float | None, str | None]:
    text = (text or "").strip()
    if not text:
        return None, f"Enter {what}."
    if text.startswith("-"):
        return None, f"{what[0].upper()}{what[1:]} cannot be negative."
    if not DECIMAL.fullmatch(text):
        return None, f"{what[0].upper()}{what[1:]} must be a number such as 30.44."
    value = float(text)
    if value < minimum or value > maximum:
        return None, f"{what[0].upper()}{what[1:]} must be from {minimum:g} to {maximum:g}."
    return value, None


def _parse_bands(table: BandTable, values: Mapping[str, str], rows: int, errors: dict) -> list[dict]:
    """The bands filled in, in order; a row with both boxes empty is left out (removed)."""
    bands: list[tuple[int, dict]] = []
    for n in range(1, rows + 1):
        threshold_name = band_field(table.section, n, table.key)
        points_name = band_field(table.section, n, "points")
        threshold_text = (values.get(threshold_name) or "").strip()
        points_text = (values.get(points_name) or "").strip()
        if not threshold_text and not points_text:
            continue
        where = f"{table.title} band {n}"
        band: dict = {table.key: None, "points": None}
        ok = True
        # Only gravity has an open-ended band (no upper limit): its threshold may be left empty.
        if threshold_text or table.section != "gravity":
            if not threshold_text:
                errors[threshold_name] = (
                    f"{where}: enter the {table.unit} as well as the points, or leave both empty to remove the band."
                )
                ok = False
            else:
                value, error = _whole(threshold_text, f"the {table.unit} of {where}", table.minimum, table.maximum)
                if error:
                    errors[threshold_name], ok = error, False
                band[table.key] = value
        if not points_text:
            errors[points_name] = f"{where}: enter the points as well, or leave both boxes empty to remove the band."
            ok = False
        else:
            value, error = _whole(points_text, f"the points of {where}", 0, MAX_POINTS)
            if error:
                errors[points_name], ok = error, False
            band["points"] = value
        if ok:
            bands.append((n, band))

    if any(name.startswith(f"{table.section}-") for name in errors):
        # A row in error is not in `bands`: checking the order now would blame its neighbours.
        return [band for _, band in bands]
    names = {i: band_field(table.section, n, table.key) for i, (n, _) in enumerate(bands)}
    if not bands:
        errors[band_field(table.section, 1, table.key)] = f"{table.title} needs at least one band."
        return []
    if table.section == "gravity":
        for i, (n, band) in enumerate(bands[:-1]):
            if band[table.key] is None:
                errors[names[i]] = (
                    f"Gravity band {n}: only the last band can be open-ended; give this one an upper limit."
                )
        last_n, last = bands[-1]
        if last[table.key] is not None:
            errors[names[len(bands) - 1]] = (
                f"Gravity band {last_n}: the last band must be open-ended (leave 'below' empty), "
                "so that every total of harm days earns points."
            )
    previous = None
    for i, (n, band) in enumerate(bands):
        value = band[table.key]
        if value is None:
            continue
        if previous is not None and value <= previous[1]:
            errors.setdefault(
                names[i],
                f"{table.title} band {n}: the {table.unit} ({value:,}) must be more than band {previous[0]}'s "
                f"({previous[1]:,}); bands go from the lowest to the highest.",
            )
        previous = (n, value)
    return [band for _, band in bands]


def parse(
    values: Mapping[str, str],
    *,
    base: dict,
    offences: Mapping[str, str],
    levers: Mapping[str, str],
    rows: Mapping[str, int],
    rules: int = 1,
) -> dict:
    """A new model's params from the form's text, or ModelInvalid naming every bad field.

    Every offence and lever in the catalogues must have a number; parameters the form does not
    show (which outcomes action a breach) are carried over from `base`.
    """
    errors: dict[str, str] = {}
    params = copy.deepcopy(base)
    for table in BAND_TABLES:
        params[table.section] = _parse_bands(table, values, rows.get(table.section, 0), errors)
    params["harm_days"] = {}
    for code, label in offences.items():
        value, error = _whole(values.get(harm_field(code)), f"the harm days for {label}", 0, MAX_HARM_DAYS)
        if error:
            errors[harm_field(code)] = error
        params["harm_days"][code] = value
    params["lever_weights"] = {}
    for code, label in levers.items():
        value, error = _whole(values.get(lever_field(code)), f"the weight of {label}", 0, MAX_POINTS)
        if error:
            errors[lever_field(code)] = error
        params["lever_weights"][code] = value
    for setting in settings_for(rules):
        what = f"the {setting.label[0].lower()}{setting.label[1:]}"
        reader = _decimal if setting.decimal else _whole
        value, error = reader(values.get(setting.name), what, setting.minimum, setting.maximum)
        if error:
            errors[setting.name] = error
        target = params
        for part in setting.path[:-1]:
            target = target.setdefault(part, {})
        target[setting.path[-1]] = value
    if errors:
        raise ModelInvalid(errors)
    return params


# ---- publishing -----------------------------------------------------------------------------------


class NothingChanged(ValueError):
    """The numbers are those of the latest version: no new version is published."""


class PublishConflict(EditConflict):
    """Another version was published after the admin's form was filled from an older one."""

    def __init__(self, latest: ScoringModel):
        super().__init__(f"version {latest.version} was published meanwhile")
        self.latest = latest


def catalogue_codes() -> tuple[dict[str, str], dict[str, str]]:
    """{code: label} of the offence categories and of the levers, in label order."""
    return labels(OffenceCategory), labels(LeverType)


def catalogue_defaults() -> tuple[dict[str, int], dict[str, int]]:
    offences = dict(db.session.execute(sa.select(OffenceCategory.code, OffenceCategory.harm_days)).all())
    levers = dict(db.session.execute(sa.select(LeverType.code, LeverType.weight)).all())
    return offences, levers


DAMAGED = "This form is out of date or damaged: reload the page and enter the numbers again."


def latest_version() -> int:
    return db.session.scalar(sa.select(sa.func.max(ScoringModel.version))) or 0


def _base(based_on: int) -> ScoringModel:
    base = db.session.get(ScoringModel, based_on)
    if base is None:
        raise ModelInvalid(
            {"based_on": "This form is out of date or damaged: reload the page and enter the numbers again."}
        )
    return base


def draft_params(values: Mapping[str, str], *, based_on: int) -> tuple[ScoringModel, dict]:
    """The numbers of the form as a draft of a new version from `based_on` (for a preview): the
    version filled from and the params, or ModelInvalid naming every bad field. Writes nothing."""
    base = _base(based_on)
    offences, levers = catalogue_codes()
    params = parse(
        values,
        base=base.params,
        offences=offences,
        levers=levers,
        rows=form_rows(base.params, values),
        rules=base.rules,
    )
    return base, params


def publish(
    values: Mapping[str, str], *, based_on: int, note: str, actor: Actor, seen_latest: int | None = None
) -> ScoringModel:
    """Publish the form's numbers as version N+1 (with the rule set of the version the form was
    filled from), make it the current version, audited; never edit a version.

    `seen_latest` is the newest version when the form was filled: if another version has been
    published since, PublishConflict is raised and nothing is written (optimistic locking). Two
    admins publishing at the same moment both aim for the same new version number, which is the
    primary key, so the second is refused by the database and gets the same conflict.
    """
    newest = latest_version()
    if (based_on if seen_latest is None else seen_latest) != newest:
        raise PublishConflict(db.session.get(ScoringModel, newest))
    note = (note or "").strip()
    errors = {}
    params = base = None
    try:
        base, params = draft_params(values, based_on=based_on)
    except ModelInvalid as exc:
        errors = exc.errors
    if not note:
        errors["note"] = "Say what changed and why: the note is required."
    elif len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE:,} characters or fewer."
    if errors:
        raise ModelInvalid(errors)
    if params == base.params:
        raise NothingChanged(
            f"These numbers are the same as version {base.version}: change at least one to publish a new version."
        )
    before, after = flatten(base.params), flatten(params)
    db.session.execute(sa.update(ScoringModel).where(ScoringModel.is_current.is_(True)).values(is_current=False))
    model = ScoringModel(
        version=newest + 1,
        params=params,
        rules=base.rules,
        is_current=True,
        note=note,
        published_by_id=actor.user_id,
        published_at=utcnow(),
    )
    db.session.add(model)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PublishConflict(db.session.get(ScoringModel, latest_version())) from None
    changed = audit.changes(before, after)
    audit.record(
        "create",
        f"published scoring model version {model.version} (rule set {model.rules}; {len(changed)} number(s) changed "
        f"from version {base.version}), now the current version: {note}",
        object_type="scoring_model",
        object_ref=str(model.version),
        data={
            "version": model.version,
            "based_on": base.version,
            "rules": model.rules,
            "note": note,
            "changes": changed,
        },
        actor=actor,
    )
    db.session.commit()
    return model


@dataclass(frozen=True)
class VersionInfo:
    model: ScoringModel
    published_by: str | None
    runs: int


def versions() -> list[VersionInfo]:
    """Every published version, newest first, with who published it and how many runs used it."""
    runs = sa.select(ScoreRun.model_version, sa.func.count().label("n")).group_by(ScoreRun.model_version).subquery()
    result = db.session.execute(
        sa.select(ScoringModel, User.username, User.display_name, sa.func.coalesce(runs.c.n, 0))
        .outerjoin(User, User.id == ScoringModel.published_by_id)
        .outerjoin(runs, runs.c.model_version == ScoringModel.version)
        .order_by(ScoringModel.version.desc())
    )
    return [VersionInfo(model, display or username, n) for model, username, display, n in result]


# ---- the numbers in plain English -----------------------------------------------------------------
