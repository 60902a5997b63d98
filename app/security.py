"""Access control and HTTP hardening.

Every route declares who may use it, with `@roles_required(...)` or `@public`. A before-request
hook enforces the declaration in one place and refuses (403) any route that declares nothing, so
a new route is closed until someone opens it on purpose.
"""

import builtins

from flask import abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import AnonymousUserMixin, current_user
from werkzeug import routing

from app.extensions import login_manager

ALWAYS_OPEN_ENDPOINTS = {"static", "bootstrap.static"}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Row ids are 32-bit on PostgreSQL (`integer`): a larger id in a URL can name no row, and asking the
# database for it would fail with an out-of-range error instead of "not found".
MAX_ROW_ID = 2**31 - 1
NUL = "\x00"


class RowIdConverter(routing.IntegerConverter):
    """`<int:...>` in every route: a whole number from 0 to MAX_ROW_ID, else the URL does not match (404)."""

    def __init__(self, url_map, fixed_digits=0, min=0, max=None, signed=False):
        highest = MAX_ROW_ID if max is None else builtins.min(max, MAX_ROW_ID)
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=highest, signed=signed)


# Under werkzeug's own name, so that code telling converters apart by name still sees an integer.
IntegerConverter = type("IntegerConverter", (RowIdConverter,), {"__doc__": RowIdConverter.__doc__})


def roles_required(*roles: str):
    """Name the roles allowed on a view; a user holding any of them may use it."""
    if not roles:
        raise ValueError("roles_required needs at least one role")

    def decorator(view):
        view.allowed_roles = frozenset(roles)
        return view

    return decorator


def public(view):
    """Open to everyone, signed in or not (sign-in page, health check)."""
    view.is_public = True
    return view


def allowed_roles(endpoint: str) -> frozenset[str] | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def can(endpoint: str) -> bool:
    """Whether the current user may open the endpoint: used to hide links they cannot follow."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    if getattr(view, "is_public", False):
        return True
    roles = getattr(view, "allowed_roles", None)
    return bool(roles) and current_user.is_authenticated and current_user.has_any_role(*roles)


def is_api_request() -> bool:
    return request.blueprint == "api"


def _enforce_access():
    # Resolve the user afresh for every request. Flask-Login caches it on `g`, and `g` outlives a
    # request whenever an app context was already pushed (as in tests): a stale user must never
    # carry over to another request.
    g.pop("_login_user", None)
    endpoint = request.endpoint
    if endpoint is None or endpoint in ALWAYS_OPEN_ENDPOINTS:
        return None  # 404/405 are handled by their own error pages
    if is_api_request():
        _load_token_user()
    view = current_app.view_functions[endpoint]
    if getattr(view, "is_public", False):
        return None
    roles = getattr(view, "allowed_roles", None)
    if not roles:
        current_app.logger.error("route %s declares no roles; refused", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_any_role(*roles):
        abort(403)
    return None


def _load_token_user() -> None:
    """API routes authenticate by bearer token only, never by the session cookie.

    Accepting the cookie would make the CSRF-exempt API forgeable from another site. The token's
    user is found by the loader the auth part registers (app.auth.login).
    """
    g._login_user = AnonymousUserMixin()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return
    user = current_app.extensions["bearer_token_user"](token.strip())
    if user is not None:
        g._login_user = user


def _nul_in(value, name: str) -> str | None:
    """The name of the first field holding a NUL character (PostgreSQL cannot store one), or None."""
    if isinstance(value, str):
        return name if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_in(str(key), name) or _nul_in(item, f"{name}.{key}" if name else str(key))
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_in(item, f"{name}[{i}]")
            if found:
                return found
    return None


def _body_fields() -> list[tuple[str, str]]:
    """The posted body as (field, text) pairs, read so that the view can still read it after."""
    if request.mimetype == "multipart/form-data":  # uploads: parsed once, as the view would
        form = [(key, key) for key in request.form] + list(request.form.items(multi=True))
        return form + [(f.name, f.filename or "") for f in request.files.values()]
    raw = request.get_data(cache=True)  # cached: form parsing and get_data() read it again later
    if request.is_json:
        found = _nul_in(request.get_json(silent=True), "")
        return [(found or "body", NUL)] if found is not None else []
    if request.mimetype == "application/x-www-form-urlencoded":
        return [(key, key) for key in request.form] + list(request.form.items(multi=True))
    return [("body", NUL)] if b"\x00" in raw else []


def _refuse_nul_bytes():
    """No text with a NUL character gets in, on any route and either engine: PostgreSQL refuses to
    store one (a 500 deep in a service), and no user types one."""
    fields = [("path", request.path)]
    fields += [(key, key) for key in request.args] + [(key, v) for key, v in request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += _body_fields()
    for name, value in fields:
        if NUL in value:
            message = "The request holds a NUL character, which is never allowed."
            if is_api_request() or request.path.startswith("/api/"):
                return jsonify(error=message, field=name), 400
            abort(400, message)
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["ACHILLES_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages hold personal data: no shared or back-button caching of them.
    if request.endpoint not in ALWAYS_OPEN_ENDPOINTS:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _unauthorized():
    if is_api_request():
        response = jsonify(error="authentication required", field="Authorization")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="achilles"'
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def init_url_converters(app) -> None:
    """Before any route is added: every `<int:...>` is a row id (RowIdConverter)."""
    app.url_map.converters["int"] = IntegerConverter


def init_app(app) -> None:
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_refuse_nul_bytes)
    app.before_request(_enforce_access)
    app.after_request(_security_headers)
