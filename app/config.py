"""Settings, read from the environment. ACHILLES_ENV chooses development, testing or production."""

import logging
import os
import secrets
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "achilles.sqlite")
    # psycopg 3 is our PostgreSQL driver; accept the plain scheme users usually write.
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _dev_secret_key(instance_path: str) -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    env = overrides.pop("ENV", None) or os.environ.get("ACHILLES_ENV", "production")
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"ACHILLES_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    Path(instance_path).mkdir(parents=True, exist_ok=True)

    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in the environment in production")
        secret_key = _dev_secret_key(instance_path) if env == "development" else "testing-only-key"

    config = {
        "ACHILLES_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # Production keeps SQL parameters (which may be personal data) out of error messages and logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": env == "production"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,  # one shift: a session ends this long after sign-in
        # A session with no request for this long ends (ASVS L2: 30 minutes).
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # CSV uploads
        "BOOTSTRAP_SERVE_LOCAL": True,  # police networks are closed: no CDN
        # Sign-in throttling: this many failures in the window blocks further tries.
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)),
        "LOGIN_THROTTLE_MINUTES": int(os.environ.get("LOGIN_THROTTLE_MINUTES", 15)),
        "PAGE_SIZE": 50,
        # Ask for a reason the first time a user opens a record or makes an export in a session
        # (DPA 2018 s.62). Only the test suite turns it off, for tests about something else.
        "ASK_CONSULTATION_REASON": True,
        # SQLite only: the file the leading scheduler process locks (PostgreSQL uses an advisory lock).
        "SCHEDULER_LOCK_FILE": os.environ.get("SCHEDULER_LOCK_FILE"),
    }
    config.update(operations_settings(env))
    config.update(overrides)
    return config


# ---- operational settings: logs, proxies, readiness and the scheduler heartbeat ----------------


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
