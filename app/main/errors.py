"""Error pages that say what happened and nothing about the internals."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your roles do not give you access to this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This page does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this record while you were working on it."),
    413: ("Too large", "The file is too large."),
    429: ("Too many attempts", "Too many requests. Wait a few minutes and try again."),
    500: ("Something went wrong", "The error has been logged. Nothing you entered was saved."),
}


def _render(code: int, description: str | None = None, *, page_says: str | None = None):
    db.session.rollback()
    title, message = MESSAGES.get(code, (f"Error {code}", "The request failed."))
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return jsonify(error=description or title), code
    return render_template("errors/error.html", code=code, title=title, message=page_says or message), code


def init_app(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # A message given on purpose (`abort(400, "...")`) is shown; werkzeug's defaults never are.
        own = exc.description if exc.description != type(exc).description else None
        return _render(exc.code or 500, exc.description if request.path.startswith("/api/") else None, page_says=own)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        # The route as declared, never the path: paths hold references and query strings search terms.
        app.logger.exception("unhandled error on %s", request.url_rule.rule if request.url_rule else "(no route)")
        return _render(500)
