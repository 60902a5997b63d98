"""The scoring model page: every published version in plain English, and publishing a new one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor, changes
from app.extensions import db
from app.ranking import bp, explain, services
from app.ranking.model_versions import services as scoring_versions
from app.ranking.model_versions.forms import scoring_model_form
from app.ranking.models import ScoringModel
from app.security import roles_required

MODEL_READERS = ("supervisor", "analyst", "admin")
PUBLISHERS = ("admin",)


def _render_model(shown: ScoringModel, form=None, status=200, conflict=None):
    latest = services.current_model()
    offences, lever_labels = scoring_versions.catalogue_codes()
    return render_template(
        "ranking/model_versions.html",
        latest=latest,
        shown=shown,
        versions=scoring_versions.versions(),
        tables=explain.described_tables(shown.params),
        band_tables=scoring_versions.BAND_TABLES,
        settings=scoring_versions.SETTINGS,
        offences=offences,
        lever_labels=lever_labels,
        form=form,
        conflict=conflict,
        band_field=scoring_versions.band_field,
        harm_field=scoring_versions.harm_field,
        lever_field=scoring_versions.lever_field,
    ), status


def _publish_form(latest: ScoringModel, formdata=None):
    offences, levers = scoring_versions.catalogue_codes()
    rows = scoring_versions.form_rows(latest.params, formdata)
    if formdata is not None:
        form = scoring_model_form(rows, offences, levers)
    else:
        values = scoring_versions.form_values(latest.params, *scoring_versions.catalogue_defaults())
        form = scoring_model_form(rows, offences, levers, data=values)
        form.based_on.data = str(latest.version)
    form.rows = rows  # how many rows each band table shows
    return form


@bp.get("/scoring-model")
@roles_required(*MODEL_READERS)
def model_versions():
    latest = services.current_model()
    shown = latest
    raw = request.args.get("version", "").strip()
    if raw:
        if not raw.isdigit() or len(raw) > 9:
            abort(404)
        shown = db.session.get(ScoringModel, int(raw)) or abort(404)
    form = _publish_form(latest) if current_user.has_any_role(*PUBLISHERS) and shown is latest else None
    return _render_model(shown, form)


@bp.post("/scoring-model")
@roles_required(*PUBLISHERS)
def model_publish():
    latest = services.current_model()
    form = _publish_form(latest, request.form)
    if not form.validate_on_submit():
        return _render_model(latest, form, 400)
    raw = (form.based_on.data or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        form.form_errors.append("This form is out of date or damaged: reload the page and enter the numbers again.")
        return _render_model(latest, form, 400)
    based_on = int(raw)
    try:
        model = scoring_versions.publish(
            request.form, based_on=based_on, note=form.note.data, actor=Actor.of(current_user)
        )
    except scoring_versions.PublishConflict as exc:
        db.session.rollback()
        started_from = db.session.get(ScoringModel, based_on)
        differences = (
            changes(scoring_versions.flatten(started_from.params), scoring_versions.flatten(exc.latest.params))
            if started_from is not None
            else {}
        )
        # The form now answers to the version published meanwhile; the admin's own numbers stay.
        form.based_on.data = str(exc.latest.version)
        form.based_on.raw_data = [str(exc.latest.version)]
        conflict = {"latest": exc.latest, "started_from": started_from, "differences": differences}
        return _render_model(exc.latest, form, 409, conflict=conflict)
    except scoring_versions.ModelInvalid as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            if name in form._fields:
                form[name].errors = [*form[name].errors, message]
            else:
                form.form_errors.append(message)
        return _render_model(latest, form, 400)
    except scoring_versions.NothingChanged as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _render_model(latest, form, 400)
    flash(
        f"Scoring model version {model.version} published. The next ranking uses it; stored runs keep their version.",
        "success",
    )
    return redirect(url_for("ranking.model_versions"))
