"""The outcomes page: a period's breaches and task outcomes by team and officer, with SVG charts."""

from flask import render_template, request
from flask_login import current_user

from app.charts import Bar, bar_chart
from app.security import roles_required
from app.tasking import bp
from app.tasking.outcomes import services as os_
from app.tasking.outcomes.forms import PeriodForm

READERS = ("supervisor", "analyst")


def _charts(result: os_.Outcomes) -> dict:
    period = f"{result.start:%d %b %Y} to {result.end:%d %b %Y}"
    totals = [Bar(label, result.total.values[key]) for key, label in os_.MEASURES.items()]
    teams = [Bar(r.label, r.counts.results) for r in result.by_team]
    officers = [
        Bar(r.label, r.counts.on_time_percent or 0, f"{r.counts.on_time_percent}% of {r.counts.done}")
        for r in result.by_officer
        if r.counts.done
    ]
    return {
        "totals": bar_chart(
            "chart-totals",
            f"Outcomes, {period}",
            "; ".join(f"{b.label}: {b.value:g}" for b in totals) + ". The same figures are in the table below.",
            totals,
        ),
        "teams": bar_chart(
            "chart-teams",
            f"Results by team, {period}",
            "Arrests, charges, recalls, orders obtained, referrals and disclosures together, by team: "
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


@bp.route("/outcomes")
@roles_required(*READERS)
def outcomes():
    form = PeriodForm(request.args)
    if request.args and not form.validate():
        return render_template("tasking/outcomes.html", form=form, result=None, charts=None), 400
    try:
        start, end = os_.check_period(form.start.data, form.end.data)
    except os_.PeriodError as exc:
        for name, message in exc.errors.items():
            form[name].errors = [*form[name].errors, message]
        return render_template("tasking/outcomes.html", form=form, result=None, charts=None), 400
    form.start.data, form.end.data = start, end
    result = os_.outcomes(start, end, user=current_user)
    return render_template(
        "tasking/outcomes.html", form=form, result=result, charts=_charts(result), measures=os_.MEASURES
    )
