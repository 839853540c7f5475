"""API tokens: who gets in, with which scopes, and whose records they see."""

import re
from datetime import timedelta

import pytest

from lms.accounts.models import Role
from lms.api import tokens
from lms.api.models import ApiToken, TokenKind
from lms.extensions import db
from lms.timeutil import utcnow


@pytest.fixture
def token_for(app):
    """Return a function that makes a token for a user and commits; it returns the secret."""

    def make(user, scopes=("people:read", "records:read"), days=30, kind=TokenKind.PERSONAL):
        made = tokens.create_token(user, name="test", scopes=list(scopes), days=days, kind=kind)
        db.session.commit()
        return made.secret

    return make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_valid_token_reads_the_person_and_records_last_use(client, make_user, token_for):
    learner = make_user()
    secret = token_for(learner)
    response = client.get(f"/api/v1/people/{learner.id}", headers=bearer(secret))
    assert response.status_code == 200, response.json
    assert response.json["email"] == learner.email
    assert db.session.scalar(db.select(ApiToken.last_used_at)) is not None


def test_no_token_answers_401_problem(client):
    response = client.get("/api/v1/people")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401 and "Bearer" in response.headers["WWW-Authenticate"]


def test_the_html_session_cookie_alone_gets_401(client, make_user, login):
    admin = make_user(role=Role.ADMIN)
    assert login(admin).status_code == 302
    assert client.get("/admin/users").status_code == 200  # the cookie works for pages
    for method, url in [("get", "/api/v1/people"), ("get", f"/api/v1/people/{admin.id}"),
                        ("put", "/api/v1/people/new@example.com")]:  # fmt: skip
        response = getattr(client, method)(url, json={"name": "New"})
        assert response.status_code == 401, url
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_an_expired_token_gets_401(client, app, make_user, token_for):
    learner = make_user()
    secret = token_for(learner, days=1)
    app.config["LMS_NOW"] = utcnow() + timedelta(days=1, seconds=1)
    response = client.get(f"/api/v1/people/{learner.id}", headers=bearer(secret))
    assert response.status_code == 401
    assert "expired" in response.json["detail"]


def test_a_revoked_token_gets_401(client, make_user, token_for):
    learner = make_user()
    secret = token_for(learner)
    assert client.get(f"/api/v1/people/{learner.id}", headers=bearer(secret)).status_code == 200
    tokens.revoke(db.session.scalar(db.select(ApiToken)), actor=learner)
    db.session.commit()
    assert client.get(f"/api/v1/people/{learner.id}", headers=bearer(secret)).status_code == 401


def test_a_deactivated_persons_token_gets_401(client, make_user, token_for):
    learner = make_user()
    secret = token_for(learner)
    learner.active = False
    db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 401


def test_a_wrong_token_gets_401(client, make_user, token_for):
    token_for(make_user())
    for value in ("Bearer lms_nope", "Bearer ", "Basic abc", "lms_x"):
        response = client.get("/api/v1/people", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_the_wrong_scope_gets_403(client, make_user, token_for):
    learner = make_user()
    secret = token_for(learner, scopes=["people:read"])
    assert client.get(f"/api/v1/people/{learner.id}", headers=bearer(secret)).status_code == 200
    response = client.get(f"/api/v1/people/{learner.id}/attempts", headers=bearer(secret))
    assert response.status_code == 403
    assert "records:read" in response.json["detail"]


def test_people_write_needs_an_admin_even_with_the_scope(client, make_user, token_for):
    trainer = make_user(role=Role.TRAINER)
    with pytest.raises(tokens.ServiceError, match="admin"):
        token_for(trainer, scopes=["people:write"])


@pytest.mark.parametrize(
    "path",
    ["", "/plans", "/modules", "/attempts", "/labs", "/evidence", "/certifications", "/record"],
)
def test_another_persons_records_answer_404(client, make_user, token_for, path):
    mentor = make_user(role=Role.MENTOR)
    mentee = make_user(mentor_email=mentor.email)
    stranger = make_user()
    secret = token_for(mentor)
    assert (
        client.get(f"/api/v1/people/{mentee.id}{path}", headers=bearer(secret)).status_code == 200
    )
    response = client.get(f"/api/v1/people/{stranger.id}{path}", headers=bearer(secret))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    # a learner's token sees only the learner
    own = token_for(mentee)
    assert client.get(f"/api/v1/people/{mentor.id}{path}", headers=bearer(own)).status_code == 404


def test_a_mentors_list_holds_only_their_mentees_and_themself(client, make_user, token_for):
    mentor = make_user(role=Role.MENTOR)
    mentee = make_user(mentor_email=mentor.email)
    make_user()
    response = client.get("/api/v1/people", headers=bearer(token_for(mentor)))
    assert {p["email"] for p in response.json["items"]} == {mentor.email, mentee.email}


def test_a_service_token_made_on_the_command_line_works(runner, client, make_user):
    admin = make_user(role=Role.ADMIN)
    result = runner.invoke(
        args=["api", "create-token", admin.email, "--name", "HR sync", "--scope", "people:read",
              "--service"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lms_")
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["api", "list-tokens"])
    assert "HR sync" in listed.output and secret not in listed.output


def test_the_account_page_makes_a_token_shown_once_and_revokes_it(client, make_user, login):
    learner = make_user()
    login(learner)
    page = client.post(
        "/account/tokens", data={"name": "laptop", "scopes": ["people:read"], "days": "30"}
    )
    assert page.status_code == 200
    token = db.session.scalar(db.select(ApiToken))
    html = page.get_data(as_text=True)
    [secret] = re.findall(r"<code[^>]*>(lms_[A-Za-z0-9_-]+)</code>", html)
    assert tokens.hash_secret(secret) == token.token_hash
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    client.post(f"/account/tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(client, make_user, login, token_for):
    owner = make_user()
    token_for(owner)
    token = db.session.scalar(db.select(ApiToken))
    login(make_user())
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404


def test_an_admin_makes_and_revokes_a_service_token_on_the_admin_page(client, make_user, login):
    admin = make_user(role=Role.ADMIN)
    integration = make_user(email="hr-sync@example.com", role=Role.ADMIN)
    login(admin)
    page = client.post(
        "/admin/api-tokens",
        data={"email": integration.email, "name": "HR", "scopes": ["people:write"], "days": ""},
    )
    assert page.status_code == 200
    [secret] = re.findall(r"<code[^>]*>(lms_[A-Za-z0-9_-]+)</code>", page.get_data(as_text=True))
    token = db.session.scalar(db.select(ApiToken))
    assert token.kind == TokenKind.SERVICE and token.expires_at is None
    assert token.user_id == integration.id and token.created_by_id == admin.id
    answer = client.put(
        "/api/v1/people/new@example.com", json={"name": "New"},
        headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    assert answer.status_code == 201
    unknown = client.post(
        "/admin/api-tokens", data={"email": "nobody@example.com", "name": "X",
                                   "scopes": ["people:read"]},
    )  # fmt: skip
    assert b"No user with the email" in unknown.data
    client.post(f"/admin/api-tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_the_service_token_page_is_for_admins_only(client, make_user, login):
    login(make_user(role=Role.TRAINER))
    assert client.get("/admin/api-tokens").status_code == 403
