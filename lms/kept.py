"""Results kept while the database is unchanged.

A trainer's report reads every plan or certificate of the people it covers to sort and
count them, and the same report is opened again and again between two changes to the rows
it reads. `kept(key, compute)` runs `compute()` once and hands its result back for as long
as the database holds the same committed data, found with one small statement
(`data_stamp`) instead of the report's own.

`data_stamp()` names what the database holds as this request sees it: two equal stamps
mean the same committed rows. None when it cannot tell, and then nothing is kept.

- PostgreSQL: the current snapshot (`pg_current_snapshot()`: the oldest transaction still
  running, the next transaction id, the ones running between). Two equal snapshots see the
  same transactions committed, hence the same rows; any transaction that writes anything,
  starting or ending, changes it.
- SQLite: `PRAGMA data_version` of the connection the request reads on, which changes when
  another connection commits, with a number naming that connection (each one counts from
  its own start) and the number of commits this process has made (a connection's own
  commits do not change its data_version).

Neither while the request's own transaction has written: what it reads then is not yet
committed, and might never be. The stamp is read before the rows, so what is kept is at
least as new as its stamp, never older.
"""

import itertools
import threading
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from lms.extensions import db

# Results kept per process, by key; each replaced when its stamp no longer matches. Far more
# than the reports, filters and pages the training team has open between two changes.
LIMIT = 64

_NUMBERS = itertools.count(1)
_commits = 0  # commits this process made: read with a SQLite stamp
_kept: dict[Hashable, tuple[Hashable, Any]] = {}
_kept_for: tuple = ()  # the app and the content the kept results were computed with
_keeping = threading.Lock()

_PG_STAMP = text("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()")


def data_stamp() -> Hashable | None:
    """What the database holds as this request sees it (see the module's text), or None."""
    connection = db.session.connection()
    name = connection.dialect.name
    if name == "postgresql":
        snapshot, own_writes = connection.execute(_PG_STAMP).one()
        return None if own_writes is not None else snapshot
    if name != "sqlite":
        return None
    pooled = connection.connection
    if pooled.dbapi_connection.in_transaction:  # Python's driver begins on the first write
        return None
    commits = _commits
    number = pooled.info.get("stamp_number")
    if number is None:
        number = pooled.info["stamp_number"] = next(_NUMBERS)
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    return (number, version, commits)


def kept(key: Hashable, compute: Callable[[], Any], *, content: Any) -> Any:
    """`compute()`, or what it returned for the same key while the database held the same
    data. `key` names everything else the result depends on (the viewer's scope, filters,
    page, day); `content` is the catalog it was computed with (what is kept is dropped when
    the content or the app changes)."""
    global _kept_for
    app = current_app._get_current_object()
    if len(_kept_for) != 2 or _kept_for[0] is not app or _kept_for[1] is not content:
        _kept.clear()
        _kept_for = (app, content)
    stamp = data_stamp()
    if stamp is None:
        return compute()
    found = _kept.get(key)
    if found is not None and found[0] == stamp:
        return found[1]
    result = compute()
    with _keeping:  # the development server answers requests in threads
        if key not in _kept and len(_kept) >= LIMIT:
            del _kept[next(iter(_kept))]  # the oldest key
        _kept[key] = (stamp, result)
    return result


def _counted() -> None:
    global _commits
    _commits = next(_NUMBERS)


@event.listens_for(Engine, "commit")
def _committing(connection) -> None:
    """A commit is about to be made: stamps read from now on are new ones; once it is made
    (the connection back in its pool), new again, for a request that read in between."""
    _counted()
    connection.connection.info["stamp_committed"] = True


@event.listens_for(Pool, "checkin")
def _returned(dbapi_connection, record) -> None:
    if record is not None and record.info.pop("stamp_committed", False):
        _counted()
