"""The target list page and its CSV export: the current scores (the last full ranking and every
re-score since) read back, filtered, sorted and explained; persons in custody apart."""

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app import signals
from app.audit import services as audit
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.models import User
from app.base import local_today
from app.catalogue import LeverType, labels
from app.extensions import db
from app.offenders.custody.models import CustodyPeriod
from app.offenders.models import Person
from app.ranking import current, runs, scoring
from app.ranking.models import CurrentScore, ScoreRow, ScoreRun, ScoringModel
from app.web import csv_cell

TARGET_PAGE_SIZES = (25, 50, 100, 200)

FLAG_LABELS = {
    "serial": "Serial perpetrator",
    "escalating": "Escalating",
    "high_risk": "High-risk event (DASH)",
    "active_order": "Order in force",
    "recent_breach": "Recent breach",
    "in_custody": "In custody",
    "release_due": "Release due within 28 days",
}

SORTS = {"priority": "Priority", "harm": "Harm", "opportunity": "Opportunity", "last_event": "Last event"}
VIEWS = {"": "Target list", "custody": "Custody and release"}


@dataclass(frozen=True)
class TargetFilters:
    """Server-side filters, order and view of the target list; empty values filter nothing."""

    district: str | None = None
    flag: str | None = None
    lever: str | None = None
    custody: bool = False  # show persons in custody too (hidden by default)
    sort: str = "priority"
    view: str = ""

    def as_dict(self) -> dict:
        defaults = {"custody": False, "sort": "priority", "view": ""}
        return {name: value for name, value in asdict(self).items() if value and value != defaults.get(name)}


@dataclass(frozen=True)
class Movement:
    """Where a person stands against the previous full ranking: up N, down N, no change, new."""

    kind: str  # up, down, same, new, or first (there is no previous ranking to compare with)
    places: int = 0

    @property
    def text(self) -> str:
        if self.kind in ("up", "down"):
            return f"{self.kind.capitalize()} {self.places}"
        return {"same": "No change", "new": "New", "first": "First run"}[self.kind]


def movement(position: int | None, previous_position: int | None, has_previous_run: bool) -> Movement:
    if not has_previous_run:
        return Movement("first")
    if previous_position is None:
        return Movement("new")
    if position is None or position == previous_position:
        return Movement("same")
    if position < previous_position:
        return Movement("up", previous_position - position)
    return Movement("down", position - previous_position)


@dataclass(frozen=True)
class TargetEntry:
    row: CurrentScore
    position: int
    as_of: date  # the day the row was scored as of (the full ranking's, or a re-score's)
    model_version: int
    run_id: int
    person_ref: str
    name: str
    district: str | None
    previous_position: int | None
    movement: Movement
    open_tasks: int
    custody: CustodyPeriod | None = None


@dataclass
class TargetList:
    """One page (or, for the export, all) of the current list, with how it was made."""

    run: ScoreRun | None  # the full ranking the list is built on
    filters: TargetFilters = field(default_factory=TargetFilters)
    model: ScoringModel | None = None
    previous_run: ScoreRun | None = None
    run_by: str | None = None
    rescored_since: int = 0
    in_custody: int = 0  # ranked persons in custody today (hidden from the list unless asked)
    entries: list[TargetEntry] = field(default_factory=list)
    models: dict[int, ScoringModel] = field(default_factory=dict)
    total: int = 0
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1 if self.entries else 0


def _run_by(run: ScoreRun) -> str | None:
    """Who stored the run: the user, or the actor its audit entry names (scheduler, command line)."""
    if run.created_by_id is not None:
        user = db.session.get(User, run.created_by_id)
        if user is not None:
            return user.display_name or user.username
    return db.session.scalar(
        sa.select(AuditEntry.username)
        .where(AuditEntry.object_type == "score_run", AuditEntry.object_ref == str(run.id))
        .limit(1)
    )


def _json_has(column, code: str):
    # Flags are stored as a JSON array of codes and levers as a JSON object keyed by code; both are
    # serialised with the codes in double quotes, and a code never contains a quote, so looking
    # for '"code"' in the stored text is exact on SQLite and PostgreSQL alike.
    return sa.cast(column, sa.Text).contains(f'"{code}"', autoescape=True)


def _covering(day: date):
    return sa.and_(
        CustodyPeriod.person_id == CurrentScore.person_id,
        CustodyPeriod.custody_from <= day,
        sa.or_(CustodyPeriod.custody_to.is_(None), CustodyPeriod.custody_to > day),
    )


def _target_query(filters: TargetFilters, previous_run: ScoreRun | None, day: date):
    """One query for the rows, each with its place in the whole list, person, run, previous place
    and any custody period covering today."""
    ranked = (
        sa.select(CurrentScore.person_id, current.position_column().label("position"))
        .join(Person, Person.id == CurrentScore.person_id)
        .subquery("ranked")
    )
    previous = aliased(ScoreRow)
    previous_position = previous.position if previous_run is not None else sa.null()
    query = (
        sa.select(
            CurrentScore,
            ranked.c.position,
            ScoreRun.as_of,
            ScoreRun.model_version,
            Person.ref,
            Person.forenames,
            Person.surname,
            Person.district,
            previous_position.label("previous_position"),
            CustodyPeriod,
        )
        .join(ranked, ranked.c.person_id == CurrentScore.person_id)
        .join(Person, Person.id == CurrentScore.person_id)
        .join(ScoreRun, ScoreRun.id == CurrentScore.run_id)
        .outerjoin(CustodyPeriod, _covering(day))
    )
    if previous_run is not None:
        query = query.outerjoin(
            previous, sa.and_(previous.run_id == previous_run.id, previous.person_id == CurrentScore.person_id)
        )
    if filters.district:
        query = query.where(Person.district == filters.district)
    if filters.flag:
        query = query.where(_json_has(CurrentScore.flags, filters.flag))
    if filters.lever:
        query = query.where(_json_has(CurrentScore.levers, filters.lever))
    if filters.view == "custody":
        query = query.where(CustodyPeriod.id.is_not(None))
    elif not filters.custody:
        query = query.where(CustodyPeriod.id.is_(None))
    return query, ranked


def _ordered(query, ranked, filters: TargetFilters):
    if filters.view == "custody":
        soonest = (CustodyPeriod.expected_release_on.is_(None), CustodyPeriod.expected_release_on)
        return query.order_by(*soonest, ranked.c.position)
    first = {
        "harm": (CurrentScore.harm.desc(),),
        "opportunity": (CurrentScore.opportunity.desc(),),
        "last_event": (CurrentScore.latest_event_on.desc(),),
    }.get(filters.sort, ())
    return query.order_by(*first, ranked.c.position)


def _entries(result, has_previous_run: bool) -> list[TargetEntry]:
    """The rows as entries, each with the person's open tasks (asked of tasking, which owns them)."""
    result = result.all()
    counts = signals.answer(signals.open_tasks_counted.send([r[0].person_id for r in result]), {})
    return [
        TargetEntry(
            row=row,
            position=position,
            as_of=as_of,
            model_version=model_version,
            run_id=row.run_id,
            person_ref=ref,
            name=f"{forenames} {surname.upper()}".strip(),
            district=district,
            previous_position=previous_position,
            movement=movement(position, previous_position, has_previous_run),
            open_tasks=counts.get(row.person_id, 0),
            custody=period,
        )
        for row, position, as_of, model_version, ref, forenames, surname, district, previous_position, period in result
    ]


def _previous_listed(run: ScoreRun) -> ScoreRun | None:
    later = sa.or_(ScoreRun.as_of < run.as_of, sa.and_(ScoreRun.as_of == run.as_of, ScoreRun.id < run.id))
    return db.session.scalar(
        sa.select(ScoreRun)
        .where(ScoreRun.partial.is_(False), ScoreRun.listed.is_(True), later)
        .order_by(*runs.RUN_ORDER)
        .limit(1)
    )


def _target_list(filters: TargetFilters, page: int | None, per_page: int) -> tuple[TargetList, sa.Select | None]:
    """The list's context and the number of matching rows; the query that reads the rows."""
    run = runs.list_run()
    if run is None:
        return TargetList(run=None, filters=filters, per_page=per_page), None
    day = local_today()
    previous_run = _previous_listed(run)
    result = TargetList(
        run=run,
        filters=filters,
        model=db.session.get(ScoringModel, run.model_version),
        previous_run=previous_run,
        run_by=_run_by(run),
        rescored_since=current.rescored_since(run),
        in_custody=db.session.scalar(
            sa.select(sa.func.count()).select_from(CurrentScore).where(sa.exists().where(_covering(day)))
        ),
        per_page=per_page,
    )
    query, ranked = _target_query(filters, previous_run, day)
    result.total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    query = _ordered(query, ranked, filters)
    if page is not None:
        result.page = min(max(page, 1), result.pages)
        query = query.limit(per_page).offset((result.page - 1) * per_page)
    return result, query


def _models_of(entries: list[TargetEntry]) -> dict[int, ScoringModel]:
    versions = {e.model_version for e in entries}
    if not versions:
        return {}
    return {m.version: m for m in db.session.scalars(sa.select(ScoringModel).where(ScoringModel.version.in_(versions)))}


def target_list(filters: TargetFilters, *, page: int = 1, per_page: int = 50, actor: Actor) -> TargetList:
    """A page of the current list for the target list page; the viewing is audited."""
    result, query = _target_list(filters, page, per_page)
    run = result.run
    shown = max(0, min(per_page, result.total - (result.page - 1) * per_page))
    where = f"current list on score run {run.id} as of {run.as_of.isoformat()}" if run else "no ranking yet"
    audit.record(
        "view",
        f"viewed the target list ({where}; {shown} of {result.total} shown"
        + (f"; filters {filters.as_dict()}" if filters.as_dict() else "")
        + ")",
        object_type="targets",
        object_ref=run.as_of.isoformat() if run else None,
        data={
            "run_id": run.id if run else None,
            "filters": filters.as_dict(),
            "page": result.page,
            "per_page": per_page,
            "shown": shown,
            "total": result.total,
        },
        actor=actor,
    )
    db.session.commit()
    # Read after the commit, which expires loaded objects: rows read before it would each be
    # loaded again, one query per row, when the page shows them.
    if query is not None:
        result.entries = _entries(db.session.execute(query), result.previous_run is not None)
        result.models = _models_of(result.entries)
    return result


CSV_HEADER = [
    "position",
    "person_ref",
    "name",
    "district",
    "priority",
    "harm",
    "opportunity",
    "R",
    "F",
    "G",
    "V",
    "harm_days",
    "events_in_window",
    "incidents_in_window",
    "victims_in_window",
    "latest_event_on",
    "recency_days",
    "levers",
    "flags",
    "moved_since_last_run",
    "previous_position",
    "open_tasks",
    "in_custody_since",
    "expected_release_on",
]


def targets_csv(result: TargetList) -> str:
    """The list as CSV: one row per person with the whole breakdown, flags, levers and custody."""
    lever_labels = labels(LeverType)
    lever_codes = sorted(lever_labels)
    for entry in result.entries:
        lever_codes.extend(code for code in entry.row.levers if code not in lever_codes)
    header = [
        *CSV_HEADER,
        *(f"flag_{flag}" for flag in scoring.FLAGS),
        *(f"lever_{code}" for code in lever_codes),
        "as_of",
        "model_version",
        "score_run",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for entry in result.entries:
        row, period = entry.row, entry.custody
        values = (
            entry.position,
            entry.person_ref,
            entry.name,
            entry.district,
            row.priority,
            row.harm,
            row.opportunity,
            row.r,
            row.f,
            row.g,
            row.v,
            row.harm_days,
            row.events_in_window,
            row.incidents_in_window,
            row.victims_in_window,
            row.latest_event_on.isoformat(),
            row.recency_days,
            "; ".join(f"{lever_labels.get(code, code)} ({weight})" for code, weight in row.levers.items()),
            "; ".join(FLAG_LABELS.get(flag, flag) for flag in row.flags),
            entry.movement.text,
            entry.previous_position,
            entry.open_tasks,
            period.custody_from.isoformat() if period else None,
            period.expected_release_on.isoformat() if period and period.expected_release_on else None,
            *("yes" if flag in row.flags else "" for flag in scoring.FLAGS),
            *(row.levers.get(code) for code in lever_codes),
            entry.as_of.isoformat(),
            entry.model_version,
            entry.run_id,
        )
        writer.writerow([csv_cell(value) for value in values])
    return out.getvalue()


def export_target_list(filters: TargetFilters, *, actor: Actor) -> tuple[TargetList, str]:
    """Every row of the current list that passes the filters, as CSV; the export is audited.

    With no ranking there is nothing to export: the list comes back with run None, unaudited.
    """
    result, query = _target_list(filters, None, per_page=TARGET_PAGE_SIZES[-1])
    if query is None:
        return result, ""
    result.entries = _entries(db.session.execute(query), result.previous_run is not None)
    text = targets_csv(result)
    run = result.run
    audit.record(
        "export",
        f"exported the target list as CSV (current list on score run {run.id} as of {run.as_of.isoformat()}; "
        f"{len(result.entries)} {'row' if len(result.entries) == 1 else 'rows'}"
        + (f"; filters {filters.as_dict()}" if filters.as_dict() else "")
        + ")",
        object_type="targets",
        object_ref=run.as_of.isoformat(),
        data={"run_id": run.id, "filters": filters.as_dict(), "rows": len(result.entries), "format": "csv"},
        actor=actor,
    )
    db.session.commit()
    return result, text
