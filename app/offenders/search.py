"""Finding persons by name, alias, reference or PNC ID on both engines, one page at a time."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.offenders.models import Person, PersonAlias

MAX_SEARCH_TERMS = 6


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class unicode_lower(FunctionElement):
    """lower() that folds every letter, not only A-Z: SQLite's built-in lower() is ASCII-only, so
    on SQLite this calls Python's str.lower (registered on the connection by `_fold`). On
    PostgreSQL it is lower(), which folds by the database's locale (a UTF-8 locale folds all)."""

    type = sa.Text()
    inherit_cache = True
    name = "unicode_lower"


@compiles(unicode_lower)
def _unicode_lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _unicode_lower_sqlite(element, compiler, **kw):
    return f"achilles_lower({compiler.process(element.clauses, **kw)})"


def _python_lower(value):
    return value.lower() if isinstance(value, str) else value


def _fold(term: str):
    """The lowering function for a search term. An ASCII term only ever matches ASCII letters,
    which the built-in lower() folds on both engines, fast; a term with other letters (Zoë,
    Łukasz) needs a Unicode-aware lower, which on SQLite is a slower Python function."""
    if term.isascii():
        return sa.func.lower
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function("achilles_lower", 1, _python_lower, deterministic=True)
    return unicode_lower


def term_matches(term: str):
    """A person matches a term when it is part of a name, an alias, the reference or the PNC ID.

    Both sides are lowered explicitly: LIKE is case-insensitive on SQLite but not on PostgreSQL.
    """
    pattern = _like_pattern(term.lower())
    lower = _fold(term)

    def like(column):
        return lower(column).like(pattern, escape="\\")

    by_alias = sa.select(PersonAlias.person_id).where(sa.or_(like(PersonAlias.surname), like(PersonAlias.forenames)))
    return sa.or_(
        like(Person.surname), like(Person.forenames), like(Person.ref), like(Person.pnc_id), Person.id.in_(by_alias)
    )


@dataclass
class SearchCriteria:
    text: str = ""
    district: str | None = None
    serial: bool = False
    active_order: bool = False
    active_levers: bool = False

    @property
    def terms(self) -> list[str]:
        return self.text.split()[:MAX_SEARCH_TERMS]

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "district": self.district,
            "serial": self.serial,
            "active_order": self.active_order,
            "active_levers": self.active_levers,
        }


class PersonPage(SelectPagination):
    """Flask-SQLAlchemy's pagination, made cheap on 45,000 persons.

    The page's ids are sorted first, as narrow rows; then those persons are loaded with their
    aliases and categories, one query each (a deferred join). With filters, the total is
    counted in the same pass (count(*) OVER ()), so the filters run once; without, counting all
    persons is cheap and a plain LIMIT lets the database keep only the top rows while sorting.
    """

    def _query_items(self) -> list[Person]:
        session = self._query_args["session"]
        select = self._query_args["id_select"]
        filtered = self._query_args["filtered"]
        if filtered:
            select = select.add_columns(sa.func.count().over().label("total"))
        rows = session.execute(select.limit(self.per_page).offset(self._query_offset)).all()
        self._total = None
        if filtered and rows:
            self._total = rows[0].total
        elif filtered and self.page == 1:
            self._total = 0
        if not rows:
            return []
        ids = [row[0] for row in rows]
        loaded = {
            p.id: p
            for p in session.scalars(
                sa.select(Person)
                .where(Person.id.in_(ids))
                .options(selectinload(Person.aliases), selectinload(Person.categories))
            )
        }
        return [loaded[i] for i in ids]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        return self._query_args["session"].scalar(self._query_args["count_select"])
