"""Security baseline seen from outside: headers, cookies, CSRF, throttle, error pages."""

import pytest

from lms import create_app
from lms.config import ConfigError
from lms.extensions import db
from tests.conftest import PASSWORD, base_config


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_in_pages(client, make_user, login):
    login(make_user())
    html = client.get("/home").get_data(as_text=True)
    assert "<script>" not in html
    assert " onclick=" not in html


def test_session_cookie_is_httponly_and_lax(client, make_user, login):
    login(make_user())
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookies_are_secure(database_url, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key", [None, "dev-only-insecure-key", "short"])
def test_production_refuses_default_or_missing_secret_key(monkeypatch, key):
    monkeypatch.setenv("LMS_ENV", "production")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


POST_URLS = [
    "/login",
    "/logout",
    "/account/password",
    "/admin/users/new",
    "/admin/users/1/edit",
    "/admin/users/1/password",
    "/admin/users/1/active",
    "/admin/roster",
    "/admin/roster/import",
    "/labs/lab-deploy-to-production/start",
    "/labs/lab-deploy-to-production/hint",
    "/submissions/1",
    "/my/evidence",
    "/evidence/1/edit",
    "/evidence/1/decide",
    "/reviews/1",
]


@pytest.fixture
def csrf_client(database_url):
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app.test_client()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("url", POST_URLS)
def test_every_form_refuses_a_post_without_csrf_token(csrf_client, app, make_user, url):
    admin = make_user(email="admin@example.com", role="admin")
    with csrf_client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    response = csrf_client.post(url, data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert b"form expired" in response.data


def test_login_page_carries_a_csrf_token(csrf_client):
    assert b'name="csrf_token"' in csrf_client.get("/login").data


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_throttled_per_account(client, make_user, app_config):
    user = make_user()
    for _ in range(5):
        assert (
            client.post("/login", data={"email": user.email, "password": "wrong"}).status_code
            == 200
        )
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert int(response.headers["Retry-After"]) > 0
    # another account from the same address is not locked out by that account's limit
    other = make_user()
    assert (
        client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302
    )


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ADDRESS": "3 per minute"}]
)
def test_login_throttled_per_address(client, app_config):
    for n in range(3):
        client.post("/login", data={"email": f"x{n}@example.com", "password": "wrong"})
    response = client.post("/login", data={"email": "y@example.com", "password": "wrong"})
    assert response.status_code == 429


def test_not_found_page_has_no_stack_trace(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"Traceback" not in response.data


def test_server_error_page_has_no_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data


def test_healthz_reports_database_and_content(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert set(body["content"]) >= {"documents", "modules", "labs", "quizzes"}
