"""Practice pages run a fixed number of SQL queries however many submissions, files,
evidence entries and people there are."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import delete

from lms.accounts.models import Role, User
from lms.catalog import current_catalog
from lms.extensions import db
from lms.practice import checkpoints as kinds
from lms.practice.models import Artifact, Evidence, LabHint, LabSubmission
from tests.conftest import PASSWORD

LAB = "lab-deploy-to-production"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads"), "LMS_NOW": NOW}


def populate(n: int, learner_id: int, mentor_id: int, make_user) -> dict:
    """The learner: n submissions of one lab (the last waiting), a file each, n verified and
    n pending evidence entries; n more learners of the mentor, each with one waiting
    submission and one pending entry."""
    learner, mentor = db.session.get(User, learner_id), db.session.get(User, mentor_id)
    mentor_email = mentor.email
    lab = current_catalog().labs[LAB]
    snapshot = [kinds.snapshot(c) for c in lab.checkpoints]

    def submission(user_id, number, status, at):
        return LabSubmission(
            user_id=user_id, lab_id=LAB, number=number, status=status, lab_title=lab.title,
            content_hash="h", time_limit=lab.time_limit, checkpoints=snapshot,
            answers={"stage-sequence": "5 25 50 100"}, results={"stage-sequence": True},
            scores={"deployment-record": [{"points": 1, "comment": "c"}] * 5},
            started_at=at, submitted_at=at, feedback="f",
        )  # fmt: skip

    rows = []
    for i in range(n):
        status = "submitted" if i == n - 1 else "returned"
        rows.append(submission(learner.id, i + 1, status, NOW - timedelta(hours=n - i)))
    others = [
        make_user(email=f"p{n}-{i}@example.com", mentor_email=mentor_email, team=f"T{i % 3}")
        for i in range(n)
    ]
    rows += [
        submission(o.id, 1, "submitted", NOW - timedelta(minutes=i)) for i, o in enumerate(others)
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(
        Artifact(user_id=s.user_id, submission_id=s.id, checkpoint_id="deployment-record",
                 filename="f.pdf", content_type="application/pdf", size=10, storage_key="k")
        for s in rows
    )  # fmt: skip
    entries = []
    for i in range(n):
        for status in ("verified", "pending"):
            entries.append(
                Evidence(user_id=learner.id, kind="deployment", happened_on=date(2026, 11, 1),
                         title=f"release {i}", reference=f"CHG-{status}-{i}", status=status,
                         verifier_id=mentor.id, logged_at=NOW)
            )  # fmt: skip
    entries += [
        Evidence(user_id=o.id, kind="deployment", happened_on=date(2026, 11, 1), title="r",
                 reference="CHG-1", verifier_id=mentor.id, logged_at=NOW)
        for o in others
    ]  # fmt: skip
    db.session.add_all(entries)
    db.session.add(LabHint(user_id=learner.id, lab_id=LAB, hint_number=1, requested_at=NOW))
    db.session.flush()
    db.session.add_all(
        Artifact(user_id=e.user_id, evidence_id=e.id, filename="e.pdf",
                 content_type="application/pdf", size=10, storage_key="k")
        for e in entries
    )  # fmt: skip
    db.session.commit()
    return {"latest": rows[n - 1].id}


def clear():
    for model in (Artifact, LabHint, Evidence, LabSubmission):
        db.session.execute(delete(model))
    db.session.commit()


PAGES = [
    ("learner", "/my/labs"),
    ("learner", "/my/evidence"),
    ("learner", f"/labs/{LAB}"),
    ("learner", "/submissions/{latest}"),
    ("learner", "/home"),
    ("trainer", "/reviews"),
    ("trainer", "/reviews/{latest}"),
    ("mentor", "/evidence/to-verify"),
    ("mentor", "/home"),
    ("mentor", "/people/{learner}/practice"),
    ("mentor", "/people/"),
]


@pytest.mark.parametrize("viewer, url", PAGES)
def test_practice_pages_query_count_does_not_grow(client, make_user, count_queries, viewer, url):
    mentor = make_user(email="mentor@example.com", role=Role.MENTOR)
    trainer = make_user(email="trainer@example.com", role=Role.TRAINER)
    learner = make_user(email="learner@example.com", mentor_email=mentor.email)
    email = {"mentor": mentor, "trainer": trainer, "learner": learner}[viewer].email
    learner_id, mentor_id = learner.id, mentor.id
    client.post("/login", data={"email": email, "password": PASSWORD})

    def count(n):
        ids = populate(n, learner_id, mentor_id, make_user)
        g.pop("_login_user", None)  # requests share the test's app context: reload the viewer
        with count_queries() as statements:
            response = client.get(url.format(latest=ids["latest"], learner=learner_id))
            assert response.status_code == 200, url
        clear()
        return len(statements)

    assert count(2) == count(40)


def test_review_and_verification_queues_page_oldest_first(client, make_user):
    """Fifty to a page with the total above; the pager keeps the filters; past the last: 404."""
    mentor = make_user(email="mentor@example.com", role=Role.MENTOR)
    trainer = make_user(email="trainer@example.com", role=Role.TRAINER)
    learner = make_user(email="learner@example.com", mentor_email=mentor.email)
    trainer_email, mentor_email = trainer.email, mentor.email
    populate(60, learner.id, mentor.id, make_user)  # 61 waiting, 120 pending entries

    client.post("/login", data={"email": trainer_email, "password": PASSWORD})
    first = client.get("/reviews").get_data(as_text=True)
    assert first.count('data-submission="') == 50 and "61 waiting" in first
    second = client.get("/reviews?page=2").get_data(as_text=True)
    assert second.count('data-submission="') == 11
    assert not set(_ids(first, "submission")) & set(_ids(second, "submission"))
    assert client.get("/reviews?page=3").status_code == 404
    assert client.get("/reviews?page=9223372036854775807").status_code == 404
    assert client.get("/reviews?page=abc").get_data(as_text=True) == first
    team = client.get("/reviews?team=T0").get_data(as_text=True)
    assert "20 waiting" in team and team.count('data-submission="') == 20
    assert "page=2" not in team
    learner_page = client.get("/reviews?learner=p60-").get_data(as_text=True)
    assert "page=2&amp;learner=p60-" in learner_page or "learner=p60-&amp;page=2" in learner_page

    client.post("/logout")
    client.post("/login", data={"email": mentor_email, "password": PASSWORD})
    g.pop("_login_user", None)
    first = client.get("/evidence/to-verify").get_data(as_text=True)
    assert first.count('data-evidence="') == 50 and "120 entries" in first
    third = client.get("/evidence/to-verify?page=3").get_data(as_text=True)
    assert third.count('data-evidence="') == 20
    assert client.get("/evidence/to-verify?page=4").status_code == 404


def _ids(page: str, kind: str) -> list[str]:
    return re.findall(rf'data-{kind}="(\d+)"', page)
