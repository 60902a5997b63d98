"""The scoring model page: every published version in plain English, publishing a new one (from any
version, so for either rule set), and previewing a draft against the current version first."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor, changes
from app.base import local_today
from app.extensions import db
from app.ranking import bp, explain, services
from app.ranking.backtest import services as backtests
from app.ranking.backtest.chart import charts_for, model_names
from app.ranking.model_versions import preview as previews
from app.ranking.model_versions import services as scoring_versions
from app.ranking.model_versions.forms import scoring_model_form
from app.ranking.models import ScoringModel
from app.security import roles_required

MODEL_READERS = ("supervisor", "analyst", "admin")
PUBLISHERS = ("admin",)


def _version_or_404(raw: str) -> ScoringModel:
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        abort(404)
    return db.session.get(ScoringModel, int(raw)) or abort(404)


def _render_model(shown: ScoringModel, form=None, status=200, conflict=None, base: ScoringModel | None = None):
    current = services.current_model()
    offences, lever_labels = scoring_versions.catalogue_codes()
    base = base or current
    return render_template(
        "ranking/model_versions.html",
        latest=current,
        newest=scoring_versions.latest_version(),
        shown=shown,
        base=base,
        rule_sets=scoring_versions.RULE_SETS,
        versions=scoring_versions.versions(),
        tables=explain.described_tables(shown.params),
        band_tables=scoring_versions.BAND_TABLES,
        settings=scoring_versions.settings_for(base.rules),
        offences=offences,
        lever_labels=lever_labels,
        form=form,
        conflict=conflict,
        band_field=scoring_versions.band_field,
        harm_field=scoring_versions.harm_field,
        lever_field=scoring_versions.lever_field,
    ), status


def _publish_form(base: ScoringModel, formdata=None):
    offences, levers = scoring_versions.catalogue_codes()
    rows = scoring_versions.form_rows(base.params, formdata)
    if formdata is not None:
        form = scoring_model_form(rows, offences, levers, base.rules)
    else:
        values = scoring_versions.form_values(base.params, *scoring_versions.catalogue_defaults())
        form = scoring_model_form(rows, offences, levers, base.rules, data=values)
        form.based_on.data = str(base.version)
        form.seen_latest.data = str(scoring_versions.latest_version())
    form.rows = rows  # how many rows each band table shows
    return form


@bp.get("/scoring-model")
@roles_required(*MODEL_READERS)
def model_versions():
    current = services.current_model()
    shown = _version_or_404(request.args["version"]) if request.args.get("version") else current
    base = _version_or_404(request.args["base"]) if request.args.get("base") else current
    publisher = current_user.has_any_role(*PUBLISHERS)
    form = _publish_form(base) if publisher and (shown is current or "base" in request.args) else None
    return _render_model(shown, form, base=base)


def _posted_base(form) -> ScoringModel | None:
    raw = (form.based_on.data or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        return None
    return db.session.get(ScoringModel, int(raw))


def _seen_latest(form) -> int | None:
    raw = (form.seen_latest.data or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _refused(form, base, errors: dict[str, str], status=400):
    for name, message in errors.items():
        if name in form._fields:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)
    return _render_model(services.current_model(), form, status, base=base)


@bp.post("/scoring-model")
@roles_required(*PUBLISHERS)
def model_publish():
    form = _publish_form(services.current_model(), request.form)
    base = _posted_base(form)
    if base is not None:
        form = _publish_form(base, request.form)
    if not form.validate_on_submit():
        return _render_model(services.current_model(), form, 400, base=base)
    if base is None:
        return _refused(form, None, {"based_on": scoring_versions.DAMAGED})
    try:
        model = scoring_versions.publish(
            request.form,
            based_on=base.version,
            seen_latest=_seen_latest(form),
            note=form.note.data,
            actor=Actor.of(current_user),
        )
    except scoring_versions.PublishConflict as exc:
        db.session.rollback()
        differences = changes(scoring_versions.flatten(base.params), scoring_versions.flatten(exc.latest.params))
        # The form now answers to the version published meanwhile; the admin's own numbers stay.
        form.seen_latest.data = str(exc.latest.version)
        form.seen_latest.raw_data = [str(exc.latest.version)]
        conflict = {"latest": exc.latest, "started_from": base, "differences": differences}
        return _render_model(services.current_model(), form, 409, conflict=conflict, base=base)
    except scoring_versions.ModelInvalid as exc:
        db.session.rollback()
        return _refused(form, base, exc.errors)
    except scoring_versions.NothingChanged as exc:
        db.session.rollback()
        return _refused(form, base, {"form": str(exc)})
    flash(
        f"Scoring model version {model.version} published and now current. The next full ranking uses it (tonight, "
        "or re-rank now on the target list); stored runs keep their version.",
        "success",
    )
    return redirect(url_for("ranking.model_versions"))


@bp.post("/scoring-model/preview")
@roles_required(*PUBLISHERS)
def model_preview():
    """The draft's backtest beside the current version's, and today's top-50 difference."""
    form = _publish_form(services.current_model(), request.form)
    base = _posted_base(form)
    if base is not None:
        form = _publish_form(base, request.form)
    if not form.validate_on_submit():
        return _render_model(services.current_model(), form, 400, base=base)
    if base is None:
        return _refused(form, None, {"based_on": scoring_versions.DAMAGED})
    horizon = backtests.DEFAULT_HORIZON
    as_of = backtests.quarter_ends(local_today(), 1)
    try:
        result = previews.preview(
            request.form, based_on=base.version, horizon_days=horizon, dates=as_of, actor=Actor.of(current_user)
        )
    except scoring_versions.ModelInvalid as exc:
        db.session.rollback()
        return _refused(form, base, exc.errors)
    names = model_names([result.current]) | {0: "Draft (not published)"}
    offences, lever_labels = scoring_versions.catalogue_codes()
    return render_template(
        "ranking/model_preview.html",
        result=result,
        top=previews.TOP,
        form=form,
        charts=charts_for(result.view, names),
        names=names,
        base=base,
        latest=services.current_model(),
        newest=scoring_versions.latest_version(),
        rule_sets=scoring_versions.RULE_SETS,
        band_tables=scoring_versions.BAND_TABLES,
        settings=scoring_versions.settings_for(base.rules),
        offences=offences,
        lever_labels=lever_labels,
        conflict=None,
        band_field=scoring_versions.band_field,
        harm_field=scoring_versions.harm_field,
        lever_field=scoring_versions.lever_field,
    )
