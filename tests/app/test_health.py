"""/healthz: 200 when the database answers, is migrated and takes writes; 503 naming the failure."""

import os
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from lms import create_app
from lms.extensions import db
from tests.conftest import base_config
from tests.pgserver import _free_port


@contextmanager
def app_on(url: str, migrate: bool = True, **config):
    """An app on its own database (not the shared test one), migrated unless asked not to."""
    app = create_app({**base_config(url), **config})
    with app.app_context():
        if migrate:
            upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def test_a_migrated_writable_database_is_healthy(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["failed"] is None
    assert body["checks"] == {"database": "ok", "schema": "ok", "write": "ok"}


def test_the_write_check_leaves_nothing_behind(app, client):
    before = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    client.get("/healthz")
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == before


def test_an_empty_database_is_not_migrated(tmp_path):
    (tmp_path / "empty.sqlite").touch()
    with app_on(f"sqlite:///{tmp_path}/empty.sqlite", migrate=False) as app:
        status, body = health(app)
    assert status == 503
    assert body["status"] == "failing" and body["failed"] == "not migrated"
    assert body["checks"] == {"database": "ok", "schema": "not migrated", "write": "not checked"}


def test_a_database_behind_the_latest_migration_is_not_migrated(tmp_path):
    with app_on(f"sqlite:///{tmp_path}/old.sqlite") as app:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
        status, body = health(app)
    assert (status, body["failed"]) == (503, "not migrated")


def test_a_deleted_sqlite_file_is_reported_gone(tmp_path):
    path = tmp_path / "gone.sqlite"
    with app_on(f"sqlite:///{path}") as app:
        assert health(app)[0] == 200
        path.unlink()
        status, body = health(app)
        assert (status, body["failed"]) == (503, "file gone")
        assert not path.exists(), "the check must not create an empty file in its place"


def test_a_read_only_sqlite_database_is_reported(tmp_path):
    path = tmp_path / "ro.sqlite"
    with app_on(f"sqlite:///{path}"):
        pass
    with app_on(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False) as app:
        status, body = health(app)
    assert (status, body["failed"]) == (503, "read-only")
    assert body["checks"] == {"database": "ok", "schema": "ok", "write": "read-only"}


@pytest.mark.skipif(os.environ.get("LMS_TEST_DB") != "postgresql", reason="PostgreSQL only")
def test_a_read_only_postgresql_database_is_reported(database_url):
    options = {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    with app_on(database_url, migrate=False, SQLALCHEMY_ENGINE_OPTIONS=options) as app:
        status, body = health(app)
    assert (status, body["failed"]) == (503, "read-only")


def test_an_unreachable_database_is_reported():
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/lms?connect_timeout=2"
    with app_on(url, migrate=False) as app:
        status, body = health(app)
    assert (status, body["failed"]) == (503, "unreachable")
    assert body["checks"]["database"] == "unreachable" and body["database"] is False
