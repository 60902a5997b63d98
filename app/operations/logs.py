"""Structured logs: one line per request and per job run (JSON in production), and the request id.

Every request gets an id: a well-formed `X-Request-ID` from the proxy in front is kept, anything
else is replaced by a new one. The id goes back in the response header, into every log line
written during the request and into the audit entries the request writes, so one id ties the
proxy's log, the app's log and the audit log together.

A request line holds the time, request id, user id (never a name), the route as declared (the URL
rule, so `/persons/<ref>` and not the reference), method, status and duration. Query strings can
carry search terms, which are personal data: they are never logged.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import flask.logging
from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may send: nginx's $request_id (32 hex), a UUID, or similar. Anything else (too long,
# spaces, control characters that could forge a log line) is replaced.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
_ENVIRON_ID = "achilles.request_id"
_ENVIRON_START = "achilles.request_start"

# Loggers whose records we format: Flask's app logger (named after the package), ours, APScheduler's.
APP_LOGGERS = ("app", "achilles", "apscheduler")
# Load balancers call these every few seconds: a healthy answer is not worth a log line.
QUIET_ENDPOINTS = frozenset({"operations.healthz", "operations.readyz"})

request_log = logging.getLogger("achilles.request")

# Attributes every LogRecord has; anything else on a record was passed in `extra` and is logged.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request (CLI, scheduler)."""
    if not has_request_context():
        return None
    return request.environ.get(_ENVIRON_ID)


def _extras(record: logging.LogRecord) -> dict:
    return {key: value for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Keys keep their place even when empty (user_id null for a signed-out request); only a
        # request id is left out where there is no request (CLI, scheduler).
        entry.update({key: value for key, value in _extras(record).items() if key != "request_id" or value})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain text for development: the usual line, then the extra fields as key=value."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{key}={value}" for key, value in _extras(record).items() if value is not None)
        if not extras:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} [{extras}]{newline}{rest}"


class _RequestIdFilter(logging.Filter):
    """Adds the request id to every record written while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (systemd's journal, gunicorn's, or a test's capture)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


_handler: logging.Handler | None = None


def configure_logging(app: Flask) -> None:
    """Send the app's loggers to stderr in LOG_FORMAT. One handler per process: the last app configured wins."""
    global _handler
    if _handler is None:
        _handler = _StderrHandler()
        _handler.addFilter(_RequestIdFilter())
    _handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    level = app.config["LOG_LEVEL"]
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
        # APScheduler reports every run at INFO; our own job lines say more, so only its warnings.
        logger.setLevel(max(level, logging.WARNING) if name == "apscheduler" else level)
    logging.getLogger("app").removeHandler(flask.logging.default_handler)


def _start_request() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    well_formed = WELL_FORMED_REQUEST_ID.fullmatch(incoming) is not None
    request.environ[_ENVIRON_ID] = incoming if well_formed else uuid.uuid4().hex
    request.environ[_ENVIRON_START] = time.perf_counter()


def _user_id() -> int | None:
    # Only a user already resolved for this request: logging must never query the database.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


def _finish_request(response):
    request_id = current_request_id()
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    if request.endpoint in QUIET_ENDPOINTS and response.status_code == 200:
        return response
    started = request.environ.get(_ENVIRON_START)
    route = request.url_rule.rule if request.url_rule is not None else None
    request_log.info(
        "%s %s %s",
        request.method,
        route or "(no route)",
        response.status_code,
        extra={
            "request_id": request_id,
            "user_id": _user_id(),
            "route": route,
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Configure logging and register the request-id hooks (before access control, so refusals get one too)."""
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.jinja_env.globals["request_id"] = current_request_id
