"""The permission matrix: every role and relationship against every page that takes an id."""

import pytest

from lms.accounts.models import Role
from lms.extensions import db

ACTORS = ["owner", "other_learner", "mentor_of", "manager_of", "other_mentor", "trainer", "admin"]


@pytest.fixture
def people(make_user):
    """An owner learner with a mentor and a manager, plus people with no tie to them."""
    mentor_of = make_user(email="mentor@example.com", role=Role.MENTOR)
    manager_of = make_user(email="manager@example.com", role=Role.LEARNER)
    owner = make_user(
        email="owner@example.com", name="Owner Person",
        mentor_email=mentor_of.email, manager_email=manager_of.email,
    )  # fmt: skip
    return {
        "owner": owner,
        "mentor_of": mentor_of,
        "manager_of": manager_of,
        "other_learner": make_user(email="other@example.com"),
        "other_mentor": make_user(email="mentor2@example.com", role=Role.MENTOR),
        "trainer": make_user(email="trainer@example.com", role=Role.TRAINER),
        "admin": make_user(email="admin@example.com", role=Role.ADMIN),
    }


# url template, then the status each actor gets, in ACTORS order
MATRIX = [
    ("/people/{owner}", [200, 404, 200, 200, 404, 200, 200]),
    ("/people/", [403, 403, 200, 403, 200, 200, 200]),
    ("/onboarding/people/{owner}", [200, 404, 200, 200, 404, 200, 200]),
    ("/onboarding/team", [403, 403, 403, 403, 403, 200, 200]),
    ("/admin/users", [403, 403, 403, 403, 403, 200, 200]),
    ("/admin/users/new", [403, 403, 403, 403, 403, 403, 200]),
    ("/admin/users/{owner}/edit", [403, 403, 403, 403, 403, 403, 200]),
    ("/admin/roster", [403, 403, 403, 403, 403, 403, 200]),
    ("/admin/audit", [403, 403, 403, 403, 403, 403, 200]),
]
CASES = [
    pytest.param(url, actor, status, id=f"{url}-{actor}")
    for url, statuses in MATRIX
    for actor, status in zip(ACTORS, statuses, strict=True)
]


@pytest.mark.parametrize("url, actor, status", CASES)
def test_get_matrix(client, login, people, url, actor, status):
    login(people[actor])
    response = client.get(url.format(owner=people["owner"].id))
    assert response.status_code == status
    if status != 200:
        assert b"owner@example.com" not in response.data


POSTS = [
    "/admin/users/{owner}/edit",
    "/admin/users/{owner}/password",
    "/admin/users/{owner}/active",
]


@pytest.mark.parametrize("url", POSTS)
@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "admin"])
def test_only_admins_change_users(client, login, people, url, actor):
    login(people[actor])
    owner = people["owner"]
    response = client.post(
        url.format(owner=owner.id),
        data={
            "email": "taken@example.com",
            "name": "X",
            "role": "admin",
            "reset-password": "x" * 20,
        },
    )
    assert response.status_code == 403
    db.session.refresh(owner)
    assert owner.email == "owner@example.com" and owner.active


def test_unknown_ids_are_404(client, login, people):
    login(people["admin"])
    assert client.get("/people/999999").status_code == 404
    assert client.get("/admin/users/999999/edit").status_code == 404


def test_navigation_follows_role(client, login, people):
    login(people["owner"])
    html = client.get("/home").get_data(as_text=True)
    assert "Audit log" not in html and "Users" not in html
    client.post("/logout")
    login(people["trainer"])
    html = client.get("/home").get_data(as_text=True)
    assert "Users" in html and "Audit log" not in html
