"""What /healthz checks: the database answers, is at the latest migration, and takes writes.

Cheap by design: one connection, one single-row SELECT and one single-row UPDATE that is
rolled back; no table is scanned.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms.core.migrations import migration_heads
from lms.extensions import db

# The checks in the order they run; a failure skips the ones after it.
CHECKS = ("database", "schema", "write")


@dataclass
class Health:
    """Each check's outcome ("ok", the failure, or "not checked") and the first failure."""

    checks: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHECKS, "not checked"))
    failed: str | None = None

    def fail(self, check: str, outcome: str) -> "Health":
        """Record a failed check and return self."""
        self.checks[check] = outcome
        self.failed = outcome
        return self


def _sqlite_file(url) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):  # a URI filename: mode=ro and friends
        return Path(url.database.removeprefix("file:").split("?", 1)[0])
    return Path(url.database)


def check() -> Health:
    """Run the checks against the app's database."""
    health = Health()
    engine = db.engine
    sqlite_file = _sqlite_file(engine.url)
    # SQLite would quietly create an empty file in its place, and a pooled connection can
    # still read a deleted one: look for the file itself.
    if sqlite_file is not None and not sqlite_file.exists():
        return health.fail("database", "file gone")
    try:
        connection = engine.connect()
    except DBAPIError:
        return health.fail("database", "unreachable")
    with connection:
        try:
            versions = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
        except DBAPIError as exc:
            if exc.connection_invalidated:
                return health.fail("database", "unreachable")
            health.checks["database"] = "ok"
            return health.fail("schema", "not migrated")
        health.checks["database"] = "ok"
        if versions != migration_heads():
            return health.fail("schema", "not migrated")
        health.checks["schema"] = "ok"
        try:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except DBAPIError as exc:
            if exc.connection_invalidated:
                return health.fail("write", "unreachable")
            return health.fail("write", "read-only")
        finally:
            connection.rollback()
        health.checks["write"] = "ok"
    return health
