"""Throttles see the real client behind a proxy (PROXY_FIX_X_FOR) and guard the password page."""

import pytest

from tests.conftest import PASSWORD

THROTTLED = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ADDRESS": "3 per minute"}


def failed_sign_in(client, n: int, address: str):
    return client.post(
        "/login",
        data={"email": f"x{n}@example.com", "password": "wrong"},
        headers={"X-Forwarded-For": address},
    )


@pytest.mark.parametrize("app_config", [{**THROTTLED, "PROXY_FIX_X_FOR": 1}])
def test_behind_a_proxy_each_client_has_its_own_sign_in_limit(client, app_config):
    for n in range(3):
        assert failed_sign_in(client, n, "203.0.113.7").status_code == 200
    assert failed_sign_in(client, 9, "203.0.113.7").status_code == 429
    assert failed_sign_in(client, 9, "198.51.100.2").status_code == 200, "not everyone locked out"


@pytest.mark.parametrize("app_config", [{**THROTTLED, "PROXY_FIX_X_FOR": 1}])
def test_only_the_trusted_hop_counts(client, app_config):
    """A client cannot dodge the limit by prepending addresses of its own."""
    for n in range(3):
        failed_sign_in(client, n, f"10.0.0.{n}, 203.0.113.7")
    assert failed_sign_in(client, 9, "10.9.9.9, 203.0.113.7").status_code == 429


@pytest.mark.parametrize("app_config", [THROTTLED])
def test_without_the_setting_forwarded_addresses_are_ignored(client, app_config):
    for n in range(3):
        failed_sign_in(client, n, f"203.0.113.{n}")
    assert failed_sign_in(client, 9, "198.51.100.2").status_code == 429


def test_proxy_fix_is_off_by_default(app):
    assert app.config["PROXY_FIX_X_FOR"] == 0
    assert type(app.wsgi_app).__name__ != "ProxyFix"


def change(client, current: str, new: str = "a-brand-new-passphrase"):
    return client.post(
        "/account/password", data={"current_password": current, "new_password": new, "confirm": new}
    )


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_the_current_password_check_is_throttled_like_sign_in(client, make_user, login, app_config):
    login(make_user())
    for _ in range(3):
        assert change(client, PASSWORD, new="short").status_code == 200, "not counted"
    for _ in range(5):
        assert change(client, "not-my-password").status_code == 200
    response = change(client, PASSWORD)
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
