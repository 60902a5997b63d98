"""Running Achilles in production: health checks, structured logs, request ids, heartbeat, backups."""

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

bp = Blueprint("operations", __name__)


def init_app(app: Flask) -> None:
    """Logging, request ids, the trusted proxy and the backup commands. Call before access control."""
    from app.operations import cli, logs

    logs.init_app(app)
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        # The address and scheme the officer's browser used, as the TLS proxy saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.cli.add_command(cli.backup_command)
    app.cli.add_command(cli.restore_command)
