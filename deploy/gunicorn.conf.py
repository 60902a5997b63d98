"""gunicorn settings for the Achilles web service (deploy/achilles-web.service runs it).

No access log: the app writes its own request line (request id, user id, route, status, duration)
and gunicorn's access log would carry query strings, which can hold search terms (personal data).
gunicorn's own messages use the app's format (JSON unless LOG_FORMAT=text).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # the TLS proxy on this host connects here
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))  # force-scale exports and network pages take seconds
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then, with jitter so they do not all restart at once
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = "info"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket (it would go in the service user's home): systemctl reload/restart manage the service.
control_socket_disable = True

_format = (os.environ.get("LOG_FORMAT") or "json").strip().lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "app": {"()": "app.operations.logs.JsonFormatter"}
        if _format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "app", "stream": "ext://sys.stderr"}},
    # The app's own loggers have their handler (app.operations.logs); nothing else goes through root.
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
