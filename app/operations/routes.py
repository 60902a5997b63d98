"""Health checks for load balancers and monitoring: open to all, no sign-in, no personal data."""

from flask import current_app, jsonify

from app.operations import bp
from app.operations.readiness import check_readiness
from app.security import public


@bp.get("/healthz")
@public
def healthz():
    """Liveness: the process is up and answering. Touches nothing else, the database included."""
    return {"status": "ok"}


@bp.get("/readyz")
@public
def readyz():
    """Readiness: database, schema revision and scheduler heartbeat; 503 naming what failed."""
    readiness = check_readiness(current_app._get_current_object())
    return jsonify(readiness.as_json()), 200 if readiness.ready else 503
