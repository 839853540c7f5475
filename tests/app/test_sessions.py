"""Sessions can be revoked: a copied remember cookie stops working after each revoking event."""

from datetime import timedelta

import pytest

from lms import create_app
from lms.accounts import service
from lms.accounts.models import Role, User
from lms.extensions import db
from tests.conftest import PASSWORD, base_config

NEW_PASSWORD = "a-brand-new-passphrase"


def _remembered(app, user) -> str:
    """Sign in with remember-me on a fresh client and return the remember cookie's value."""
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    return browser.get_cookie("remember_token").value


def _signed_in_with(app, cookie: str) -> bool:
    """True when a client holding only this remember cookie reaches a signed-in page."""
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie)
    return thief.get("/home").status_code == 200


def _reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _own_password_change(app, client, user, admin):
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302


def _admin_reset(app, client, user, admin):
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    client.post(f"/admin/users/{user.id}/password", data={"reset-password": NEW_PASSWORD})


def _role_change(app, client, user, admin):
    service.set_role(_reload(user), Role.TRAINER, actor=admin)
    db.session.commit()


def _deactivation(app, client, user, admin):
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    client.post(f"/admin/users/{user.id}/active")
    assert not _reload(user).active


def _sign_out_everywhere(app, client, user, admin):
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.post("/account/sessions").status_code == 302


@pytest.mark.parametrize(
    "event",
    [_own_password_change, _admin_reset, _role_change, _deactivation, _sign_out_everywhere],
    ids=["own password change", "admin reset", "role change", "deactivation", "sign out all"],
)
def test_a_copied_remember_cookie_stops_working(app, client, make_user, event):
    admin = make_user(email="admin@example.com", role=Role.ADMIN)
    user = make_user(email="ana@example.com")
    cookie = _remembered(app, user)
    assert _signed_in_with(app, cookie)
    event(app, client, user, admin)
    assert not _signed_in_with(app, cookie)


def test_a_copied_session_cookie_stops_working_after_sign_out_everywhere(app, make_user):
    user = make_user()
    stolen = app.test_client()
    stolen.post("/login", data={"email": user.email, "password": PASSWORD})
    mine = app.test_client()
    mine.post("/login", data={"email": user.email, "password": PASSWORD})
    assert stolen.get("/home").status_code == 200
    mine.post("/account/sessions")
    assert stolen.get("/home").status_code == 302
    assert mine.get("/home").status_code == 200, "the current session stays signed in"


@pytest.mark.parametrize("remember", [True, False])
def test_own_password_change_keeps_this_browser_signed_in(app, make_user, remember):
    user = make_user()
    browser = app.test_client()
    data = {"email": user.email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    browser.post("/login", data=data)
    browser.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert browser.get("/home").status_code == 200
    if remember:
        fresh = browser.get_cookie("remember_token").value
        assert _signed_in_with(app, fresh), "the new remember cookie works"


def test_a_sign_out_of_all_others_button_is_on_the_account_page(client, make_user, login):
    login(make_user())
    page = client.get("/account/password").data
    assert b"Sign out of all other sessions" in page
    assert b'action="/account/sessions"' in page


def test_session_ids_from_before_versions_are_refused(app, make_user):
    user = make_user()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert browser.get("/home").status_code == 302
    for stale in ("", "x:1", f"{user.id}:", f"{user.id}:99", "9" * 40 + ":1"):
        assert service.user_for_session(stale) is None


def test_remember_me_lasts_30_days_unless_configured(monkeypatch, database_url):
    assert create_app(base_config(database_url)).config["REMEMBER_COOKIE_DURATION"] == timedelta(
        days=30
    )
    monkeypatch.setenv("REMEMBER_COOKIE_DAYS", "7")
    config = create_app(base_config(database_url)).config
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
