"""Ranking pages: the target list (with its CSV export and a re-rank button) and the scoring model.

Routes are thin: parse the form, call a service in app.tasking.services or
app.tasking.model_versions, render or redirect. Task and meeting pages live in their own modules.
"""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor, changes
from app.catalogue import SCORE_TRIGGERS, LeverType, labels
from app.extensions import db
from app.offenders.services import districts
from app.security import roles_required
from app.tasking import bp, services
from app.tasking import model_versions as scoring_versions
from app.tasking.forms import RerankForm, TargetFilterForm, scoring_model_form
from app.tasking.models import ScoringModel

READERS = ("supervisor", "analyst")
RERANKERS = ("supervisor",)  # README: analysts read the target list and export it; they do not re-rank
MODEL_READERS = ("supervisor", "analyst", "admin")
PUBLISHERS = ("admin",)


# ---- the target list ------------------------------------------------------------------------------


def _filters_form() -> TargetFilterForm:
    return TargetFilterForm(request.args, districts=districts(), levers=labels(LeverType))


def _page() -> int | None:
    raw = request.args.get("page", "1").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else None


def _filters(form: TargetFilterForm) -> services.TargetFilters:
    return services.TargetFilters(
        district=form.district.data or None, flag=form.flag.data or None, lever=form.lever.data or None
    )


def _render_targets(form, result=None, status=200):
    lever_labels = labels(LeverType)
    explanations = {}
    if result is not None and result.run is not None:
        params, as_of = result.model.params, result.run.as_of
        explanations = {
            entry.row.id: scoring_versions.explain(entry.row, params, as_of, lever_labels, services.FLAG_LABELS)
            for entry in result.entries
        }
    filter_args = {name: form[name].data for name in ("district", "flag", "lever") if form[name].data}
    if form.per_page.data and form.per_page.data != "50":
        filter_args["per_page"] = form.per_page.data
    return render_template(
        "tasking/targets.html",
        form=form,
        result=result,
        explanations=explanations,
        rerank_form=RerankForm(),
        lever_labels=lever_labels,
        flag_labels=services.FLAG_LABELS,
        triggers=SCORE_TRIGGERS,
        filter_args=filter_args,
        day_text=scoring_versions.day_text,
    ), status


@bp.get("/targets")
@roles_required(*READERS)
def targets():
    form = _filters_form()
    page = _page()
    if not form.validate() or page is None:
        if page is None:
            form.form_errors.append("The page number must be a whole number from 1.")
        return _render_targets(form, status=400)
    result = services.target_list(
        _filters(form), page=page, per_page=int(form.per_page.data), actor=Actor.of(current_user)
    )
    return _render_targets(form, result)


@bp.get("/targets/export.csv")
@roles_required(*READERS)
def targets_export():
    form = _filters_form()
    if not form.validate():
        return _render_targets(form, status=400)
    result, text = services.export_target_list(_filters(form), actor=Actor.of(current_user))
    if result.run is None:
        flash("No ranking has been run yet, so there is nothing to export.", "warning")
        return redirect(url_for("tasking.targets"))
    filename = f"targets-{result.run.as_of.isoformat()}-run{result.run.id}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/targets/rank")
@roles_required(*RERANKERS)
def targets_rerank():
    if not RerankForm().validate_on_submit():
        abort(400)
    run = services.run_ranking(services.parse_as_of(None), "manual", actor=Actor.of(current_user))
    flash(
        f"Re-ranked as of {scoring_versions.day_text(run.as_of)}: {run.ranked_count:,} persons ranked "
        f"(score run {run.id}, scoring model version {run.model_version}).",
        "success",
    )
    return redirect(url_for("tasking.targets"))


# ---- the scoring model ----------------------------------------------------------------------------


def _render_model(shown: ScoringModel, form=None, status=200, conflict=None):
    latest = services.current_model()
    offences, lever_labels = scoring_versions.catalogue_codes()
    return render_template(
        "tasking/model_versions.html",
        latest=latest,
        shown=shown,
        versions=scoring_versions.versions(),
        tables=scoring_versions.described_tables(shown.params),
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
    return redirect(url_for("tasking.model_versions"))
