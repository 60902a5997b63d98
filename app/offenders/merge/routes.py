"""Duplicate persons (analysts): the candidates, comparing and merging a pair, the merges and undo."""

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import Consultation
from app.audit.services import Actor
from app.base import ValidationFailed
from app.extensions import db
from app.offenders import bp
from app.offenders.merge import services
from app.offenders.merge.forms import MergeForm, PairForm, UndoForm
from app.offenders.merge.models import PersonMerge
from app.offenders.models import DAEvent, Lever, Person
from app.offenders.persons import services as persons
from app.security import roles_required
from app.web import show_errors

MERGERS = ("analyst",)
SHOWN = 200


@bp.route("/duplicates")
@roles_required(*MERGERS)
def duplicates():
    found = services.duplicate_candidates()
    return render_template(
        "offenders/duplicates.html", candidates=found[:SHOWN], total=len(found), dismiss_form=PairForm()
    )


def _pair_or_404() -> tuple[Person, Person]:
    a, b = persons.get_person(request.args.get("a", "")), persons.get_person(request.args.get("b", ""))
    if a is None or b is None:
        abort(404)
    return a, b


def _counts(person: Person) -> dict[str, int]:
    def count(query) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    return {
        "events as suspect": count(sa.select(DAEvent.id).where(DAEvent.suspect_id == person.id)),
        "events as victim": count(sa.select(DAEvent.id).where(DAEvent.victim_id == person.id)),
        "levers": count(sa.select(Lever.id).where(Lever.person_id == person.id)),
    }


@bp.route("/merge", methods=["GET", "POST"])
@roles_required(*MERGERS)
def merge():
    a, b = _pair_or_404()
    g.consultation = Consultation("person", a.ref, "data_quality", "checking possible duplicate records")
    form = MergeForm()
    status = 200
    if form.validate_on_submit():
        keep, lose = (a, b) if form.keep.data == "a" else (b, a)
        try:
            done = services.merge_persons(lose, keep, form.reason.data, actor=Actor.of(current_user))
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(
                f"{done.from_ref} was merged into {done.into_ref}; {done.from_ref} now opens {done.into_ref}.",
                "success",
            )
            return redirect(url_for("offenders.merges"))
    elif form.is_submitted():
        status = 400
    if request.method == "GET":
        for person in (a, b):
            persons.view_person(person, purpose="to compare it with a possible duplicate")
        a, b = _pair_or_404()
    pair = [(a, _counts(a)), (b, _counts(b))]
    return render_template("offenders/merge.html", pair=pair, form=form, dismiss_form=PairForm()), status


@bp.route("/duplicates/not-the-same", methods=["POST"])
@roles_required(*MERGERS)
def not_duplicate():
    form = PairForm()
    if not form.validate_on_submit():
        abort(400)
    a, b = persons.get_person(form.a.data or ""), persons.get_person(form.b.data or "")
    if a is None or b is None or a.id == b.id:
        abort(404)
    services.not_duplicate(a, b, actor=Actor.of(current_user))
    flash(f"{a.ref} and {b.ref} will not be offered as duplicates again.", "success")
    return redirect(url_for("offenders.duplicates"))


@bp.route("/merges")
@roles_required(*MERGERS)
def merges():
    return render_template("offenders/merges.html", merges=services.merges(), undo_form=UndoForm())


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@roles_required(*MERGERS)
def undo_merge(merge_id):
    found = db.session.get(PersonMerge, merge_id)
    if found is None:
        abort(404)
    if UndoForm().validate_on_submit():
        try:
            services.undo_merge(found, actor=Actor.of(current_user))
        except ValidationFailed as exc:
            db.session.rollback()
            flash(next(iter(exc.errors.values())), "warning")
        else:
            flash(f"Merge undone: {found.from_ref} and {found.into_ref} are two records again.", "success")
    return redirect(url_for("offenders.merges"))
