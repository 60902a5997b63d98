"""The outcomes page: results month by month from the records (with trend charts), the managed
cohort's harm before and after adoption, and a period's figures by team and officer; every table
can be downloaded as CSV (audited as an export)."""

import csv
import io
from datetime import date

from flask import Response, abort, render_template, request
from flask_login import current_user

from app.audit import services as audit
from app.audit.services import Actor
from app.base import local_today
from app.charts import Bar, bar_chart, column_chart
from app.extensions import db
from app.main import bp
from app.main import outcome_records as records
from app.security import roles_required
from app.tasking.outcomes import services as os_
from app.tasking.outcomes.forms import PeriodForm
from app.web import csv_cell

READERS = ("supervisor", "analyst")
TABLES = ("monthly", "cohort", "teams", "officers")


def month_label(key: str) -> str:
    """'2026-01' -> 'Jan 2026'."""
    return date.fromisoformat(key + "-01").strftime("%b %Y")


def _trend_charts(found: records.Monthly) -> dict:
    charts = {}
    for key, label in records.MEASURES.items():
        bars = [Bar(month_label(m)[:3], found.counts[key].get(m, 0)) for m in found.months]
        charts[key] = column_chart(
            f"trend-{key}",
            f"{label}, month by month",
            f"{label} in each of the last {len(found.months)} months, from {month_label(found.months[0])} to "
            f"{month_label(found.months[-1])}: "
            + "; ".join(f"{month_label(m)} {found.counts[key].get(m, 0)}" for m in found.months)
            + ". The same figures are in the table below.",
            bars,
        )
    return charts


def _period_charts(result: os_.Outcomes) -> dict:
    period = f"{result.start:%d %b %Y} to {result.end:%d %b %Y}"
    teams = [Bar(r.label, r.counts.results) for r in result.by_team]
    officers = [
        Bar(r.label, r.counts.on_time_percent or 0, f"{r.counts.on_time_percent}% of {r.counts.done}")
        for r in result.by_officer
        if r.counts.done
    ]
    return {
        "teams": bar_chart(
            "chart-teams",
            f"Results by team, {period}",
            "Arrests, charges, recalls, orders obtained, referrals and disclosures recorded on tasks, by team: "
            + ("; ".join(f"{b.label}: {b.value:g}" for b in teams) or "none")
            + ". The table by team gives each measure.",
            teams,
        ),
        "on_time": bar_chart(
            "chart-on-time",
            f"Tasks done on time by officer, {period}",
            "Share of each officer's completed tasks that were done by their due time: "
            + ("; ".join(f"{b.label}: {b.text}" for b in officers) or "no task was completed")
            + ". The table by officer gives the counts.",
            officers,
            max_value=100,
        ),
    }


def _period(form: PeriodForm):
    """(start, end) from the form, or None with the errors on the form."""
    if request.args and not form.validate():
        return None
    try:
        start, end = os_.check_period(form.start.data, form.end.data)
    except os_.PeriodError as exc:
        for name, message in exc.errors.items():
            form[name].errors = [*form[name].errors, message]
        return None
    form.start.data, form.end.data = start, end
    return start, end


@bp.route("/outcomes")
@roles_required(*READERS)
def outcomes():
    today = local_today()
    form = PeriodForm(request.args)
    found = records.monthly(today)
    cohort = records.cohort_harm(today)
    period = _period(form)
    result = os_.outcomes(*period, user=current_user) if period else None
    return render_template(
        "main/outcomes.html",
        form=form,
        monthly=found,
        trends=_trend_charts(found),
        cohort=cohort,
        result=result,
        charts=_period_charts(result) if result else None,
        measures=records.MEASURES,
        period_measures=os_.MEASURES,
        month_label=month_label,
        window_days=records.COHORT_WINDOW_DAYS,
    ), (200 if period else 400)


def _rows(table: str, today: date) -> tuple[list[str], list[list]]:
    if table == "monthly":
        found = records.monthly(today)
        return ["month", *records.MEASURES], [[m, *values] for m, values in found.rows()]
    if table == "cohort":
        rows = records.cohort_harm(today).rows
        header = ["person_ref", "name", "adopted_on", "exited_on", "exit_reason", "harm_days_before", "harm_days_after"]
        return [*header, "days_after"], [
            [
                r.member.person.ref,
                r.member.person.full_name,
                r.member.adopted_on.isoformat(),
                r.member.exited_on.isoformat() if r.member.exited_on else "",
                r.member.exit_reason or "",
                r.before,
                r.after,
                r.days_after,
            ]
            for r in rows
        ]
    start, end = os_.check_period(None, None, today=today)
    form = PeriodForm(request.args)
    if request.args.get("start") or request.args.get("end"):
        period = _period(form)
        if period is None:
            abort(400)
        start, end = period
    result = os_.outcomes(start, end, user=current_user)
    lines = result.by_team if table == "teams" else result.by_officer
    header = [table[:-1], *os_.MEASURES, "tasks_done", "tasks_done_on_time"]
    return header, [[r.label, *r.counts.values.values(), r.counts.done, r.counts.done_on_time] for r in lines]


@bp.route("/outcomes.csv")
@roles_required(*READERS)
def outcomes_csv():
    table = request.args.get("table", "")
    if table not in TABLES:
        abort(400)
    today = local_today()
    header, rows = _rows(table, today)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    audit.record(
        "export",
        f"exported the outcomes table {table} as CSV ({len(rows)} rows)",
        object_type="outcomes",
        data={"table": table, "rows": len(rows)},
        actor=Actor.of(current_user),
    )
    db.session.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="outcomes-{table}-{today.isoformat()}.csv"'},
    )
