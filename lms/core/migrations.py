"""Migrations without Alembic in the workers.

Flask-Migrate's `Migrate.init_app` imports Alembic (about 0.1 s of CPU and 10 MB of every
worker) to register the `flask db` commands and to leave its settings in
`app.extensions["migrate"]`. A worker needs neither, and its health check needs only the
latest revision, so here `flask db ...` and `flask_migrate.upgrade()` work as before but
import Flask-Migrate and Alembic when they run, and the latest revision is read from the
migration files themselves.
"""

import ast
from functools import cache, cached_property
from pathlib import Path

from flask import Flask

from lms.cli import LazyGroup

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
# What Alembic's context is configured with (migrations/env.py reads it back).
CONTEXT_ARGUMENTS = {"compare_type": True, "render_as_batch": True}


class MigrateSettings:
    """What Flask-Migrate reads from `app.extensions["migrate"]`, as its own `_MigrateConfig`
    holds it: the database, the migrations folder and the context arguments. Its `Migrate`,
    which builds Alembic's configuration, is made when a migration first asks for it."""

    def __init__(self, db, directory: Path, **configure_args):
        self.db = db
        self.directory = str(directory)
        self.configure_args = configure_args

    @property
    def metadata(self):
        """The tables (older Flask-Migrate environments read this)."""
        return self.db.metadata

    @cached_property
    def migrate(self):
        """Flask-Migrate's `Migrate` for this app, unbound (its settings are already here)."""
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


def init_app(app: Flask, db) -> None:
    """Leave the migration settings where Flask-Migrate looks, and add `flask db`."""
    app.extensions["migrate"] = MigrateSettings(db, MIGRATIONS, **CONTEXT_ARGUMENTS)
    app.cli.add_command(LazyGroup("db", "flask_migrate.cli:db", "Perform database migrations."))


@cache
def migration_heads() -> frozenset[str]:
    """The latest revision(s) of the migrations shipped with this code."""
    return heads_in(MIGRATIONS / "versions")


def heads_in(versions: Path) -> frozenset[str]:
    """The revisions of a versions folder that no other revision names as its
    `down_revision`, read from each file's literal assignments (what Alembic reads too)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        if path.name.startswith(("__", ".#")):
            continue
        names = _literal_assignments(path)
        revisions.add(names["revision"])
        down = names.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif down:
            parents.update(down)
    return frozenset(revisions - parents)


def _literal_assignments(path: Path) -> dict[str, object]:
    """The module-level `name = literal` (or `name: type = literal`) assignments of a file."""
    names = {}
    for node in ast.parse(path.read_bytes(), filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            names[target.id] = ast.literal_eval(value)
    return names
