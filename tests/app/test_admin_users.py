"""User administration: bad input changes nothing; privileged actions are audited."""

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.audit import AuditEvent
from lms.extensions import db


@pytest.fixture
def admin(make_user, login):
    user = make_user(email="admin@example.com", role=Role.ADMIN, name="Admin")
    login(user)
    return user


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


GOOD = {
    "email": "new@example.com",
    "name": "New Person",
    "role": "learner",
    "team": "SRE",
    "manager_email": "",
    "mentor_email": "",
    "start_date": "2026-12-01",
    "password": "a-long-enough-password",
}


def test_admin_creates_a_user(client, admin):
    response = client.post("/admin/users/new", data=GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.name == "New Person" and user.team == "SRE"
    assert str(user.start_date) == "2026-12-01"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.create" in actions


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": ""}, b"This field is required"),
        ({"name": ""}, b"This field is required"),
        ({"name": "x" * 121}, b"Field cannot be longer than 120 characters"),
        ({"email": "not-an-email"}, b"Invalid email address"),
        ({"start_date": "next tuesday"}, b"Not a valid date value"),
        ({"role": "superuser"}, b"Not a valid choice"),
        ({"password": "short"}, b"Field must be between 12 and 256 characters long"),
        ({"email": "ADMIN@example.com"}, b"already exists"),
        ({"manager_email": "ghost@example.com"}, b"No user with the manager email"),
    ],
    ids=["empty email", "empty name", "long name", "bad email", "bad date", "bad role",
         "short password", "duplicate email", "unknown manager"],
)  # fmt: skip
def test_bad_new_user_shows_error_and_writes_nothing(client, admin, changes, message):
    before = user_count()
    response = client.post("/admin/users/new", data={**GOOD, **changes})
    assert response.status_code == 200
    assert message in response.data
    assert user_count() == before


def test_edit_changes_role_and_audits_it(client, admin, make_user):
    user = make_user(email="eve@example.com")
    data = {**GOOD, "email": "eve@example.com", "name": "Eve", "role": "mentor"}
    response = client.post(f"/admin/users/{user.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).role == Role.MENTOR
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.set_role"))
    assert event.actor_id == admin.id and event.target_id == user.id
    assert "learner -> mentor" in event.detail


def test_edit_refuses_duplicate_email_and_self_mentor(client, admin, make_user):
    user = make_user(email="eve@example.com")
    response = client.post(
        f"/admin/users/{user.id}/edit", data={**GOOD, "email": "admin@example.com"}
    )
    assert b"already exists" in response.data
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={**GOOD, "email": "eve@example.com", "mentor_email": "eve@example.com"},
    )
    assert b"cannot be their own mentor" in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).mentor_id is None


def test_deactivate_and_reactivate_are_audited(client, admin, make_user):
    user = make_user()
    client.post(f"/admin/users/{user.id}/active")
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    client.post(f"/admin/users/{user.id}/active")
    db.session.expire_all()
    assert db.session.get(User, user.id).active is True
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.deactivate", "user.activate"]


def test_admin_cannot_deactivate_themself(client, admin):
    client.post(f"/admin/users/{admin.id}/active")
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_password_reset_is_audited_and_works(client, admin, make_user, login):
    user = make_user()
    client.post(f"/admin/users/{user.id}/password", data={"reset-password": "reset-by-the-admin"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert event.target_id == user.id
    client.post("/logout")
    assert login(user, "reset-by-the-admin").status_code == 302


def test_short_password_reset_is_refused(client, admin, make_user):
    user = make_user()
    before = user.password_hash
    response = client.post(
        f"/admin/users/{user.id}/password", data={"reset-password": "short"}, follow_redirects=True
    )
    assert b"Password not changed" in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_user_list_searches_by_name_email_and_team(client, admin, make_user):
    make_user(email="zed@example.com", name="Zed Zulu", team="Payments")
    make_user(email="amy@example.com", name="Amy Alpha", team="SRE")
    html = client.get("/admin/users?q=payments").get_data(as_text=True)
    assert "zed@example.com" in html and "amy@example.com" not in html
    html = client.get("/admin/users?q=AMY").get_data(as_text=True)
    assert "amy@example.com" in html and "zed@example.com" not in html


def test_user_list_runs_a_fixed_number_of_queries(client, admin, make_user, count_queries):
    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/admin/users").status_code == 200
        return len(statements)

    few = queries()
    for n in range(3):
        make_user(email=f"first{n}@example.com")
    assert queries() == few
    for n in range(30):
        make_user(email=f"bulk{n}@example.com", mentor_email="admin@example.com")
    assert queries() == few


def test_audit_log_lists_events(client, admin, make_user):
    user = make_user(email="eve@example.com")
    client.post(f"/admin/users/{user.id}/active")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "user.deactivate" in html and "eve@example.com" in html


def test_a_user_with_training_records_cannot_be_deleted(runner, make_user):
    """Attempts are a training record: deleting their learner is refused; deactivate instead."""
    from lms.assessment.models import QuizAttempt

    kept, gone = make_user(email="kept@example.com"), make_user(email="gone@example.com")
    db.session.add(
        QuizAttempt(
            user_id=kept.id, quiz_id="q", number=1, seed=1, content_hash="h", questions=[],
            option_orders={}, quiz_title="Q", review="never", pass_score=80,
            multiple_scoring="all_or_nothing",
        )
    )  # fmt: skip
    db.session.commit()
    result = runner.invoke(args=["users", "delete", "kept@example.com"])
    assert result.exit_code == 1
    assert "has training records" in result.output and "deactivate" in result.output
    assert db.session.scalar(select(QuizAttempt.user_id)) == kept.id
    result = runner.invoke(args=["users", "delete", "gone@example.com"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(type(gone), gone.id) is None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.delete" in actions
