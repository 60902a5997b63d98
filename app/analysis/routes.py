"""The perpetrator problem profile: the page, its print view and its CSV (analysts only)."""

from flask import Response, render_template, request
from flask_login import current_user

from app.analysis import bp
from app.analysis import services as profiles
from app.analysis.charts import charts_for
from app.analysis.figures import REPORT_BANDS, TOP_PERCENTS
from app.analysis.forms import AsOfForm
from app.audit.services import Actor
from app.base import ValidationFailed
from app.security import roles_required
from app.web import show_errors


def _as_of(form: AsOfForm):
    """The chosen day, or None with the form's errors set."""
    if request.args and not form.validate():
        return None
    try:
        return profiles.check_as_of(form.as_of.data)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return None


def _render(template: str, printed: bool = False):
    form = AsOfForm(request.args)
    as_of = _as_of(form)
    if as_of is None:
        return render_template(template, form=form, profile=None), 400
    form.as_of.data = as_of
    profile = profiles.problem_profile(as_of, actor=Actor.of(current_user), printed=printed)
    return render_template(
        template,
        form=form,
        profile=profile,
        charts=charts_for(profile),
        bands=[label for label, _low, _high in REPORT_BANDS],
        percents=TOP_PERCENTS,
    )


@bp.get("/problem-profile")
@roles_required(*profiles.READERS)
def problem_profile():
    return _render("analysis/problem_profile.html")


@bp.get("/problem-profile/print")
@roles_required(*profiles.READERS)
def problem_profile_print():
    return _render("analysis/problem_profile_print.html", printed=True)


@bp.get("/problem-profile.csv")
@roles_required(*profiles.READERS)
def problem_profile_csv():
    form = AsOfForm(request.args)
    as_of = _as_of(form)
    if as_of is None:
        return render_template("analysis/problem_profile.html", form=form, profile=None), 400
    text = profiles.export_csv(as_of, actor=Actor.of(current_user))
    filename = f"problem-profile-{as_of.isoformat()}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
