"""Fixtures shared by the app and browser tests: a migrated database, users, sign-in.

The database is built once per run by the Alembic migrations (so they are tested),
on SQLite by default or on PostgreSQL when LMS_TEST_DB=postgresql. Each test gets
empty tables.
"""

import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from lms import create_app
from lms.accounts import service
from lms.accounts.models import Role
from lms.extensions import db, limiter
from tests.pgserver import throwaway_postgres
from tests.smtpserver import smtp_server

REPO_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
# Credential signing keys made during a run go here, never into the repository's instance/.
KEYS_DIR = tempfile.mkdtemp(prefix="lms-test-keys-")


def base_config(database_url: str) -> dict:
    """The test configuration: fast hashing, no CSRF or throttle unless a test asks."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LMS_CONTENT_DIR": str(REPO_ROOT),
        "LMS_CONTENT_RELOAD": False,
        "LMS_KEYS_DIR": KEYS_DIR,
        "LMS_MARKDOWN_CACHE": None,  # rendered in memory only: nothing written by the tests
    }


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record) -> None:
    """Tests only: SQLite skips fsync (a crash would lose a throw-away database, no more)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


@pytest.fixture(scope="session")
def database_url():
    """Create and migrate the test database once per run."""
    if os.environ.get("LMS_TEST_DB") == "postgresql":
        with throwaway_postgres() as url:
            yield _migrated(url)
        return
    with tempfile.TemporaryDirectory(prefix="lms-test-") as folder:
        yield _migrated(f"sqlite:///{folder}/test.sqlite")


def _migrated(url: str) -> str:
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app_config():
    """Extra configuration a test module may override."""
    return {}


def _forget_loaded_user() -> None:
    g.pop("_login_user", None)


@pytest.fixture
def app(database_url, app_config):
    """An app on the migrated database; tables are emptied after each test."""
    app = create_app({**base_config(database_url), **app_config})
    # A server gives each request a fresh `g`; requests here share the test's app context,
    # so forget the user the previous request loaded, or a revoked session would linger.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_loaded_user)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Return a function that creates a user (password PASSWORD) and commits."""
    counter = iter(range(1, 100000))

    def make(email=None, role=Role.LEARNER, **fields):
        n = next(counter)
        user = service.create_user(
            email=email or f"user{n}@example.com",
            name=fields.pop("name", f"User {n}"),
            password=fields.pop("password", PASSWORD),
            role=role,
            **fields,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Return a function that signs a user in through the login form."""

    def do_login(user_or_email, password=PASSWORD, follow=False):
        email = getattr(user_or_email, "email", user_or_email)
        return client.post(
            "/login", data={"email": email, "password": password}, follow_redirects=follow
        )

    return do_login


@pytest.fixture
def count_queries(app):
    """Return a context manager that counts the SQL statements run inside it."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []
        # Requests share the test's app context: start from an empty identity map so
        # what the page loads is counted, not found in memory (and forget the signed-in
        # user Flask-Login keeps in `g`, which the fresh session no longer holds).
        db.session.remove()
        g.pop("_login_user", None)

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def smtp():
    """A real SMTP server on a free local port; its inbox holds the parsed messages."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def mail_config(smtp):
    """Configuration that sends mail to the test SMTP server, with links on lms.example."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_USE_TLS": False,
        "MAIL_FROM": "DWCP Training <training@lms.example>",
        "LMS_BASE_URL": "https://lms.example",
    }
