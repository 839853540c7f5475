"""Security baseline seen from outside: headers, cookies, CSRF, throttle, error pages."""

import re
import secrets
from datetime import date, timedelta

import pytest
from flask import Blueprint, g, request, url_for

from lms import create_app
from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.config import ConfigError
from lms.extensions import csrf, db
from tests.conftest import PASSWORD, base_config


def test_session_cookie_is_httponly_and_lax(client, make_user, login):
    login(make_user())
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookies_are_secure(database_url, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
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


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads")}


@pytest.fixture
def csrf_app(database_url):
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


# --- every route, from the URL map ---------------------------------------------------------------
# These walk `app.url_map`, so a route added later is covered without anyone listing it.

SKIP_ENDPOINTS = {"static", "bootstrap.static"}
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def sample_values(learner_id: int, records: dict[str, int]) -> dict[str, object]:
    """A value for every URL argument the app's routes take: shipped content, test data."""
    catalog = current_catalog()
    module = next(iter(catalog.modules.values()))
    return {
        "quiz_id": next(iter(catalog.quizzes)),
        "module_id": module.id,
        "slug": module.sections[0].slug,
        "doc_id": next(iter(catalog.documents)),
        "lab_id": next(iter(catalog.labs)),
        "track_id": catalog.curriculum.tracks[0].id,
        "cert_id": catalog.curriculum.certifications[0].id,
        "by": "manager",
        "user_id": learner_id,
        # POST-only routes: the CSRF check answers before any lookup, so no row is needed.
        "approval_id": 1,
        "certificate_id": 1,
        "token_id": 1,
    } | records


def route_urls(app, method: str, values: dict[str, object]) -> list[tuple[str, str]]:
    """(endpoint, URL) of every route answering `method`, its arguments from `values`.

    A route taking an argument with no sample value fails here, so a new kind of URL
    argument cannot go untested: add a sample value for it.
    """
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or method not in (rule.methods or ()):
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.rule}: add a sample value for {sorted(missing)}"
        with app.test_request_context():
            urls.append(
                (rule.endpoint, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
            )
    return urls


@pytest.fixture(params=["graded", "open"])
def people(request, app, make_user):
    """A user of each role, and a quiz attempt of the learner's (graded, or open)."""
    from lms.assessment import attempts
    from lms.practice import service as practice
    from lms.practice.storage import current_storage

    mentor = make_user(role=Role.MENTOR)
    learner = make_user(role=Role.LEARNER)
    learner.mentor_id = learner.manager_id = mentor.id
    users = {
        "anonymous": None,
        "learner": learner,
        "mentor": mentor,
        "trainer": make_user(role=Role.TRAINER),
        "admin": make_user(role=Role.ADMIN),
    }
    catalog = current_catalog()
    quiz = next(iter(catalog.quizzes.values()))
    attempt = attempts.start_attempt(learner.id, quiz)
    if request.param == "graded":
        attempts.submit_attempt(attempt, {})
    submission = practice.start_lab(learner, next(iter(catalog.labs.values())))
    submission.answers = {checkpoint["id"]: "1" for checkpoint in submission.checkpoints}
    practice.submit(submission)  # a sent submission: its review page exists
    kind = catalog.curriculum.evidence_kinds[0].id
    entry = practice.EvidenceInput(kind, date.today() - timedelta(days=1), "Shadowed", "INC-1")
    evidence = practice.log_evidence(learner, entry, catalog, date.today())
    upload = practice.Upload(None, "notes.pdf", b"%PDF-1.4\n%test\n%%EOF\n")
    [artifact] = practice.add_artifacts(
        learner.id, [upload], current_storage(), practice.Limits(), evidence_id=evidence.id
    )
    from lms.notifications import service as notifications

    feed_token = notifications.new_calendar_token(learner)
    certificate = _certificate_of(learner)
    db.session.commit()
    records = {
        "reset_token": notifications.make_link_token(learner, notifications.RESET),
        "invitation_token": notifications.make_link_token(learner, notifications.INVITATION),
        "unsubscribe_token": notifications.unsubscribe_token(learner),
        "feed_token": feed_token,
        "attempt_id": attempt.id,
        "submission_id": submission.id,
        "evidence_id": evidence.id,
        "artifact_id": artifact.id,
        "certificate_id": certificate.id,
        "code": certificate.code,
        "email": learner.email,
    }
    return users, sample_values(learner.id, records)


def _certificate_of(learner):
    """A certificate of the learner's, for the credential routes (its pages and downloads)."""
    from lms.certification import service as certification
    from lms.certification.models import Certificate

    catalog = current_catalog()
    definition = catalog.curriculum.certifications[0]
    certificate = Certificate(
        user_id=learner.id, certification_id=definition.id, cycle=1,
        code=certification.new_code(), issued_on=date.today(),
        expires_on=date.today() + timedelta(days=180), title=definition.title,
        level=definition.level, curriculum_version=catalog.curriculum.content_hash,
        definition_hash=definition.definition_hash, counted={},
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    return certificate


def sign_in_as(client, user) -> None:
    """Make `user` (None: nobody) the signed-in user of the client's next requests."""
    # Requests share the test's app context, where Flask-Login keeps the user it loaded.
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


def token_guarded(app) -> set[str]:
    """The API's endpoints that a bearer token opens, and nothing else (never the session).

    They are exempt from CSRF on purpose: they read no cookie, so a forged cross-site
    request carries nothing that lets it in. The walks check that instead: with every
    role's session cookie and no token, each answers 401 problem details.
    """
    from lms.api.views import PUBLIC_ENDPOINTS

    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in PUBLIC_ENDPOINTS
    }


def assert_session_is_refused(response, role, url) -> None:
    """An API answer to a session cookie without a token: 401 problem details."""
    assert response.status_code == 401, (role, url, response.status_code)
    assert response.mimetype == "application/problem+json", (role, url)


def admin_token(admin) -> str:
    """A token of the admin's with every scope."""
    from lms.api import tokens

    made = tokens.create_token(admin, name="walk", scopes=list(tokens.SCOPES), days=1)
    db.session.commit()
    return made.secret


def test_every_page_has_the_security_headers_and_no_inline_script(client, people):
    users, values = people
    pages_seen = set()
    guarded = token_guarded(client.application)
    bearer = {"Authorization": f"Bearer {admin_token(users['admin'])}"}
    for endpoint, url in route_urls(client.application, "GET", values):
        if endpoint in guarded:
            for role, user in users.items():
                sign_in_as(client, user)
                assert_session_is_refused(client.get(url), role, url)
            sign_in_as(client, None)
            response = client.get(url, headers=bearer)
            assert response.status_code < 500, url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            if response.status_code == 200:
                pages_seen.add(endpoint)
            continue
        for role, user in users.items():
            sign_in_as(client, user)
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            csp = response.headers["Content-Security-Policy"]
            assert "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0], url
            if response.status_code == 200 or (
                response.status_code == 302 and "/login" not in response.location
            ):
                pages_seen.add(endpoint)
            if response.mimetype != "text/html":
                continue
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
            html = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(html), (role, url)
            assert not INLINE_HANDLER.search(html), (role, url)
    # every route was really reached by some role, not only its sign-in redirect
    endpoints = {endpoint for endpoint, _ in route_urls(client.application, "GET", values)}
    assert endpoints == pages_seen, endpoints - pages_seen


def unprotected_posts(app, client, values) -> list[str]:
    """Every POST route that accepts a request without a CSRF token (should be none)."""
    accepted = []
    guarded = token_guarded(app)
    for endpoint, url in route_urls(app, "POST", values):
        response = client.post(url, data={"email": "admin@example.com", "password": PASSWORD})
        if endpoint in guarded:  # exempt from CSRF: the session alone must not get in
            if response.status_code != 401:
                accepted.append(f"{url} answered {response.status_code} to a session cookie")
            continue
        if response.status_code != 400 or b"form expired" not in response.data:
            accepted.append(f"{url} answered {response.status_code}")
    return accepted


def test_every_post_route_refuses_a_request_without_csrf_token(csrf_app, csrf_client, people):
    users, values = people
    sign_in_as(csrf_client, users["admin"])
    assert len(route_urls(csrf_app, "POST", values)) >= 15  # the walk sees the app's forms
    assert unprotected_posts(csrf_app, csrf_client, values) == []


def test_a_route_added_later_is_walked_and_an_unprotected_one_fails_the_walk(database_url, people):
    """A new POST route is covered without being listed; one exempt from CSRF is caught."""
    _, values = people
    app = create_app({**base_config(database_url), "WTF_CSRF_ENABLED": True})
    extra = Blueprint("late_addition", __name__)

    @extra.route("/late/<int:user_id>/note", methods=["POST"])
    def note(user_id: int):
        return request.form.get("text", "")  # reads the form with no FlaskForm at all

    @extra.route("/late/unguarded", methods=["POST"])
    def unguarded():
        return request.form.get("text", "")

    csrf.exempt(unguarded)
    app.register_blueprint(extra)
    with app.app_context():
        client = app.test_client()
        urls = [url for _, url in route_urls(app, "POST", values)]
        assert f"/late/{values['user_id']}/note" in urls and "/late/unguarded" in urls
        # The app's CSRFProtect refuses the form-reading route; the exempt one fails the walk.
        assert unprotected_posts(app, client, values) == ["/late/unguarded answered 200"]
        db.session.remove()
        db.engine.dispose()


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


def test_the_sqlite_test_database_skips_fsync(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 0
