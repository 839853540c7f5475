"""Flask extensions, created unbound here and bound to the app in create_app."""

import enum
import sqlite3
from datetime import UTC, datetime

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, bindparam, delete, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints follow one naming convention.

    Unique and foreign-key constraints are named from all their columns, so two unique
    constraints that start with the same column never collide (PostgreSQL needs distinct
    names within a schema).
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked per connection; ask, as PostgreSQL always does."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
bootstrap = Bootstrap5()


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always handed back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert an aware datetime to UTC before storing; refuse naive ones."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Attach UTC to what the database returns (SQLite drops the zone)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status_type(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A column type for a status StrEnum: stored as its value, with a CHECK constraint."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        name=name,
        validate_strings=True,
    )


def set_row(model, present: bool, key: dict, **values) -> None:
    """Make the row with this unique key exist (present) or not, whatever was there before."""
    if present:
        insert_ignoring_duplicates(model, **key, **values)
    else:
        db.session.execute(
            delete(model).where(*(getattr(model, name) == value for name, value in key.items()))
        )


def upsert(model):
    """An INSERT that supports ON CONFLICT on the session's database (PostgreSQL or SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def insert_ignoring_duplicates(model, **values) -> None:
    """INSERT a row unless one with the same unique key exists (no race, both databases)."""
    db.session.execute(upsert(model).values(**values).on_conflict_do_nothing())


def read_rows(statement, params: dict | None = None):
    """The rows of a statement selecting columns (not entities), run on the session's
    connection, inside its transaction, after flushing what is pending as the session would.

    For statements pages run on every visit: the session's ORM layer costs more than running a
    small statement does (about 40 µs of the 70 a one-row query takes through it).
    """
    db.session.flush()
    return db.session.connection().execute(statement, params)


class PeopleStatement:
    """A statement about some people, built twice: for many (`IN` a list) and for one (`=`).

    Pages mostly ask about the signed-in person alone, and SQLAlchemy renders an expanding `IN`
    list into the SQL on every run (a third of a small query's cost). `build` takes a function
    making the condition on a user id column; `rows(ids)` runs the statement that fits.
    """

    def __init__(self, build) -> None:
        self.many = build(lambda column: column.in_(bindparam("ids", expanding=True)))
        self.one = build(lambda column: column == bindparam("id"))

    def rows(self, ids, **params):
        """The statement's rows for these people (`read_rows`)."""
        ids = list(ids)
        if len(ids) == 1:
            return read_rows(self.one, {"id": ids[0], **params})
        return read_rows(self.many, {"ids": ids, **params})
