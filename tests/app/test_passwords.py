"""The password policy on every form that sets a password, and in the CLI."""

from lms.accounts.models import Role
from tests.conftest import PASSWORD

NEW = {"email": "ana.garcia@example.com", "name": "Ana Garcia", "role": "learner"}


def test_admin_create_refuses_a_password_with_the_name(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    response = client.post("/admin/users/new", data={**NEW, "password": "garcia-family-2026"})
    assert response.status_code == 200
    assert "must not contain the account&#39;s name or email address" in response.text


def test_admin_create_refuses_a_common_password(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    response = client.post("/admin/users/new", data={**NEW, "password": "password1234"})
    assert "Password is too easy to guess. This is a very common password." in response.text


def test_admin_reset_refuses_a_weak_password_with_a_message(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    user = make_user(email="ana.garcia@example.com")
    response = client.post(
        f"/admin/users/{user.id}/password", data={"reset-password": "qwertyuiop12"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Password is too easy to guess." in response.text


def test_own_change_refuses_the_email_local_part(client, make_user, login):
    login(make_user(email="ana.garcia@example.com"))
    new = "my-ana.garcia-secret"
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": new,
                                   "confirm": new},
    )  # fmt: skip
    assert response.status_code == 200
    assert "must not contain the account&#39;s name or email address" in response.text


def test_the_forms_say_what_a_good_password_is(client, make_user, login):
    login(make_user(role=Role.ADMIN))
    assert "not a common password" in client.get("/admin/users/new").text
    assert "not a common password" in client.get("/account/password").text


def test_cli_create_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["users", "create", "x@example.com", "--name", "X", "--password", "iloveyou2026"]
    )
    assert result.exit_code == 1 and "too easy to guess" in result.output


def test_the_demo_password_is_accepted(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
