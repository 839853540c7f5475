"""Races end in a message, not a 500: two requests doing the same thing at the same moment.

Each test holds both requests at a barrier just after their duplicate check, so both pass
it and both insert; the database's unique constraint decides, and the loser must get the
message a sequential duplicate gets. Run on PostgreSQL (LMS_TEST_DB=postgresql): SQLite
lets one writer in at a time, so the race cannot happen there.
"""

import os
import threading

import pytest
from sqlalchemy import func, select

from lms.accounts import service as accounts
from lms.accounts.models import Role, User
from lms.errors import ServiceError
from lms.extensions import db
from lms.onboarding import service as onboarding
from lms.onboarding.models import TrackAssignment
from tests.app.test_roster import HEADER

needs_postgresql = pytest.mark.skipif(
    os.environ.get("LMS_TEST_DB") != "postgresql", reason="a real race needs PostgreSQL"
)


def hold_both_at(monkeypatch, module, name: str, only_when=lambda result: True) -> None:
    """Make module.name wait (once per thread) until two threads have called it."""
    barrier = threading.Barrier(2, timeout=15)
    held = threading.local()
    original = getattr(module, name)

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        if only_when(result) and not getattr(held, "done", False):
            held.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(module, name, waiting)


def at_once(*requests) -> list:
    """Run the requests in threads at the same time; return their responses in order."""
    responses: list = [None] * len(requests)
    errors: list = []

    def run(index, request):
        try:
            responses[index] = request()
        except Exception as exc:  # noqa: BLE001 - reported below, with the traceback
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return responses


def signed_in(app, user):
    browser = app.test_client()
    assert browser.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    return browser


def count(statement) -> int:
    db.session.expire_all()
    return db.session.scalar(statement)


@needs_postgresql
def test_two_admins_creating_the_same_email_at_once(app, make_user, monkeypatch):
    first = signed_in(app, make_user(email="a1@example.com", role=Role.ADMIN))
    second = signed_in(app, make_user(email="a2@example.com", role=Role.ADMIN))
    hold_both_at(monkeypatch, accounts, "hash_password")
    form = {"email": "new@example.com", "name": "New", "role": "learner",
            "password": "a-long-enough-password"}  # fmt: skip
    responses = at_once(
        lambda: first.post("/admin/users/new", data=form),
        lambda: second.post("/admin/users/new", data=form),
    )
    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    assert "A user with the email new@example.com already exists." in loser.get_data(as_text=True)
    assert count(select(func.count()).where(User.email == "new@example.com")) == 1


@needs_postgresql
def test_two_identical_roster_imports_at_once(app, make_user, monkeypatch):
    first = signed_in(app, make_user(email="a1@example.com", role=Role.ADMIN))
    second = signed_in(app, make_user(email="a2@example.com", role=Role.ADMIN))
    hold_both_at(monkeypatch, accounts, "hash_password")
    roster = {"content": HEADER + "kim@example.com,Kim Kay,learner,SRE,,,2026-11-30\n"}
    responses = at_once(
        lambda: first.post("/admin/roster/import", data=roster, follow_redirects=True),
        lambda: second.post("/admin/roster/import", data=roster, follow_redirects=True),
    )
    assert [r.status_code for r in responses] == [200, 200]
    pages = [r.get_data(as_text=True) for r in responses]
    assert sum("Roster imported: 1 created" in page for page in pages) == 1
    assert sum("A user with the email kim@example.com already exists." in p for p in pages) == 1
    assert count(select(func.count()).where(User.email == "kim@example.com")) == 1


@needs_postgresql
def test_two_identical_track_assignments_at_once(app, make_user, monkeypatch):
    first = signed_in(app, make_user(email="t1@example.com", role=Role.TRAINER))
    second = signed_in(app, make_user(email="t2@example.com", role=Role.TRAINER))
    make_user(email="hire@example.com")
    hold_both_at(monkeypatch, onboarding, "_assignment", only_when=lambda found: found is None)
    form = {"email": "hire@example.com", "track": "new-hire", "start_date": "2026-11-23"}
    responses = at_once(
        lambda: first.post("/onboarding/assign", data=form),
        lambda: second.post("/onboarding/assign", data=form),
    )
    # The loser finds the winner's assignment and, like a sequential duplicate, is done.
    assert [r.status_code for r in responses] == [302, 302]
    assert count(select(func.count()).select_from(TrackAssignment)) == 1


def test_a_duplicate_found_only_by_the_database_gets_the_same_message(app, make_user, monkeypatch):
    """On both databases: the unique violation on flush becomes the duplicate's ServiceError."""
    make_user(email="taken@example.com")
    real, calls = accounts.get_by_email, []
    # The check before the insert misses the row, as when it was inserted meanwhile.
    monkeypatch.setattr(accounts, "get_by_email", lambda e: real(e) if calls else calls.append(e))
    with pytest.raises(ServiceError, match="already exists") as caught:
        accounts.create_user(email="TAKEN@example.com", name="Twin", password=None)
    assert caught.value.field == "email"
    monkeypatch.undo()
    db.session.rollback()
    assert count(select(func.count()).select_from(User)) == 1


def test_a_track_assigned_meanwhile_is_taken_as_assigned(app, make_user, monkeypatch):
    from datetime import date

    from lms import catalog

    hire = make_user(email="hire@example.com")
    onboarding.assign_track(hire, "new-hire", date(2026, 11, 23), catalog.current_catalog())
    db.session.commit()
    real, calls = onboarding._assignment, []
    missing_once = lambda *a: real(*a) if calls else calls.append(a)  # noqa: E731
    monkeypatch.setattr(onboarding, "_assignment", missing_once)
    onboarding.assign_track(hire, "new-hire", date(2026, 11, 23), catalog.current_catalog())
    db.session.commit()
    assert count(select(func.count()).select_from(TrackAssignment)) == 1
