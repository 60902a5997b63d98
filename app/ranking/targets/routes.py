"""The target list page, its CSV export and re-ranking now."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import reason_required
from app.audit.services import Actor
from app.catalogue import SCORE_TRIGGERS, LeverType, labels
from app.offenders.persons.services import districts
from app.ranking import bp, explain, services
from app.ranking.targets import services as target_lists
from app.ranking.targets.forms import RerankForm, TargetFilterForm
from app.security import roles_required
from app.web import page_number

READERS = ("supervisor", "analyst")
RERANKERS = ("supervisor",)  # README: analysts read the target list and export it; they do not re-rank


def _filters_form() -> TargetFilterForm:
    return TargetFilterForm(request.args, districts=districts(), levers=labels(LeverType))


def _filters(form: TargetFilterForm) -> target_lists.TargetFilters:
    return target_lists.TargetFilters(
        district=form.district.data or None,
        flag=form.flag.data or None,
        lever=form.lever.data or None,
        custody=bool(form.custody.data),
        sort=form.sort.data or "priority",
        view=form.view.data or "",
    )


def _explanations(result, lever_labels) -> dict:
    """Each row's "why here", by the model version and the day it was scored with."""
    found = {}
    for entry in result.entries:
        model = result.models.get(entry.model_version) or result.model
        found[entry.person_ref] = explain.explain(
            entry.row, model.params, entry.as_of, lever_labels, target_lists.FLAG_LABELS, rules=model.rules
        )
    return found


def _render_targets(form, result=None, status=200):
    lever_labels = labels(LeverType)
    explanations = _explanations(result, lever_labels) if result is not None and result.run is not None else {}
    filter_args = {name: form[name].data for name in ("district", "flag", "lever", "view") if form[name].data}
    if form.custody.data:
        filter_args["custody"] = "y"
    if form.sort.data and form.sort.data != "priority":
        filter_args["sort"] = form.sort.data
    if form.per_page.data and form.per_page.data != "50":
        filter_args["per_page"] = form.per_page.data
    return render_template(
        "ranking/targets.html",
        form=form,
        result=result,
        explanations=explanations,
        rerank_form=RerankForm(),
        lever_labels=lever_labels,
        flag_labels=target_lists.FLAG_LABELS,
        triggers=SCORE_TRIGGERS,
        filter_args=filter_args,
        unsorted_args={k: v for k, v in filter_args.items() if k != "sort"},
        sorts=target_lists.SORTS,
        current_model=services.current_model(),
        day_text=explain.day_text,
    ), status


@bp.get("/targets")
@roles_required(*READERS)
def targets():
    form = _filters_form()
    page = page_number()
    if not form.validate() or page is None:
        if page is None:
            form.form_errors.append("The page number must be a whole number from 1.")
        return _render_targets(form, status=400)
    result = target_lists.target_list(
        _filters(form), page=page, per_page=int(form.per_page.data), actor=Actor.of(current_user)
    )
    return _render_targets(form, result)


@bp.get("/targets/export.csv")
@roles_required(*READERS)
@reason_required("export", ref="target-list")
def targets_export():
    form = _filters_form()
    if not form.validate():
        return _render_targets(form, status=400)
    result, text = target_lists.export_target_list(_filters(form), actor=Actor.of(current_user))
    if result.run is None:
        flash("No ranking has been run yet, so there is nothing to export.", "warning")
        return redirect(url_for("ranking.targets"))
    filename = f"targets-{result.run.as_of.isoformat()}-run{result.run.id}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/targets/rank")
@roles_required(*RERANKERS)
def targets_rerank():
    if not RerankForm().validate_on_submit():
        abort(400)
    run = services.run_ranking(services.parse_as_of(None), "manual", actor=Actor.of(current_user))
    flash(
        f"Re-ranked as of {explain.day_text(run.as_of)}: {run.ranked_count:,} persons ranked "
        f"(score run {run.id}, scoring model version {run.model_version}).",
        "success",
    )
    return redirect(url_for("ranking.targets"))
