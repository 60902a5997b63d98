"""Web import for analysts: the same service as `flask import-data`, all or nothing."""

from flask import render_template
from flask_login import current_user
from werkzeug.utils import secure_filename

from app.audit.services import Actor
from app.imports import bp, services
from app.imports.forms import ImportForm
from app.imports.parsing import FILES
from app.security import roles_required


@bp.route("/", methods=["GET", "POST"])
@roles_required("analyst")
def upload():
    form = ImportForm()
    result, status = None, 200
    if form.validate_on_submit():
        files = {}
        for storage in form.files.data:
            name = secure_filename(storage.filename or "").lower()
            if name:
                files[name] = storage.read()
        result = services.import_files(files, actor=Actor.of(current_user))
        status = 200 if result.ok else 400
    elif form.is_submitted():
        status = 400
    return render_template("imports/upload.html", form=form, result=result, contract=FILES), status
