"""Operational settings read from the environment: logs, proxies, readiness and the scheduler heartbeat."""

import logging
import os

LOG_FORMATS = ("json", "text")


def _flag(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise RuntimeError(f"{name} must be true or false, not {raw!r}")


def _whole_number(name: str, default: int, minimum: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise RuntimeError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)


def operations_settings(env: str) -> dict:
    """The settings of this module's features for environment `env`; a bad value stops the start."""
    production = env == "production"
    log_format = (os.environ.get("LOG_FORMAT") or ("json" if production else "text")).strip().lower()
    if log_format not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    log_level = (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise RuntimeError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
    heartbeat = _whole_number("SCHEDULER_HEARTBEAT_SECONDS", 30, 1)
    max_age = _whole_number("READY_SCHEDULER_MAX_AGE", 120, 2)
    if max_age <= heartbeat:
        raise RuntimeError("READY_SCHEDULER_MAX_AGE must be longer than SCHEDULER_HEARTBEAT_SECONDS")
    fallbacks = [key.strip() for key in (os.environ.get("SECRET_KEY_FALLBACKS") or "").split(",") if key.strip()]
    return {
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": logging.getLevelName(log_level),
        # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none, the app faces
        # clients directly). Behind nginx on the same host this is 1, so audit entries get the
        # officer's address and not the proxy's.
        "TRUSTED_PROXY_COUNT": _whole_number("TRUSTED_PROXY_COUNT", 0, 0),
        # Readiness: the scheduler's heartbeat must be this recent (seconds). In development and tests
        # no scheduler usually runs, so its heartbeat is reported but not required there.
        "READY_REQUIRE_SCHEDULER": _flag("READY_REQUIRE_SCHEDULER", production),
        "READY_SCHEDULER_MAX_AGE": max_age,
        "SCHEDULER_HEARTBEAT_SECONDS": heartbeat,
        # Old keys still accepted for signed cookies while SECRET_KEY is rotated (Flask 3.1+).
        "SECRET_KEY_FALLBACKS": fallbacks,
    }
