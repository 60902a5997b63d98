"""The backtest page (analysts and admins): capture curves of each model version as of some days."""

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.ranking import bp, services
from app.ranking.backtest import services as backtests
from app.ranking.backtest.chart import charts_for, model_names
from app.ranking.backtest.forms import BacktestForm
from app.ranking.models import ScoringModel
from app.security import roles_required

BACKTEST_READERS = ("analyst", "admin")
MAX_MODELS = 4


def _versions() -> dict[str, str]:
    return {
        str(
            m.version
        ): f"Version {m.version} ({'v2' if m.rules == 2 else 'v1'} rules{', current' if m.is_current else ''})"
        for m in db.session.scalars(sa.select(ScoringModel).order_by(ScoringModel.version.desc()))
    }


@bp.get("/backtest")
@roles_required(*BACKTEST_READERS)
def backtest():
    versions = _versions()
    form = BacktestForm(request.args, versions=versions)
    current = services.current_model()
    if not request.args:
        form.as_of.data = ", ".join(d.isoformat() for d in backtests.quarter_ends(local_today()))
        form.model.data = [str(current.version)]
    errors = {}
    try:
        dates = backtests.parse_dates(form.as_of.data)
    except services.BadInput as exc:
        errors["as_of"] = exc.message
    try:
        horizon = backtests.parse_horizon(form.horizon.data)
    except services.BadInput as exc:
        errors["horizon"] = exc.message
    try:
        tops = backtests.parse_top(form.top.data)
    except services.BadInput as exc:
        errors["top"] = exc.message
    chosen = form.model.data or [str(current.version)]
    unknown = [v for v in chosen if v not in versions]
    if unknown or len(chosen) > MAX_MODELS:
        errors["model"] = f"Choose from 1 to {MAX_MODELS} of the published versions."
    if errors:
        for name, message in errors.items():
            form[name].errors = [message]
        return render_template("ranking/backtest.html", form=form, view=None), 400
    models = [db.session.get(ScoringModel, int(v)) for v in sorted(chosen, key=int, reverse=True)]
    view = backtests.backtest_view(dates, horizon_days=horizon, models=models, tops=tops, actor=Actor.of(current_user))
    names = model_names(models)
    return render_template("ranking/backtest.html", form=form, view=view, charts=charts_for(view, names), names=names)
