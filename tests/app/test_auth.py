"""Signing in and out, the one failure message, safe redirects, own password."""

import pytest

from lms.accounts import service
from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import PASSWORD

WRONG = b"Wrong email or password."


def test_sign_in_lands_on_home_and_records_login_time(client, make_user, login):
    user = make_user(email="ana@example.com", name="Ana")
    response = login("ANA@Example.com ")
    assert response.status_code == 302
    assert response.location == "/home"
    assert b"Welcome, Ana" in client.get("/home").data
    assert db.session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize(
    "email, password",
    [("ana@example.com", "not-the-password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_one_message_for_wrong_email_or_password(client, make_user, login, email, password):
    make_user(email="ana@example.com")
    response = login(email, password)
    assert response.status_code == 200
    assert WRONG in response.data
    assert client.get("/home").status_code == 302


def test_deactivated_user_cannot_sign_in(client, make_user, login):
    user = make_user()
    service.set_active(user, False)
    db.session.commit()
    assert WRONG in login(user).data


def test_pages_need_sign_in_and_come_back_after(client, make_user):
    make_user(email="ana@example.com")
    response = client.get("/home")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    response = client.post(
        "/login?next=/people/", data={"email": "ana@example.com", "password": PASSWORD}
    )
    assert response.location == "/people/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "http:/evil.example.com",
        "\t//evil.example.com",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    make_user(email="ana@example.com")
    response = client.post(
        "/login", query_string={"next": target},
        data={"email": "ana@example.com", "password": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.location == "/home"


def test_logout_is_a_post(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302


def test_remember_me_sets_a_lasting_cookie(client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize(
    "form, message",
    [
        ({"current_password": "wrong-password!", "new_password": "a" * 12, "confirm": "a" * 12},
         b"Current password is not right."),
        ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
         b"between 12 and 256"),
        ({"current_password": PASSWORD, "new_password": "a" * 12, "confirm": "b" * 12},
         b"The passwords differ."),
        ({"current_password": PASSWORD, "new_password": "a" * 300, "confirm": "a" * 300},
         b"256"),
        ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
         b"must differ"),
    ],
    ids=["wrong current", "too short", "mismatch", "too long", "same"],
)  # fmt: skip
def test_change_password_refuses_bad_input(client, make_user, login, form, message):
    user = make_user()
    before = user.password_hash
    login(user)
    response = client.post("/account/password", data=form)
    assert response.status_code == 200
    assert message in response.data
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_change_password_then_sign_in_with_it(client, make_user, login):
    user = make_user()
    login(user)
    new = "a-brand-new-passphrase"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    client.post("/logout")
    assert login(user, new).status_code == 302
