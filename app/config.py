"""Settings, read from the environment. ACHILLES_ENV chooses development, testing or production."""

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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
    config.update(overrides)
    return config
