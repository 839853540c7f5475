"""The database's stamp (`lms.kept.data_stamp`): the same while nothing is committed, new
after a commit by this process or by another connection, none while the request's own
transaction has written. On SQLite and on PostgreSQL alike."""

from sqlalchemy import create_engine, update

from lms.accounts.models import User
from lms.extensions import db
from lms.kept import data_stamp, kept


def _commit_elsewhere(database_url: str, user_id: int, name: str) -> None:
    """Rename someone through a connection of another engine (as another process would)."""
    other = create_engine(database_url)
    try:
        with other.begin() as connection:
            connection.execute(update(User).where(User.id == user_id).values(name=name))
    finally:
        other.dispose()


def test_the_stamp_holds_until_something_is_committed(app, make_user, database_url):
    person = make_user()
    first = data_stamp()
    assert first is not None and data_stamp() == first
    make_user()  # committed by this process
    second = data_stamp()
    assert second != first and data_stamp() == second
    _commit_elsewhere(database_url, person.id, "Renamed elsewhere")
    third = data_stamp()
    assert third not in (first, second) and data_stamp() == third


def test_no_stamp_while_the_request_has_written(app, make_user):
    person = make_user()
    person.name = "Not yet committed"
    db.session.flush()
    assert data_stamp() is None
    db.session.rollback()
    assert data_stamp() is not None


def test_kept_computes_again_once_something_is_committed(app, make_user, database_url):
    person_id = make_user(name="Before").id
    calls = []

    def names():
        calls.append(1)
        return db.session.get(User, person_id).name

    assert kept("name", names, content=None) == "Before"
    assert kept("name", names, content=None) == "Before" and len(calls) == 1
    assert kept("other key", names, content=None) == "Before" and len(calls) == 2
    _commit_elsewhere(database_url, person_id, "After")
    db.session.expire_all()
    assert kept("name", names, content=None) == "After" and len(calls) == 3
    assert kept("name", names, content=object()) == "After" and len(calls) == 4  # new content
