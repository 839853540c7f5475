"""Roster sync through the API: the same rules as the CSV import, all or nothing, audited."""

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.api import tokens
from lms.audit import AuditEvent
from lms.extensions import db
from lms.onboarding.models import TrackAssignment


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", role=Role.ADMIN)


@pytest.fixture
def api(client, admin):
    """Return a function calling the API as the admin, with every scope."""
    secret = tokens.create_token(admin, name="sync", scopes=list(tokens.SCOPES), days=1).secret
    db.session.commit()

    def call(method, url, body=None):
        return client.open(
            url, method=method, json=body, headers={"Authorization": f"Bearer {secret}"}
        )

    return call


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def roster_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.import")))


def test_put_creates_then_updates_then_a_replay_changes_nothing(api, admin):
    body = {
        "name": "Ada Lovelace", "role": "learner", "team": "SRE", "manager_email": admin.email,
        "start_date": "2026-11-30", "track": "new-hire",
    }  # fmt: skip
    created = api("PUT", "/api/v1/people/Ada@Example.com", body)
    assert created.status_code == 201, created.json
    assert created.json["action"] == "create"
    person = created.json["person"]
    assert person["email"] == "ada@example.com" and person["manager_email"] == admin.email
    user = db.session.get(User, person["id"])
    assert (
        db.session.scalar(
            select(TrackAssignment.track_id).where(TrackAssignment.user_id == user.id)
        )
        == "new-hire"
    )
    assert roster_events()[-1].payload["source"] == "api"

    replay = api("PUT", "/api/v1/people/ada@example.com", body)
    assert replay.status_code == 200 and replay.json["action"] == "unchanged"
    assert len(roster_events()) == 1  # nothing changed, nothing audited

    updated = api("PUT", "/api/v1/people/ada@example.com", body | {"team": "Platform"})
    assert updated.status_code == 200 and updated.json["action"] == "update"
    assert updated.json["person"]["team"] == "Platform"
    assert len(roster_events()) == 2


def test_a_dry_run_reports_and_writes_nothing(api):
    before = people_count()
    answer = api("PUT", "/api/v1/people/new@example.com?dry_run=true", {"name": "New"})
    assert answer.status_code == 200
    assert answer.json == {"action": "create", "dry_run": True, "person": None}
    assert people_count() == before


@pytest.mark.parametrize(
    ("email", "body", "field"),
    [
        ("not-an-email", {"name": "X"}, "email"),
        ("x@example.com", {"name": "X", "manager_email": "nobody@example.com"}, "manager_email"),
        ("x@example.com", {"name": "X", "track": "no-such-track", "start_date": "2026-11-30"},
         "track"),
        ("x@example.com", {"name": "X", "track": "new-hire"}, "start_date"),
        ("x@example.com", {"name": "X", "role": "wizard"}, "role"),
        ("x@example.com", {"name": "X", "start_date": "30/11/2026"}, "start_date"),
        ("x@example.com", {"name": "X", "shoe_size": 44}, "shoe_size"),
        ("x@example.com", {}, "name"),
    ],
)  # fmt: skip
def test_bad_fields_answer_problem_details_naming_the_field(api, email, body, field):
    before = people_count()
    answer = api("PUT", f"/api/v1/people/{email}", body)
    assert answer.status_code == 422, answer.json
    assert answer.mimetype == "application/problem+json"
    assert field in [error["field"] for error in answer.json["errors"]], answer.json
    assert people_count() == before


def test_a_body_that_is_not_json_is_refused_plainly(client, admin, make_user):
    secret = tokens.create_token(admin, name="raw", scopes=["people:write"], days=1).secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    form = client.put("/api/v1/people/x@example.com", data={"name": "X"}, headers=headers)
    assert form.status_code == 415 and form.mimetype == "application/problem+json"
    broken = client.put(
        "/api/v1/people/x@example.com", data='{"name": ', headers=headers,
        content_type="application/json",
    )  # fmt: skip
    assert broken.status_code == 400 and "JSON" in broken.json["detail"]
    assert client.put("/api/v1/people/x@example.com", headers=headers).status_code == 415
    empty = client.put("/api/v1/people/x@example.com", json={}, headers=headers)
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "name"
    make_user(email="leaver@example.com")
    no_body = client.post("/api/v1/people/leaver@example.com/deactivate", headers=headers)
    assert no_body.status_code == 200  # an action without a body needs none


def test_bulk_answers_per_item_and_writes_nothing_when_one_is_bad(api, admin):
    before = people_count()
    good = {"email": "one@example.com", "name": "One", "mentor_email": "two@example.com"}
    also_good = {"email": "two@example.com", "name": "Two", "role": "mentor"}
    bad = {"email": "three@example", "name": "", "manager_email": "ghost@example.com"}
    answer = api("POST", "/api/v1/people/bulk", {"people": [good, also_good, bad]})
    assert answer.status_code == 422, answer.json
    items = answer.json["items"]
    assert [item["action"] for item in items] == ["create", "create", "invalid"]
    fields = {error["field"] for error in items[2]["errors"]}
    assert {"email", "name", "manager_email"} <= fields, items[2]
    assert people_count() == before and roster_events() == []


def test_bulk_dry_run_then_write_then_replay(api):
    people = [
        {"email": "one@example.com", "name": "One", "mentor_email": "two@example.com"},
        {"email": "two@example.com", "name": "Two", "role": "mentor"},
    ]
    dry = api("POST", "/api/v1/people/bulk", {"people": people, "dry_run": True})
    assert dry.status_code == 200 and dry.json["written"] is False and dry.json["created"] == 2
    assert people_count() == 1
    written = api("POST", "/api/v1/people/bulk", {"people": people})
    assert written.status_code == 200 and written.json["created"] == 2
    one = db.session.scalar(select(User).where(User.email == "one@example.com"))
    two = db.session.scalar(select(User).where(User.email == "two@example.com"))
    assert one.mentor_id == two.id
    replay = api("POST", "/api/v1/people/bulk", {"people": people})
    assert replay.json["unchanged"] == 2 and replay.json["created"] == 0


def test_bulk_refuses_a_duplicate_email_in_the_same_batch(api):
    people = [{"email": "dup@example.com", "name": "A"}, {"email": "DUP@example.com", "name": "B"}]
    answer = api("POST", "/api/v1/people/bulk", {"people": people})
    assert answer.status_code == 422
    assert answer.json["items"][1]["errors"][0]["field"] == "email"


def test_deactivate_is_idempotent_and_audited(api, make_user):
    person = make_user(email="leaver@example.com")
    first = api("POST", "/api/v1/people/leaver@example.com/deactivate", {})
    assert first.status_code == 200 and first.json["active"] is False
    again = api("POST", "/api/v1/people/leaver@example.com/deactivate", {})
    assert again.status_code == 200
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == person.id)
    ).all()
    assert actions.count("user.deactivate") == 1
    assert api("POST", "/api/v1/people/nobody@example.com/deactivate", {}).status_code == 404


def test_an_admin_cannot_deactivate_themself(api, admin):
    answer = api("POST", f"/api/v1/people/{admin.email}/deactivate", {})
    assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "email"


def test_roster_writes_need_the_people_write_scope(client, make_user):
    admin = make_user(role=Role.ADMIN)
    secret = tokens.create_token(admin, name="ro", scopes=["people:read"], days=1).secret
    db.session.commit()
    answer = client.put(
        "/api/v1/people/x@example.com", json={"name": "X"},
        headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    assert answer.status_code == 403


def test_the_people_list_filters_and_pages_by_cursor(api, make_user):
    for n in range(5):
        make_user(email=f"p{n}@example.com", team="SRE" if n % 2 else "Platform")
    first = api("GET", "/api/v1/people?limit=2&team=SRE")
    assert first.status_code == 200
    assert [p["email"] for p in first.json["items"]] == ["p1@example.com", "p3@example.com"]
    assert first.json["next_cursor"] is None
    page = api("GET", "/api/v1/people?limit=2")
    seen = [p["email"] for p in page.json["items"]]
    while page.json["next_cursor"]:
        page = api("GET", f"/api/v1/people?limit=2&cursor={page.json['next_cursor']}")
        seen += [p["email"] for p in page.json["items"]]
    assert len(seen) == 6 and len(set(seen)) == 6
    for url in ("/api/v1/people", "/api/v1/certificates"):
        beyond = api("GET", f"{url}?cursor=9999999999")
        assert beyond.status_code == 200 and beyond.json["items"] == []
    bad = api("GET", "/api/v1/people?cursor=abc")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "cursor"
    assert api("GET", "/api/v1/people?limit=0").status_code == 422
    assert api("GET", "/api/v1/people?role=wizard").json["errors"][0]["field"] == "role"


def test_a_write_the_accounts_service_refuses_is_422_and_rolls_back(api, admin):
    """An admin cannot take away their own admin role, through the API either."""
    people = [
        {"email": "new@example.com", "name": "New"},
        {"email": admin.email, "name": admin.name, "role": "learner"},
    ]
    answer = api("POST", "/api/v1/people/bulk", {"people": people})
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"][0]["field"] == "role"
    assert people_count() == 1  # the new person was rolled back with it
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN
