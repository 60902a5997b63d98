"""The route policy table (routes.csv, written by hand from the README) and how to request its routes.

Nothing here reads who may do what from the app: the table is the specification the app is
checked against. The app is used only to resolve a URL to the rule that serves it.
"""

import csv
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

TABLE = Path(__file__).with_name("routes.csv")
# The roles of the README's "Roles" table.
ROLES = ("supervisor", "officer", "referral", "analyst", "admin")
PUBLIC = "public"
# Served before any access check and holding no data: the app's and Bootstrap's own files.
ASSET_RULES = {"/static/<path:filename>", "/bootstrap/static/<path:filename>"}
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    roles: frozenset[str] | None  # None: public
    policy: str

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def is_public(self) -> bool:
        return self.roles is None

    def path(self, **values) -> str:
        """The rule with its arguments filled in: given values, or ones that name no record."""

        def fill(match):
            converter, name = match.groups()
            if name in values:
                return str(values[name])
            return "999999" if converter == "int" else "NO-SUCH-REF"

        return _ARGUMENT.sub(fill, self.rule)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def load() -> list[Route]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    routes = []
    for row in csv.DictReader(lines):
        names = row["roles"].split()
        if names == [PUBLIC]:
            roles = None
        else:
            unknown = set(names) - set(ROLES)
            assert not unknown, f"routes.csv names unknown roles {unknown} for {row['method']} {row['rule']}"
            roles = frozenset(names)
        routes.append(Route(row["method"], row["rule"], roles, row["policy"]))
    keys = [(r.method, r.rule) for r in routes]
    assert len(keys) == len(set(keys)), "routes.csv names a route twice"
    return routes


ROUTES = load()
BY_KEY = {(r.method, r.rule): r for r in ROUTES}


def allowed(role: str, method: str, rule: str) -> bool:
    route = BY_KEY[(method, rule)]
    return route.is_public or role in route.roles


def rule_of(app, path: str, method: str = "GET") -> str:
    """The URL rule that serves `path` (the app's router, not its access declarations)."""
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(path.split("?", 1)[0], method=method, return_rule=True)
    return rule.rule


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (method, path)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.found.append(("GET", attrs["href"]))
        elif tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.found.append((method, attrs.get("action") or ""))


def links_outside_policy(app, html: str, role: str) -> list[str]:
    """Links and form targets on a page that lead to a route the table does not give `role`."""
    parser = _Links()
    parser.feed(html)
    wrong = []
    for method, target in parser.found:
        path = urlsplit(target).path
        if not path.startswith("/") or target.startswith("//"):
            continue  # in-page anchors, or the form's own page
        try:
            rule = rule_of(app, path, method)
        except HTTPException:
            wrong.append(f"{method} {target}: the app serves no such route")
            continue
        if rule in ASSET_RULES:
            continue
        if (method, rule) not in BY_KEY:
            wrong.append(f"{method} {target}: {rule} is not in routes.csv")
        elif not allowed(role, method, rule):
            wrong.append(f"{method} {target}: {role} may not use {method} {rule}")
    return wrong
